/** Small statistics and measurement helpers shared by the benchmarks. */

/** p-th percentile (0..100) by linear interpolation between closest ranks; NaN for no samples. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = (Math.min(100, Math.max(0, p)) / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
}

export function median(samples: readonly number[]): number {
  return percentile(samples, 50);
}

export function mean(samples: readonly number[]): number {
  return samples.length === 0 ? Number.NaN : samples.reduce((s, x) => s + x, 0) / samples.length;
}

export function min(samples: readonly number[]): number {
  return samples.length === 0 ? Number.NaN : Math.min(...samples);
}

export function max(samples: readonly number[]): number {
  return samples.length === 0 ? Number.NaN : Math.max(...samples);
}

/**
 * Runs `fn` n times sequentially (run index 0..n-1) and returns every result in order; `onRun` sees each result as
 * it arrives (e.g. to print it).
 */
export async function measureRuns<T>(
  n: number,
  fn: (run: number) => Promise<T> | T,
  onRun?: (result: T, run: number) => void,
): Promise<T[]> {
  const results: T[] = [];
  for (let run = 0; run < n; run++) {
    const result = await fn(run);
    results.push(result);
    onRun?.(result, run);
  }
  return results;
}

/** Times one call of `fn` with the monotonic clock. */
export async function timed<T>(fn: () => Promise<T> | T): Promise<{ result: T; ms: number }> {
  const t0 = performance.now();
  const result = await fn();
  return { result, ms: performance.now() - t0 };
}

/** Resident set size of this process in MiB. */
export function rssMiB(): number {
  return process.memoryUsage.rss() / 1024 / 1024;
}

/** Items (or bytes) per second for `count` units done in `ms` milliseconds. */
export function perSecond(count: number, ms: number): number {
  return ms > 0 ? (count * 1000) / ms : Number.NaN;
}

/** Formats a number with thousands separators and `digits` decimals. */
export function fmt(x: number, digits = 0): string {
  return x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}
