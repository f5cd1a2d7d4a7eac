import type { ReplayOutput } from './replay.pipeline.js';

/** The human-readable report of `incident-assistant replay` (without --json). */
export function formatReplayReport(output: ReplayOutput): string {
  const lines: string[] = [];
  const symptom = output.symptom
    ? `${output.symptom.namespace}/${output.symptom.kind}/${output.symptom.name}`
    : 'all firing symptoms';
  lines.push(`Incident at ${output.rankAt}, investigating ${symptom}`);
  const metricLines = output.stats.metricLines ? `, ${output.stats.metricLines} metric intervals` : '';
  lines.push(
    `Replayed ${output.stats.lines} lines (${output.stats.alerts} alert notifications${metricLines}) into ${output.stats.changes} changes and ${output.stats.anomalies} anomaly signals in ${output.stats.millis} ms.`,
  );
  const skipped = [
    output.stats.malformed ? `${output.stats.malformed} malformed` : '',
    ...Object.entries(output.stats.unknown ?? {}).map(([type, n]) => `${n} of unknown type "${type}"`),
  ].filter(Boolean);
  if (skipped.length) lines.push(`Skipped lines: ${skipped.join(', ')} (see the warnings on stderr).`);
  if (output.metrics) {
    const failed = output.metrics.failures.map((f) => `${f.workload} (${f.reason})`);
    lines.push(
      `Metrics from ${output.metrics.source} for ${output.metrics.workloads} workload(s)${failed.length ? `; unavailable for ${failed.join(', ')}` : ''}.`,
    );
  }
  lines.push('');
  if (output.verdict) lines.push(`Verdict: ${output.verdict} (${output.reason}).`, '');
  if (output.causes.length === 0) lines.push('No candidate change found before the investigation time.');
  output.causes.forEach((c, i) => {
    const ns = c.resource.namespace ? `${c.resource.namespace}/` : '';
    lines.push(
      `${i + 1}. ${c.resource.kind} ${ns}${c.resource.name}  changed ${c.changedAt}  confidence ${c.confidence.toFixed(2)}`,
    );
    lines.push(`   ${c.explanation}`);
    lines.push('');
  });
  const symptoms = output.anomalies.slice(0, 12);
  if (symptoms.length) {
    lines.push('Symptoms considered:');
    for (const a of symptoms) {
      const about = a.workload ?? a.subject;
      lines.push(
        `  ${a.onset}  ${a.reason.padEnd(28)} ${about.namespace ? `${about.namespace}/` : ''}${about.name} (${a.source})`,
      );
    }
    if (output.anomalies.length > symptoms.length)
      lines.push(`  ... and ${output.anomalies.length - symptoms.length} more`);
  }
  return `${lines.join('\n')}\n`;
}
