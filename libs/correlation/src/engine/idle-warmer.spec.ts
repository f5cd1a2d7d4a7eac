import { describe, expect, it } from 'vitest';
import { CausalityEngine } from './causality-engine.js';
import { IdleWarmer } from './idle-warmer.js';
import { alert, change, deployment, service } from '../../../../test/support/correlation-fixtures.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('IdleWarmer', () => {
  it('warms in slices once input is quiet, and again after new input', async () => {
    const slices: number[] = [];
    let left = 3;
    const warmer = new IdleWarmer(
      {
        warm: (budget) => {
          slices.push(budget);
          return --left <= 0;
        },
      },
      { idleMs: 20, sliceMs: 5 },
    );
    warmer.start();
    await sleep(60);
    expect(slices).toEqual([]); // nothing came in: nothing to warm
    warmer.touch();
    await sleep(150);
    expect(slices).toEqual([5, 5, 5]);
    left = 1;
    warmer.touch();
    await sleep(150);
    expect(slices).toHaveLength(4);
    warmer.stop();
  });
});

describe('CausalityEngine.warm', () => {
  it('leaves rankings as they are and reports when it is done', () => {
    const build = () => {
      const engine = new CausalityEngine();
      for (const o of [
        deployment('frontend', [{ name: 'CART_ADDR', value: 'cart:7070' }]),
        deployment('cart'),
        service('cart'),
        service('frontend'),
      ])
        engine.applyObject(o.key, o.state);
      engine.applyChange(change('Deployment', 'cart', '2025-01-01T10:05:00.000Z', ['image']));
      engine.applyChange(change('Deployment', 'frontend', '2025-01-01T10:07:00.000Z', ['env']));
      engine.applyAnomaly(alert('frontend', 'HighErrorRate', '2025-01-01T10:10:00.000Z'));
      return engine;
    };
    const query = {
      at: new Date('2025-01-01T10:20:00.000Z'),
      symptom: { namespace: 'shop', kind: 'Deployment', name: 'frontend' },
    };
    const warmed = build();
    expect(warmed.warm(0)).toBe(false); // a zero budget still makes progress, one search at a time
    while (!warmed.warm(0));
    expect(JSON.stringify(warmed.rankCauses(query))).toBe(JSON.stringify(build().rankCauses(query)));
  });
});
