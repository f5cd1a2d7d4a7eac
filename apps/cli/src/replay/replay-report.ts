import type { ReplayOutput } from './replay.pipeline.js';

/** The human-readable report of `incident-assistant replay` (without --json). */
export function formatReplayReport(output: ReplayOutput): string {
  const lines: string[] = [];
  const symptom = output.symptom
    ? `${output.symptom.namespace}/${output.symptom.kind}/${output.symptom.name}`
    : 'all firing symptoms';
  lines.push(`Incident at ${output.rankAt}, investigating ${symptom}`);
  lines.push(
    `Replayed ${output.stats.lines} lines (${output.stats.alerts} alert notifications) into ${output.stats.changes} changes and ${output.stats.anomalies} anomaly signals in ${output.stats.millis} ms.`,
  );
  lines.push('');
  if (output.causes.length === 0) lines.push('No candidate change found before the investigation time.');
  output.causes.forEach((c, i) => {
    const ns = c.resource.namespace ? `${c.resource.namespace}/` : '';
    lines.push(
      `${i + 1}. ${c.resource.kind} ${ns}${c.resource.name}  changed ${c.changedAt}  score ${c.score.toFixed(3)}`,
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
