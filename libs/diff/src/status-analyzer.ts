import { analyzeEvent } from './event-signals.js';
import { analyzePod } from './pod-status.js';
import type { StatusAnalysis, StatusContext } from './signal.factory.js';
import { analyzeDeployment } from './workload-status.js';

/** Anomaly signals from an object's status (or an Event), by kind; kinds without detectors yield nothing. */
export function analyzeStatus(ctx: StatusContext): StatusAnalysis {
  switch (ctx.kind) {
    case 'Pod':
      return analyzePod(ctx);
    case 'Deployment':
      return analyzeDeployment(ctx);
    case 'Event':
      return analyzeEvent(ctx);
    default:
      return { signals: [] };
  }
}
