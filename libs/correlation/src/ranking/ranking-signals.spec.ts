import { describe, expect, it } from 'vitest';
import { alert, change, podSignal } from '../../../../test/support/correlation-fixtures.js';
import { evidenceWeight, natureOf } from './anomaly-nature.js';
import { toCandidate } from './candidate-changes.js';
import { diffSuspicion, quantity } from './change-suspicion.js';
import { firstBreakCompetition } from './first-break.js';
import type { EvidenceGroup } from './incident-evidence.js';
import { lagPlausibility, promptLagPlausibility } from './lag-model.js';

describe('ranking signals', () => {
  it('lag: nothing before the change, flat for minutes, then decaying', () => {
    expect(lagPlausibility(-10_000)).toBe(0);
    expect(lagPlausibility(-1_000)).toBe(1);
    expect(lagPlausibility(5 * 60_000)).toBe(1);
    // Slow faults stay plausible a while on the changed workload; the first-break claim needs a prompt lag.
    expect(lagPlausibility(15 * 60_000)).toBeGreaterThan(0.5);
    expect(promptLagPlausibility(15 * 60_000)).toBeLessThan(0.3);
    expect(promptLagPlausibility(5 * 60_000)).toBe(1);
    expect(lagPlausibility(60 * 60_000)).toBeLessThan(0.02);
  });

  it('symptom nature: container-level stays local, request-level propagates', () => {
    expect(natureOf(podSignal('cart', 'OOMKilled', '2025-01-01T10:00:00Z'))).toBe('local');
    expect(natureOf(alert('cart', 'KubePodCrashLooping', '2025-01-01T10:00:00Z'))).toBe('local');
    expect(natureOf(alert('cart', 'HighErrorRate', '2025-01-01T10:00:00Z'))).toBe('propagating');
    expect(
      evidenceWeight({ ...alert('cart', 'CPUThrottlingHigh', '2025-01-01T10:00:00Z'), severity: 'info' }),
    ).toBeLessThan(0.05);
  });

  it('candidates: controller and metadata-only changes are discounted, runtime objects excluded', () => {
    const human = toCandidate(change('Deployment', 'cart', '2025-01-01T10:00:00Z', ['image']))!;
    const hpa = toCandidate(
      change('Deployment', 'cart', '2025-01-01T10:00:00Z', ['replicas'], 'controller'),
    )!;
    const labels = toCandidate(change('Deployment', 'cart', '2025-01-01T10:00:00Z', ['metadata']))!;
    expect(human.prior).toBeCloseTo(0.9);
    expect(hpa.prior).toBeLessThan(0.02);
    expect(labels.prior).toBeLessThan(0.01);
    expect(toCandidate(change('Pod', 'cart-1', '2025-01-01T10:00:00Z', ['image']))).toBeUndefined();
  });

  it('diff hints: limits cut, values moved by an order of magnitude, requests raised', () => {
    const base = change('Deployment', 'cart', '2025-01-01T10:00:00Z', ['resources']);
    const cut = {
      ...base,
      paths: [
        {
          path: '/spec/template/spec/containers/0/resources/limits/memory',
          op: 'replace' as const,
          old: '128Mi',
          new: '32Mi',
        },
      ],
    };
    expect(diffSuspicion(cut).factor).toBeGreaterThan(1.2);
    const pool = {
      ...base,
      ref: { ...base.ref, kind: 'ConfigMap' },
      paths: [
        {
          path: '/data/config.yaml',
          op: 'replace' as const,
          old: 'pool:\n  max: 64\n',
          new: 'pool:\n  max: 1\n',
        },
      ],
    };
    expect(diffSuspicion(pool).factor).toBeGreaterThan(1.2);
    const raised = {
      ...base,
      paths: [
        {
          path: '/spec/template/spec/containers/0/resources/requests/cpu',
          op: 'replace' as const,
          old: '100m',
          new: '200m',
        },
      ],
    };
    expect(diffSuspicion(raised).factor).toBeLessThan(1);
    const secret = { ...base, ref: { ...base.ref, kind: 'Secret' }, paths: pool.paths };
    expect(diffSuspicion(secret).factor).toBe(1);
    expect(quantity('128Mi')).toBe(128 * 2 ** 20);
  });

  it('diff hints: only logging/tracing settings halve the risk; a functional setting keeps it', () => {
    const base = change('Deployment', 'cart', '2025-01-01T10:00:00Z', ['env']);
    const logLevel = {
      ...base,
      summary:
        'shop/Deployment/cart: spec.template.spec.containers[cart].env[LOG_LEVEL].value: info -> debug',
      paths: [
        {
          path: '/spec/template/spec/containers/0/env/2/value',
          op: 'replace' as const,
          old: 'info',
          new: 'debug',
        },
      ],
    };
    expect(diffSuspicion(logLevel).factor).toBe(0.5);
    const sampler = {
      ...base,
      paths: [
        {
          path: '/spec/template/spec/containers/0/env/1',
          op: 'add' as const,
          new: { name: 'OTEL_TRACES_SAMPLER_ARG', value: '0.1' },
        },
      ],
    };
    expect(diffSuspicion(sampler).factor).toBe(0.5);
    const format = {
      ...base,
      ref: { ...base.ref, kind: 'ConfigMap' },
      paths: [{ path: '/data/LOG_FORMAT', op: 'replace' as const, old: 'json', new: 'logfmt' }],
    };
    expect(diffSuspicion(format).factor).toBe(0.5);
    const flags = {
      ...base,
      paths: [
        {
          path: '/spec/template/spec/containers/0/env/0',
          op: 'add' as const,
          new: { name: 'FEATURE_FLAGS', value: 'strict' },
        },
      ],
    };
    expect(diffSuspicion(flags).factor).toBe(1);
    expect(diffSuspicion({ ...sampler, paths: [...sampler.paths, ...flags.paths] }).factor).toBe(1);
  });

  it('first break: earlier changes are alternatives for the first break, their pushes do not stack', () => {
    const t = Date.parse('2025-01-01T10:00:00Z');
    const groups = [
      {
        node: 'entry',
        nature: 'propagating',
        relevance: 1,
        weight: 1,
        anomalies: [{ onset: t + 480_000, weight: 1 }],
      },
    ] as unknown as EvidenceGroup[];
    // Two changes made before c explain the entry point's alert as well as c does.
    const candidates = [
      { time: t - 120_000, prior: 0.9 },
      { time: t - 60_000, prior: 0.9 },
      { time: t, prior: 0.9 },
    ] as unknown as Parameters<typeof firstBreakCompetition>[0];
    const one = (start: number) => ({
      groups: [0],
      strength: [1],
      claim: [1],
      direct: [false],
      start: [start],
    });
    const { competition } = firstBreakCompetition(
      candidates,
      groups,
      [one(t - 120_000), one(t - 60_000), one(t)],
      Float64Array.from([1, 1, 1]),
    );
    expect(competition[1]).toBeCloseTo(0.1);
    // The second change broke the system first only if the first did not: 1 - 0.9 x 0.1, not 0.1 again.
    expect(competition[2]).toBeCloseTo(0.1 * (1 - 0.9 * 0.1));
  });

  it('first break: an earlier change that explains the first symptom only weakly does not push down the one that explains it directly', () => {
    const t = Date.parse('2025-01-01T10:00:00Z');
    const group = (node: string, nature: 'local' | 'propagating', onset: number, weight: number) =>
      ({ node, nature, relevance: 1, weight, anomalies: [{ onset, weight }] }) as unknown as EvidenceGroup;
    // b's own readiness failures 36 s after it, then the entry point's alert; a (5 min earlier, a presumed link)
    // explains the alert about as well but b's own symptom only through calls.
    const run = (ownWeight: number, direct: boolean) => {
      const groups = [
        group('b', 'local', t + 36_000, ownWeight),
        group('entry', 'propagating', t + 240_000, 1),
      ];
      const candidates = [
        { time: t - 300_000, prior: 0.9 },
        { time: t, prior: 0.6 },
      ] as unknown as Parameters<typeof firstBreakCompetition>[0];
      const sparse = [
        {
          groups: [0, 1],
          strength: [0.075, 0.777],
          claim: [0.075, 0.777],
          direct: [false, false],
          start: [t - 300_000, t - 300_000],
        },
        { groups: [0, 1], strength: [1, 1], claim: [1, 1], direct: [direct, false], start: [t, t] },
      ];
      const own = Float64Array.from([ownWeight * 0.075 + 0.777, ownWeight + 1]);
      return firstBreakCompetition(candidates, groups, sparse, own).competition[1];
    };
    expect(run(0.6, true)).toBeGreaterThan(0.9);
    // Reached only through calls, or the first symptom is routine noise: the usual first-break rule.
    expect(run(0.6, false)).toBeLessThan(0.6);
    expect(run(0.09, true)).toBeLessThan(0.6);
  });
});
