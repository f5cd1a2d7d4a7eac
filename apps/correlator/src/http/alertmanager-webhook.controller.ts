import { BadRequestException, Body, Controller, HttpCode, Inject, Post } from '@nestjs/common';
import { z } from 'zod';
import { componentLogger, counter } from '#observability';
import { ALERT_INTAKE, type AlertSink } from './alert-sink.js';

const log = componentLogger('alertmanager-webhook');
const notifications = counter({
  name: 'ia_alertmanager_notifications_total',
  help: 'Alertmanager webhook notifications received, by outcome (accepted, rejected, failed).',
  labelNames: ['outcome'],
});

/**
 * The envelope checked before the payload reaches the intake: enough to answer a wrong sender with a 400 that
 * says what is wrong. The intake validates each alert in full.
 */
const WebhookEnvelopeSchema = z.looseObject({
  version: z.literal('4', { error: 'version must be "4" (Alertmanager webhook format 4)' }),
  status: z.enum(['firing', 'resolved'], { error: 'status must be firing or resolved' }),
  alerts: z.array(z.looseObject({ labels: z.record(z.string(), z.string()) }), {
    error: 'alerts must be a list of alerts with labels',
  }),
});

/** POST /api/v1/alertmanager: point an Alertmanager `webhook_configs` receiver here. */
@Controller('api/v1/alertmanager')
export class AlertmanagerWebhookController {
  constructor(@Inject(ALERT_INTAKE) private readonly intake: AlertSink) {}

  @Post()
  @HttpCode(202)
  async receive(@Body() body: unknown): Promise<{ accepted: number }> {
    const envelope = WebhookEnvelopeSchema.safeParse(body);
    if (!envelope.success) {
      notifications.inc({ outcome: 'rejected' });
      const issues = envelope.error.issues
        .slice(0, 5)
        .map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message))
        .join('; ');
      log.warn({ issues }, 'rejected an Alertmanager notification');
      throw new BadRequestException(`not an Alertmanager v4 webhook payload: ${issues}`);
    }
    try {
      const accepted = await this.intake.accept(envelope.data, new Date());
      notifications.inc({ outcome: 'accepted' });
      return { accepted };
    } catch (err) {
      if (isValidationError(err)) {
        notifications.inc({ outcome: 'rejected' });
        log.warn({ err: String(err) }, 'rejected an Alertmanager notification');
        throw new BadRequestException(`invalid Alertmanager payload: ${(err as Error).message}`);
      }
      // Publishing failed (Kafka away): 5xx so that Alertmanager retries the notification.
      notifications.inc({ outcome: 'failed' });
      log.error({ err: String(err) }, 'could not take in an Alertmanager notification');
      throw err;
    }
  }
}

function isValidationError(err: unknown): boolean {
  const name = (err as { name?: string } | null)?.name;
  return (
    name === 'ContractViolation' ||
    name === 'ZodError' ||
    (err as { retryable?: boolean })?.retryable === false
  );
}
