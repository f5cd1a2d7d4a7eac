/** What a pod spec refers to, wherever the pod spec sits (Pod, workload template, CronJob job template). */
export interface PodSpecReferences {
  configMaps: string[];
  secrets: string[];
  claims: string[];
  serviceAccount?: string;
  nodeName?: string;
  /** Literal environment values with their variable names (addresses of other services hide here). */
  env: Array<[string, string]>;
  templateLabels?: Record<string, string>;
  templateAnnotations?: Record<string, string>;
}

type Json = Record<string, unknown>;

const obj = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});
const arr = (v: unknown): Json[] =>
  Array.isArray(v) ? (v.filter((x) => x && typeof x === 'object') as Json[]) : [];
const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);

/** The pod template of a workload, or the pod itself. */
export function podTemplateOf(kind: string, object: Json): { spec: Json; metadata: Json } | undefined {
  const spec = obj(object.spec);
  if (kind === 'Pod') return { spec, metadata: obj(object.metadata) };
  if (kind === 'CronJob') {
    const t = obj(obj(obj(spec.jobTemplate).spec).template);
    return { spec: obj(t.spec), metadata: obj(t.metadata) };
  }
  const t = obj(spec.template);
  if (!spec.template) return undefined;
  return { spec: obj(t.spec), metadata: obj(t.metadata) };
}

export function podSpecReferences(kind: string, object: Json): PodSpecReferences | undefined {
  const template = podTemplateOf(kind, object);
  if (!template) return undefined;
  const spec = template.spec;
  const refs: PodSpecReferences = {
    configMaps: [],
    secrets: [],
    claims: [],
    env: [],
    serviceAccount: str(spec.serviceAccountName) ?? str(spec.serviceAccount),
    nodeName: str(spec.nodeName),
    templateLabels: obj(template.metadata.labels) as Record<string, string>,
    templateAnnotations: obj(template.metadata.annotations) as Record<string, string>,
  };
  const addCm = (n?: string) => n && !refs.configMaps.includes(n) && refs.configMaps.push(n);
  const addSecret = (n?: string) => n && !refs.secrets.includes(n) && refs.secrets.push(n);

  for (const v of arr(spec.volumes)) {
    addCm(str(obj(v.configMap).name));
    addSecret(str(obj(v.secret).secretName));
    const claim = str(obj(v.persistentVolumeClaim).claimName);
    if (claim && !refs.claims.includes(claim)) refs.claims.push(claim);
    for (const source of arr(obj(v.projected).sources)) {
      addCm(str(obj(source.configMap).name));
      addSecret(str(obj(source.secret).name));
    }
  }
  for (const s of arr(spec.imagePullSecrets)) addSecret(str(s.name));
  for (const c of [...arr(spec.initContainers), ...arr(spec.containers)]) {
    for (const e of arr(c.envFrom)) {
      addCm(str(obj(e.configMapRef).name));
      addSecret(str(obj(e.secretRef).name));
    }
    for (const e of arr(c.env)) {
      const from = obj(e.valueFrom);
      addCm(str(obj(from.configMapKeyRef).name));
      addSecret(str(obj(from.secretKeyRef).name));
      const name = str(e.name);
      const value = str(e.value);
      if (name && value) refs.env.push([name, value]);
    }
    // Arguments such as `--upstream=http://orders:8080` name callees as well.
    for (const a of [c.command, c.args].flatMap((list) =>
      Array.isArray(list) ? (list as unknown[]).map(String) : [],
    )) {
      refs.env.push(['ARG', a]);
    }
  }
  return refs;
}
