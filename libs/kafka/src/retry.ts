export interface BackoffPolicy {
  attempts: number;
  initialMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { attempts: 4, initialMs: 100, maxMs: 5_000 };

/** Full-jitter exponential backoff, so that many clients failing together do not retry together. */
export function backoffDelay(attempt: number, policy: Pick<BackoffPolicy, 'initialMs' | 'maxMs'>): number {
  const cap = Math.min(policy.maxMs, policy.initialMs * 2 ** attempt);
  return Math.round(cap / 2 + (Math.random() * cap) / 2);
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    // The listener goes when the timer fires: long-lived signals (a watch's, retried for days) must not collect one per sleep.
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export function isRetryable(err: unknown): boolean {
  if (err && typeof err === 'object') {
    if ((err as { retryable?: unknown }).retryable === false) return false;
    if ((err as Error).name === 'ContractViolation') return false;
  }
  return true;
}
