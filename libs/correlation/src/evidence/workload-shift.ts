import { GOLDEN_SIGNALS, type WorkloadSignals } from '#metrics';
import { compareSignal, samplesOf } from './golden-signal-tests.js';
import type { MetricFinding } from './metric-finding.js';
import { BEFORE_MS } from './revision-canary.js';

export interface WorkloadShiftInput {
  signals: WorkloadSignals;
  /** When the change could first have had an effect on this workload (see effective times in docs/ranking.md). */
  since: number;
  at: number;
}

/**
 * A workload's golden signals after a change against the same workload before it: the evidence for changes that
 * act on running pods rather than create new ones (a ConfigMap or Secret its pods read, a NetworkPolicy that
 * selects them, a new replica count). Request signals are split by caller in the result, so "checkout's calls to
 * cart fail since 14:03" shows even when only checkout alerts.
 */
export function analyzeShift(input: WorkloadShiftInput): MetricFinding[] {
  const { signals, since, at } = input;
  const findings: MetricFinding[] = [];
  for (const signal of GOLDEN_SIGNALS) {
    const after = samplesOf(signals.series, signal, (s) => s.t - signals.intervalMs >= since && s.t <= at);
    const before = samplesOf(signals.series, signal, (s) => s.t > since - BEFORE_MS && s.t <= since);
    const f = compareSignal(signal, after, before, {
      comparison: 'after-change',
      intervalMs: signals.intervalMs,
    });
    if (f) findings.push(f);
  }
  return findings;
}
