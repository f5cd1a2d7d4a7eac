import type { z } from 'zod';
import type { ProvenanceSchema } from '#contracts';

export type Provenance = z.infer<typeof ProvenanceSchema>;

const CD_ANNOTATION_PREFIXES = [
  'argocd.argoproj.io/',
  'meta.helm.sh/',
  'helm.sh/',
  'fluxcd.io/',
  'kustomize.toolkit.fluxcd.io/',
  'helm.toolkit.fluxcd.io/',
];
const EXTRA_ANNOTATIONS = ['kubernetes.io/change-cause', 'deployment.kubernetes.io/revision'];
const REVISION_KEYS = [
  'deployment.kubernetes.io/revision',
  'app.kubernetes.io/revision',
  'helm.sh/revision',
  'revision',
];

type Meta = { labels?: Record<string, string>; annotations?: Record<string, string> };

function podSpecOf(
  object: Record<string, unknown>,
): { containers?: unknown[]; initContainers?: unknown[] } | undefined {
  const spec = object.spec as Record<string, unknown> | undefined;
  if (!spec) return undefined;
  if (Array.isArray(spec.containers)) return spec;
  const template = (spec.template ?? (spec.jobTemplate as Record<string, unknown> | undefined)?.spec) as
    Record<string, unknown> | undefined;
  const inner = (template?.spec ?? undefined) as Record<string, unknown> | undefined;
  if (inner && Array.isArray(inner.containers)) return inner;
  const nested = (inner?.template as Record<string, unknown> | undefined)?.spec as
    Record<string, unknown> | undefined;
  return nested && Array.isArray(nested.containers) ? nested : undefined;
}

/** `repo/name:tag@sha256:...` -> tag and digest. A registry port (`host:5000/x`) is not a tag. */
export function parseImage(image: string): { tag?: string; digest?: string } {
  const at = image.indexOf('@');
  const digest = at >= 0 ? image.slice(at + 1) : undefined;
  const name = at >= 0 ? image.slice(0, at) : image;
  const colon = name.lastIndexOf(':');
  const tag = colon > name.lastIndexOf('/') ? name.slice(colon + 1) : undefined;
  return { tag, digest };
}

/** Where a change came from: images, app version, revision and CD annotations of the object as written. */
export function provenanceOf(object: Record<string, unknown>): Provenance | undefined {
  const out: Provenance = {};
  const pod = podSpecOf(object);
  if (pod) {
    const containers = [...(pod.initContainers ?? []), ...(pod.containers ?? [])] as {
      name?: string;
      image?: string;
    }[];
    const images = containers
      .filter((c) => typeof c.image === 'string')
      .map((c) => ({
        container: String(c.name ?? ''),
        image: c.image as string,
        ...parseImage(c.image as string),
      }));
    if (images.length) out.images = images;
  }
  const md = (object.metadata ?? {}) as Meta;
  const templateMd = ((object.spec as { template?: { metadata?: Meta } } | undefined)?.template?.metadata ??
    {}) as Meta;
  // The object's labels over its template's, looked up without merging them into a new object.
  const label = (k: string): string | undefined =>
    md.labels && Object.prototype.hasOwnProperty.call(md.labels, k) ? md.labels[k] : templateMd.labels?.[k];
  const annotations = md.annotations ?? {};
  const appVersion = label('app.kubernetes.io/version');
  if (appVersion) out.appVersion = appVersion;
  for (const k of REVISION_KEYS) {
    const v = annotations[k] ?? label(k);
    if (v) {
      out.revision = v;
      break;
    }
  }
  let picked: Record<string, string> | undefined;
  for (const k of Object.keys(annotations)) {
    if (CD_ANNOTATION_PREFIXES.some((p) => k.startsWith(p)) || EXTRA_ANNOTATIONS.includes(k))
      (picked ??= {})[k] = String(annotations[k]).slice(0, 512);
  }
  if (picked) out.annotations = picked;
  return Object.keys(out).length ? out : undefined;
}
