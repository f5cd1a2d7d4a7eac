import { CHANGE_CLASSES, type ChangeEvent } from '#contracts';

/**
 * What the diff itself says, as a multiplier around 1. Deliberately small and generic: a few patterns that make
 * a change more or less likely to break something whatever the application — limits cut by half or more (OOM
 * kills), a number moved by an order of magnitude or to zero (pool sizes, timeouts, replicas), requests only
 * raised (more room, rarely harmful), only logging/tracing settings changed (what the program reports, not what it
 * does). Values of Secrets are hashes and are never looked at.
 */
/** Logging and tracing settings rarely break requests (debug logging may add some load): half the class risk. */
const OBSERVABILITY_ONLY = 0.5;

/**
 * A scale-down that removes more than half the replicas (4 -> 1, 3 -> 1) cuts the workload's capacity as surely as
 * cutting its CPU limit: it is at least as risky as a change of resources, whatever the low risk of replica changes
 * in general (most are the HPA's, additions, or the routine halving of a quiet service).
 */
const CAPACITY_CUT_FLOOR = CHANGE_CLASSES.resources.risk;

export function diffSuspicion(change: ChangeEvent): { factor: number; reasons: string[]; floor?: number } {
  let factor = 1;
  let floor: number | undefined;
  const reasons: string[] = [];
  if (change.ref.kind === 'Secret') return { factor, reasons };
  let onlyRequestsRaised = change.paths.length > 0;
  for (const p of change.paths) {
    const path = p.path;
    const isRequest = /\/resources\/requests\//.test(path);
    const isLimit = /\/resources\/limits\//.test(path) || (/\/resources$/.test(path) && hasLimits(p.new));
    const before = quantity(p.old);
    const after = quantity(p.new);
    if (!(isRequest && before !== undefined && after !== undefined && after >= before))
      onlyRequestsRaised = false;
    if (isLimit && before !== undefined && after !== undefined && after <= before / 2) {
      factor = Math.max(factor, 1.3);
      reasons.push(`limit cut from ${String(p.old)} to ${String(p.new)}`);
    } else if (isLimit && before === undefined && p.op !== 'remove') {
      factor = Math.max(factor, 1.15);
      reasons.push('a new resource limit');
    }
    if (
      path === '/spec/replicas' &&
      before !== undefined &&
      after !== undefined &&
      after >= 1 &&
      after < before / 2
    ) {
      floor = CAPACITY_CUT_FLOOR;
      reasons.push(`capacity cut from ${before} to ${after} replicas`);
    }
    for (const [from, to] of numericMoves(p.old, p.new)) {
      if ((to === 0 && from !== 0) || (from > 0 && to > 0 && (to / from >= 8 || from / to >= 8))) {
        factor = Math.max(factor, 1.25);
        reasons.push(`a value moved from ${from} to ${to}`);
        break;
      }
    }
  }
  if (change.paths.length > 0 && change.paths.every((p) => observabilityKnob(p, change.summary))) {
    factor *= OBSERVABILITY_ONLY;
    reasons.push('only logging/tracing settings');
  }
  if (onlyRequestsRaised) {
    factor *= 0.8;
    reasons.push('only raises resource requests');
  }
  return { factor, reasons: [...new Set(reasons)].slice(0, 3), ...(floor !== undefined ? { floor } : {}) };
}

function hasLimits(v: unknown): boolean {
  return !!v && typeof v === 'object' && 'limits' in (v as Record<string, unknown>);
}

const UNITS: Record<string, number> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  m: 1e-3,
};

/** A Kubernetes quantity (`128Mi`, `500m`, `2`) as a number. */
export function quantity(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v !== 'string') return undefined;
  const m = /^([0-9.]+)(Ki|Mi|Gi|Ti|k|M|G|m)?$/.exec(v.trim());
  return m ? Number(m[1]) * (m[2] ? UNITS[m[2]] : 1) : undefined;
}

/**
 * Numbers that changed between two values: scalars directly, and in texts (embedded config files) the numbers of
 * lines that differ, paired in order. Strings that are not numbers (image tags, versions) are ignored.
 */
function numericMoves(before: unknown, after: unknown): Array<[number, number]> {
  if (typeof before === 'number' && typeof after === 'number') return [[before, after]];
  if (typeof before !== 'string' || typeof after !== 'string') return [];
  if (/^-?\d+(\.\d+)?$/.test(before.trim()) && /^-?\d+(\.\d+)?$/.test(after.trim()))
    return [[Number(before), Number(after)]];
  const a = before.split('\n');
  const b = after.split('\n');
  if (a.length !== b.length || a.length > 5_000) return [];
  const out: Array<[number, number]> = [];
  for (let i = 0; i < a.length; i++) {
    if (a[i] === b[i]) continue;
    const na = a[i].match(/(?<![\w.])-?\d+(?:\.\d+)?(?![\w.])/g) ?? [];
    const nb = b[i].match(/(?<![\w.])-?\d+(?:\.\d+)?(?![\w.])/g) ?? [];
    if (na.length !== nb.length) continue;
    for (let j = 0; j < na.length; j++) if (na[j] !== nb[j]) out.push([Number(na[j]), Number(nb[j])]);
  }
  return out;
}

/**
 * Settings that change what a program reports, not what it does: log level and format, verbosity, tracing and
 * its sampling. Names as people and the OpenTelemetry SDKs spell them (`LOG_LEVEL`, `OTEL_TRACES_SAMPLER_ARG`).
 */
const OBSERVABILITY_KNOB =
  /^(LOG|LOGGING|LOG_?LEVEL|LOG_?FORMAT|VERBOSE|VERBOSITY|DEBUG|TRACING|TRACE_?LEVEL|OTEL_\w*|\w*SAMPLER\w*)$/i;

/**
 * Whether one diff path only sets an observability knob: a ConfigMap key, an env var added (by itself or as the
 * whole list) or an env value replaced. A replaced value's path holds only the env index, so its name is read
 * from the differ's summary (`env[LOG_LEVEL].value: info -> debug`), the only place the change event names it.
 */
function observabilityKnob(p: { path: string; new?: unknown }, summary: string): boolean {
  const data = /^\/data\/([^/]+)$/.exec(p.path);
  if (data) return OBSERVABILITY_KNOB.test(data[1]);
  const names = (list: unknown[]) =>
    list.length > 0 && list.every((e) => OBSERVABILITY_KNOB.test((e as { name?: string })?.name ?? ''));
  if (/\/env\/\d+$/.test(p.path)) return names([p.new]);
  if (/\/env$/.test(p.path) && Array.isArray(p.new)) return names(p.new);
  if (/\/env\/\d+\/value$/.test(p.path)) {
    const named = [...summary.matchAll(/env\[([^\]]+)\]/g)].map((m) => ({ name: m[1] }));
    return names(named);
  }
  return false;
}
