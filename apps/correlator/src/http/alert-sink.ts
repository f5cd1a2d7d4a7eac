/**
 * What the webhook needs from the alert intake (apps/correlator/src/alerts/alert-intake.ts): take a v4 payload,
 * publish its alerts as AnomalySignals, say how many. Throws a ContractViolation or ZodError for a payload it
 * cannot read (answered 400) and anything else when publishing fails (answered 5xx, so Alertmanager retries).
 */
export interface AlertSink {
  accept(payload: unknown, receivedAt: Date): Promise<number>;
}

export const ALERT_INTAKE = Symbol('ALERT_INTAKE');
