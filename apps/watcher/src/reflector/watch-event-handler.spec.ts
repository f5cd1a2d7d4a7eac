import { describe, expect, it } from 'vitest';
import {
  filterExcluding,
  recordingSink,
  stateWith,
  summary,
} from '../../../../test/support/reflector-fixtures.js';
import { WatchEventHandler } from './watch-event-handler.js';

const line = (type: string, name: string, rv: string, namespace = 'shop') =>
  JSON.stringify({
    type,
    object: {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name, namespace, resourceVersion: rv, uid: `u-${name}` },
    },
  });

function setup(...excludeNamespaces: string[]) {
  const sink = recordingSink();
  const state = stateWith(sink);
  return { sink, state, handler: new WatchEventHandler(state, filterExcluding(...excludeNamespaces)) };
}

describe('WatchEventHandler', () => {
  it('publishes each change once and drops re-sent events', () => {
    const { sink, state, handler } = setup();
    expect(handler.handleLine(line('ADDED', 'a', '1'))).toBe('event');
    expect(handler.handleLine(line('ADDED', 'a', '1'))).toBe('skip');
    expect(handler.handleLine(line('MODIFIED', 'a', '2'))).toBe('event');
    expect(handler.handleLine(line('MODIFIED', 'a', '2'))).toBe('skip');
    expect(handler.handleLine(line('DELETED', 'a', '3'))).toBe('event');
    expect(handler.handleLine(line('DELETED', 'a', '3'))).toBe('skip');
    expect(summary(sink.items)).toEqual(['ADDED a@1', 'MODIFIED a@2', 'DELETED a@3']);
    expect(state.index.size).toBe(0);
    expect(state.resourceVersion).toBe('3');
  });

  it('follows bookmarks without publishing them', () => {
    const { sink, state, handler } = setup();
    expect(handler.handleLine(line('BOOKMARK', '', '42'))).toBe('skip');
    expect(state.resourceVersion).toBe('42');
    expect(sink.items).toEqual([]);
  });

  it('reports an expired resourceVersion as gone, other errors as nothing', () => {
    const { handler } = setup();
    const error = (object: object) => JSON.stringify({ type: 'ERROR', object });
    expect(handler.handleLine(error({ code: 410, reason: 'Expired' }))).toBe('gone');
    expect(handler.handleLine(error({ reason: 'Gone' }))).toBe('gone');
    expect(handler.handleLine(error({ code: 500, reason: 'InternalError' }))).toBe('skip');
  });

  it('skips lines that are not JSON and objects of excluded namespaces', () => {
    const { sink, state, handler } = setup('kube-system');
    expect(handler.handleLine('{"type":"ADDED","obj')).toBe('skip');
    expect(handler.handleLine(line('ADDED', 'x', '5', 'kube-system'))).toBe('skip');
    expect(sink.items).toEqual([]);
    expect(state.resourceVersion).toBe('5');
  });
});
