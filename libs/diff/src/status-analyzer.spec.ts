import { describe, expect, it } from 'vitest';
import { analyzeStatus } from './status-analyzer.js';
import type { StatusDigest } from './signal.factory.js';
import { workloadOfName } from './workload.js';

const T = '2025-06-05T04:20:00.000Z';

function pod(container: Record<string, unknown>, ready = 'True') {
  return {
    kind: 'Pod',
    metadata: {
      name: 'frontend-9575df84d-vkk4r',
      namespace: 'shop',
      labels: { 'pod-template-hash': '9575df84d' },
      ownerReferences: [{ kind: 'ReplicaSet', name: 'frontend-9575df84d', controller: true }],
    },
    status: {
      conditions: [{ type: 'Ready', status: ready, lastTransitionTime: '2025-06-05T04:17:17Z' }],
      containerStatuses: [{ name: 'server', restartCount: 0, ...container }],
    },
  };
}

function run(kind: string, object: Record<string, unknown>, previous?: StatusDigest) {
  return analyzeStatus({
    cluster: 'c1',
    kind,
    namespace: 'shop',
    name: String((object.metadata as { name: string }).name),
    object,
    observedAt: T,
    previous,
  });
}

describe('status analysis', () => {
  it('signals OOMKilled and CrashLoopBackOff once, with onset and owning Deployment', () => {
    const crashing = pod({
      state: { waiting: { reason: 'CrashLoopBackOff' } },
      lastState: { terminated: { reason: 'OOMKilled', finishedAt: '2025-06-05T04:17:17Z', exitCode: 137 } },
    });
    const first = run('Pod', crashing);
    expect(first.signals.map((s) => [s.reason, s.onset, s.workload?.name])).toEqual([
      ['CrashLoopBackOff', '2025-06-05T04:17:17.000Z', 'frontend'],
      ['OOMKilled', '2025-06-05T04:17:17.000Z', 'frontend'],
    ]);
    // Same condition again: no repeat. Identical input gives identical ids.
    expect(run('Pod', crashing, first.digest).signals).toEqual([]);
    expect(run('Pod', crashing).signals.map((s) => s.anomalyId)).toEqual(
      first.signals.map((s) => s.anomalyId),
    );
  });

  it('signals restarts and lost readiness as transitions, not for a pod that starts', () => {
    const healthy = run('Pod', pod({ state: { running: {} } }));
    expect(healthy.signals).toEqual([]);
    const restarted = run(
      'Pod',
      pod(
        {
          restartCount: 1,
          lastState: { terminated: { reason: 'Error', finishedAt: '2025-06-05T04:18:00Z' } },
        },
        'False',
      ),
      healthy.digest,
    );
    expect(restarted.signals.map((s) => s.reason)).toEqual(['ContainerRestarted', 'NotReady']);
    const recovered = run('Pod', pod({ restartCount: 1 }, 'True'), restarted.digest);
    expect(recovered.signals.map((s) => [s.reason, s.status])).toEqual([['NotReady', 'resolved']]);
    expect(run('Pod', pod({}, 'False')).signals).toEqual([]);
  });

  it('does not signal lost readiness of a pod being deleted (a scale-down, a rollout replacing it)', () => {
    const healthy = run('Pod', pod({ state: { running: {} } }));
    const terminating = pod({ state: { running: {} } }, 'False');
    (terminating.metadata as Record<string, unknown>).deletionTimestamp = '2025-06-05T04:19:00Z';
    expect(run('Pod', terminating, healthy.digest).signals).toEqual([]);
  });

  it('signals Deployment Progressing=False and its recovery', () => {
    const dep = (status: string) => ({
      kind: 'Deployment',
      metadata: { name: 'cart' },
      status: {
        conditions: [
          {
            type: 'Progressing',
            status,
            reason: status === 'False' ? 'ProgressDeadlineExceeded' : 'NewReplicaSetAvailable',
            lastTransitionTime: '2025-06-05T04:19:00Z',
          },
        ],
      },
    });
    const failed = run('Deployment', dep('False'), { Progressing: 'True' });
    expect(failed.signals.map((s) => [s.reason, s.status, s.severity])).toEqual([
      ['ProgressDeadlineExceeded', 'firing', 'critical'],
    ]);
    expect(run('Deployment', dep('False'), failed.digest).signals).toEqual([]);
    expect(run('Deployment', dep('True'), failed.digest).signals.map((s) => s.status)).toEqual(['resolved']);
  });

  it('treats a Warning event as an occurrence and a count increase as a new one at lastTimestamp', () => {
    const ev = (count: number, last: string) => ({
      kind: 'Event',
      type: 'Warning',
      reason: 'BackOff',
      metadata: { name: 'frontend-9575df84d-vkk4r.1846', namespace: 'shop' },
      involvedObject: { kind: 'Pod', namespace: 'shop', name: 'frontend-9575df84d-vkk4r', apiVersion: 'v1' },
      firstTimestamp: '2025-06-05T04:17:20Z',
      lastTimestamp: last,
      count,
    });
    const first = run('Event', ev(1, '2025-06-05T04:17:20Z'));
    expect(first.signals[0]).toMatchObject({
      reason: 'BackOff',
      onset: '2025-06-05T04:17:20.000Z',
      subject: { kind: 'Pod' },
      workload: { kind: 'Deployment', name: 'frontend' },
    });
    expect(run('Event', ev(1, '2025-06-05T04:17:20Z'), first.digest).signals).toEqual([]);
    const again = run('Event', ev(3, '2025-06-05T04:19:00Z'), first.digest);
    expect(again.signals[0].onset).toBe('2025-06-05T04:19:00.000Z');
    const node = run('Event', {
      ...ev(1, T),
      reason: 'OOMKilling',
      involvedObject: { kind: 'Node', name: 'gke-node-1' },
    });
    expect(node.signals[0].subject).toMatchObject({ kind: 'Node', namespace: null, name: 'gke-node-1' });
    expect(run('Event', { ...ev(1, T), type: 'Normal' }).signals).toEqual([]);
  });

  it('derives workloads from generated names only when they look generated', () => {
    expect(workloadOfName('Pod', 'cartservice-7c85ddf6f9-x2v4k')).toEqual({
      kind: 'Deployment',
      name: 'cartservice',
    });
    expect(workloadOfName('ReplicaSet', 'cartservice-7c85ddf6f9')).toEqual({
      kind: 'Deployment',
      name: 'cartservice',
    });
    expect(workloadOfName('Pod', 'redis-0')).toBeUndefined();
  });
});
