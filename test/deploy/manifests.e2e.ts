/**
 * Deployment artifacts: k8s/ (kustomize), docker-compose.yml, Dockerfile, .dockerignore.
 *
 * - Renders k8s/ with `kubectl kustomize` and validates every object against the Kubernetes OpenAPI schemas
 *   (kubernetes-models), plus a strict unknown-field check (a typo such as `readinessProbes` is not a schema
 *   error for an OpenAPI schema without additionalProperties: false, but the API server would reject it).
 * - Asserts the security properties (non-root, read-only root filesystem, no privilege escalation, probes,
 *   resources, read-only RBAC, no secret in clear).
 * - Starts a private instance of the real API server (scripts/kube-apiserver, via test/support) and runs
 *   `kubectl apply --dry-run=server -k k8s/` (strict field validation, admission incl. PodSecurity "restricted"),
 *   then applies for real and checks the watcher's effective permissions with `kubectl auth can-i`.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import {
  realApiserverSkipReason,
  startKubeApiserver,
  type KubeApiserver,
} from '../support/kube-apiserver.js';
// The client's generated models carry each field of each Kubernetes type (attributeTypeMap); only the models
// module is loaded (the package's entry point pulls in its HTTP stack, which is not needed here).
import * as kubeModels from '@kubernetes/client-node/dist/gen/models/all.js';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ClusterRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole';
import { ClusterRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const K8S_DIR = join(ROOT, 'k8s');
const KUBECTL = process.env.IA_KUBECTL ?? 'kubectl';
const NAMESPACE = 'incident-assistant';
const IMAGE = 'ghcr.io/incident-assistant/incident-assistant:0.1.0';
const ROLES = ['watcher', 'differ', 'correlator'] as const;
type Role = (typeof ROLES)[number];
const HTTP_PORT: Record<Role, number> = { watcher: 8081, differ: 8082, correlator: 8083 };
/** Memory limits the roles are sized for (bytes). */
const MEMORY_LIMIT: Record<Role, number> = {
  watcher: 300 * 2 ** 20,
  differ: 1.5 * 2 ** 30,
  correlator: 2 * 2 ** 30,
};

// ------------------------------------------------------------------------------------------------ helpers

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Obj = Record<string, any>;

interface Validatable {
  validate(): void;
}
type ModelCtor = new (data: never) => Validatable;

/** apiVersion/kind -> kubernetes-models class. A kind missing here fails the test: add its model. */
const MODELS: Record<string, ModelCtor> = {
  'v1/Namespace': Namespace as unknown as ModelCtor,
  'v1/ServiceAccount': ServiceAccount as unknown as ModelCtor,
  'v1/ConfigMap': ConfigMap as unknown as ModelCtor,
  'v1/Secret': Secret as unknown as ModelCtor,
  'v1/Service': Service as unknown as ModelCtor,
  'apps/v1/Deployment': Deployment as unknown as ModelCtor,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget as unknown as ModelCtor,
  'rbac.authorization.k8s.io/v1/ClusterRole': ClusterRole as unknown as ModelCtor,
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': ClusterRoleBinding as unknown as ModelCtor,
};

function run(
  cmd: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {},
) {
  const r = spawnSync(cmd, args, {
    cwd: ROOT,
    env: opts.env ?? process.env,
    input: opts.input,
    encoding: 'utf8',
    timeout: opts.timeoutMs ?? 120_000,
    maxBuffer: 64 * 2 ** 20,
  });
  return {
    status: r.status,
    stdout: r.stdout ?? '',
    stderr: (r.stderr ?? '') + (r.error ? String(r.error) : ''),
  };
}

function renderKustomization(): Obj[] {
  const out = execFileSync(KUBECTL, ['kustomize', K8S_DIR], { encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
  return parseAllDocuments(out)
    .map((d) => d.toJS() as Obj | null)
    .filter((o): o is Obj => !!o);
}

const id = (o: Obj) => `${o.kind}/${o.metadata?.name}`;

/** Kubernetes quantity -> number (bytes for memory, cores for cpu). */
function quantity(q: string | number): number {
  if (typeof q === 'number') return q;
  const m = /^([0-9.]+)([a-zA-Z]*)$/.exec(q);
  if (!m) throw new Error(`bad quantity ${q}`);
  const units: Record<string, number> = {
    '': 1,
    m: 1e-3,
    k: 1e3,
    M: 1e6,
    G: 1e9,
    Ki: 2 ** 10,
    Mi: 2 ** 20,
    Gi: 2 ** 30,
  };
  if (!(m[2] in units)) throw new Error(`unknown unit in ${q}`);
  return Number(m[1]) * units[m[2]];
}

/**
 * Strict field check with the client's model metadata: every key of the object must be a field of its type.
 * Returns the paths of unknown fields.
 */
function unknownFields(value: unknown, type: string, path: string, out: string[] = []): string[] {
  if (value === null || value === undefined) return out;
  const arr = /^Array<(.+)>$/.exec(type);
  if (arr) {
    if (Array.isArray(value)) value.forEach((v, i) => unknownFields(v, arr[1], `${path}[${i}]`, out));
    return out;
  }
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map) {
    for (const [k, v] of Object.entries(value as Obj)) unknownFields(v, map[1], `${path}.${k}`, out);
    return out;
  }
  const model = (kubeModels as unknown as Record<string, { getAttributeTypeMap?: () => Obj[] }>)[type];
  if (!model?.getAttributeTypeMap || typeof value !== 'object') return out; // primitives, IntOrString, any
  const fields = new Map(model.getAttributeTypeMap().map((a) => [a.baseName as string, a.type as string]));
  for (const [k, v] of Object.entries(value as Obj)) {
    const t = fields.get(k);
    if (t === undefined) out.push(`${path}.${k}`);
    else unknownFields(v, t, `${path}.${k}`, out);
  }
  return out;
}

function modelTypeName(o: Obj): string {
  const version = String(o.apiVersion).split('/').pop()!;
  return `${version[0].toUpperCase()}${version.slice(1)}${o.kind}`;
}

function podTemplates(objs: Obj[]): { owner: Obj; role: Role; spec: Obj; meta: Obj }[] {
  return objs
    .filter((o) => o.kind === 'Deployment')
    .map((o) => ({
      owner: o,
      role: o.spec.template.metadata.labels['app.kubernetes.io/component'] as Role,
      spec: o.spec.template.spec,
      meta: o.spec.template.metadata,
    }));
}

/** Strings that look like real credentials (anything else secret must come from a Secret reference). */
const CREDENTIAL_PATTERNS: [string, RegExp][] = [
  ['PEM block', /-----BEGIN [A-Z ]+-----/],
  ['AWS access key', /\bAKIA[0-9A-Z]{16}\b/],
  ['JWT', /\beyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\./],
  ['long hex string', /\b[0-9a-f]{32,}\b/i],
  ['GitHub token', /\bgh[pousr]_[A-Za-z0-9]{20,}\b/],
];
const SECRET_NAME = /(KEY|TOKEN|PASSWORD|SECRET|CREDENTIAL)/i;

function allStrings(value: unknown, path: string, out: [string, string][] = []): [string, string][] {
  if (typeof value === 'string') out.push([path, value]);
  else if (Array.isArray(value)) value.forEach((v, i) => allStrings(v, `${path}[${i}]`, out));
  else if (value && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) allStrings(v, `${path}.${k}`, out);
  return out;
}

// ------------------------------------------------------------------------------------------------ k8s/

describe('k8s/ (kubectl kustomize)', () => {
  let objs: Obj[] = [];
  beforeAll(() => {
    objs = renderKustomization();
  });
  const byKind = (kind: string) => objs.filter((o) => o.kind === kind);
  const one = (kind: string, name: string) => {
    const o = objs.find((x) => x.kind === kind && x.metadata.name === name);
    expect(o, `${kind}/${name} is rendered`).toBeDefined();
    return o!;
  };

  it('renders the expected set of objects', () => {
    const kinds = objs.map((o) => o.kind).sort();
    expect(kinds).toEqual(
      [
        'ClusterRole',
        'ClusterRoleBinding',
        'ConfigMap',
        'Deployment',
        'Deployment',
        'Deployment',
        'Namespace',
        'PodDisruptionBudget',
        'Secret',
        'Service',
        'Service',
        'ServiceAccount',
        'ServiceAccount',
      ].sort(),
    );
    for (const role of ROLES) one('Deployment', `incident-assistant-${role}`);
  });

  it('validates every object against the Kubernetes OpenAPI schemas (kubernetes-models)', () => {
    const errors: string[] = [];
    for (const o of objs) {
      const Model = MODELS[`${o.apiVersion}/${o.kind}`];
      if (!Model) {
        errors.push(`${id(o)}: no schema model for ${o.apiVersion}/${o.kind} (add it to MODELS)`);
        continue;
      }
      const copy = structuredClone(o);
      // kustomize wraps long base64 values over several lines; the API server's decoder skips the newlines.
      if (copy.kind === 'Secret' && copy.data)
        for (const k of Object.keys(copy.data)) copy.data[k] = String(copy.data[k]).replace(/\s+/g, '');
      try {
        new Model(copy as never).validate();
      } catch (err) {
        errors.push(`${id(o)}: ${(err as Error).message}`);
      }
    }
    expect(errors).toEqual([]);
  });

  it('has no unknown fields (strict decoding, as the API server does)', () => {
    const errors: string[] = [];
    for (const o of objs) {
      const type = modelTypeName(o);
      expect(kubeModels, `model ${type}`).toHaveProperty(type);
      errors.push(...unknownFields(o, type, id(o)));
    }
    expect(errors).toEqual([]);
  });

  it('puts every namespaced object into the incident-assistant namespace, which enforces PSS "restricted"', () => {
    const clusterScoped = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding']);
    for (const o of objs.filter((x) => !clusterScoped.has(x.kind)))
      expect(o.metadata.namespace, id(o)).toBe(NAMESPACE);
    const ns = one('Namespace', NAMESPACE);
    expect(ns.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
  });

  it('runs every container as non-root uid 10001 with a read-only root fs, no privilege escalation, no capabilities', () => {
    const templates = podTemplates(objs);
    expect(templates.map((t) => t.role).sort()).toEqual([...ROLES].sort());
    for (const { owner, spec } of templates) {
      const psc = spec.securityContext ?? {};
      expect(psc.runAsNonRoot, id(owner)).toBe(true);
      expect(psc.runAsUser, id(owner)).toBe(10001);
      expect(psc.seccompProfile?.type, id(owner)).toBe('RuntimeDefault');
      expect(spec.hostNetwork ?? false).toBe(false);
      expect(spec.hostPID ?? false).toBe(false);
      expect(spec.hostIPC ?? false).toBe(false);
      const containers = [...(spec.initContainers ?? []), ...spec.containers];
      for (const c of containers) {
        const where = `${id(owner)} container ${c.name}`;
        const sc = c.securityContext ?? {};
        expect(sc.runAsNonRoot ?? psc.runAsNonRoot, where).toBe(true);
        expect(sc.runAsUser ?? psc.runAsUser, where).toBe(10001);
        expect(sc.readOnlyRootFilesystem, where).toBe(true);
        expect(sc.allowPrivilegeEscalation, where).toBe(false);
        expect(sc.privileged ?? false, where).toBe(false);
        expect(sc.capabilities?.drop, where).toContain('ALL');
        expect(sc.capabilities?.add ?? [], where).toEqual([]);
        expect((sc.seccompProfile ?? psc.seccompProfile)?.type, where).toBe('RuntimeDefault');
        // A read-only root needs a writable /tmp.
        const tmp = (c.volumeMounts ?? []).find((m: Obj) => m.mountPath === '/tmp');
        expect(tmp, `${where}: /tmp mount`).toBeDefined();
        const vol = spec.volumes.find((v: Obj) => v.name === tmp.name);
        expect(vol?.emptyDir, `${where}: /tmp is an emptyDir`).toBeDefined();
      }
    }
  });

  it('runs each role from the one image, with its port, probes and sized resources', () => {
    for (const { owner, role, spec, meta } of podTemplates(objs)) {
      expect(spec.containers).toHaveLength(1);
      const c = spec.containers[0];
      const where = id(owner);
      expect(c.image, where).toBe(IMAGE);
      expect(c.args, where).toEqual(['start', '--role', role]);
      expect(owner.spec.selector.matchLabels['app.kubernetes.io/component']).toBe(role);
      expect(meta.labels['app.kubernetes.io/component']).toBe(role);

      const http = c.ports.find((p: Obj) => p.name === 'http');
      expect(http?.containerPort, where).toBe(HTTP_PORT[role]);
      const envPort = c.env.find((e: Obj) => e.name === `${role.toUpperCase()}_HTTP_PORT`);
      expect(envPort?.value, `${where}: ${role.toUpperCase()}_HTTP_PORT matches the containerPort`).toBe(
        String(HTTP_PORT[role]),
      );

      const portNames = new Set(c.ports.map((p: Obj) => p.name));
      for (const [probe, path] of [
        ['livenessProbe', '/healthz'],
        ['readinessProbe', '/readyz'],
        ['startupProbe', '/healthz'],
      ] as const) {
        expect(c[probe]?.httpGet?.path, `${where}: ${probe}`).toBe(path);
        const port = c[probe].httpGet.port;
        expect(
          typeof port === 'number' ? port === http.containerPort : portNames.has(port),
          `${where} ${probe} port`,
        ).toBe(true);
      }

      for (const r of ['cpu', 'memory']) {
        expect(c.resources?.requests?.[r], `${where}: requests.${r}`).toBeDefined();
        expect(c.resources?.limits?.[r], `${where}: limits.${r}`).toBeDefined();
        expect(quantity(c.resources.requests[r])).toBeLessThanOrEqual(quantity(c.resources.limits[r]));
      }
      const memLimit = quantity(c.resources.limits.memory);
      expect(memLimit, `${where}: memory limit`).toBe(MEMORY_LIMIT[role]);
      // The V8 heap must fit in the container with room for buffers and code.
      const heap = /--max-old-space-size=(\d+)/.exec(
        c.env.find((e: Obj) => e.name === 'NODE_OPTIONS')?.value ?? '',
      );
      expect(heap, `${where}: NODE_OPTIONS --max-old-space-size`).not.toBeNull();
      // A raised young generation takes up to three semi-spaces beside the old one (V8's default one is small
      // enough for the 20% headroom).
      const semi = /--max-semi-space-size=(\d+)/.exec(
        c.env.find((e: Obj) => e.name === 'NODE_OPTIONS')?.value ?? '',
      );
      const young = semi ? 3 * Number(semi[1]) : 0;
      expect((Number(heap![1]) + young) * 2 ** 20).toBeLessThanOrEqual(memLimit * 0.8);
    }
  });

  it('runs one watcher per cluster (Recreate), two differs, one correlator', () => {
    const watcher = one('Deployment', 'incident-assistant-watcher');
    expect(watcher.spec.replicas).toBe(1);
    expect(watcher.spec.strategy.type).toBe('Recreate');
    expect(one('Deployment', 'incident-assistant-differ').spec.replicas).toBe(2);
    expect(one('Deployment', 'incident-assistant-correlator').spec.replicas).toBe(1);
  });

  it('gives API credentials to the watcher only, bound to a read-only ClusterRole', () => {
    const watcher = one('Deployment', 'incident-assistant-watcher').spec.template.spec;
    const sa = watcher.serviceAccountName;
    one('ServiceAccount', sa);
    for (const role of ['differ', 'correlator']) {
      const spec = one('Deployment', `incident-assistant-${role}`).spec.template.spec;
      expect(spec.automountServiceAccountToken, role).toBe(false);
      expect(spec.serviceAccountName, role).not.toBe(sa);
    }
    const bindings = byKind('ClusterRoleBinding').concat(byKind('RoleBinding'));
    expect(bindings).toHaveLength(1);
    const [binding] = bindings;
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: sa, namespace: NAMESPACE }]);
    expect(binding.roleRef).toMatchObject({ kind: 'ClusterRole', name: 'incident-assistant-watcher' });

    expect(byKind('Role')).toEqual([]);
    const [role] = byKind('ClusterRole');
    const readOnly = ['get', 'list', 'watch'];
    for (const rule of role.rules) {
      for (const verb of rule.verbs) expect(readOnly, `verb ${verb}`).toContain(verb);
      expect(rule.verbs).not.toContain('*');
    }
    const resourceRule = role.rules.find((r: Obj) => r.resources);
    expect(resourceRule).toMatchObject({ apiGroups: ['*'], resources: ['*'] });
    expect([...resourceRule.verbs].sort()).toEqual(['get', 'list', 'watch']);
    const discovery = role.rules.find((r: Obj) => r.nonResourceURLs);
    expect(discovery.nonResourceURLs).toEqual(expect.arrayContaining(['/api', '/apis']));
    expect(discovery.verbs).toEqual(['get']);
  });

  it('exposes the correlator: gRPC 50051 and HTTP 8083 (Alertmanager webhook), both ClusterIP', () => {
    const correlator = one('Deployment', 'incident-assistant-correlator').spec.template;
    const ports = new Map(correlator.spec.containers[0].ports.map((p: Obj) => [p.name, p.containerPort]));
    const grpc = one('Service', 'incident-assistant-correlator-grpc');
    const http = one('Service', 'incident-assistant-correlator');
    for (const [svc, port, target] of [
      [grpc, 50051, 'grpc'],
      [http, 8083, 'http'],
    ] as const) {
      expect(svc.spec.type ?? 'ClusterIP').toBe('ClusterIP');
      expect(svc.spec.ports).toEqual([
        expect.objectContaining({ port, targetPort: target, protocol: 'TCP' }),
      ]);
      expect(ports.get(target)).toBe(port);
      for (const [k, v] of Object.entries(svc.spec.selector)) expect(correlator.metadata.labels[k]).toBe(v);
    }
  });

  it('keeps secrets out of manifests: Secret values are placeholders, secret env vars come from Secret refs', () => {
    // The generated Secret is a template: every value is an obvious placeholder.
    const secrets = byKind('Secret');
    expect(secrets).toHaveLength(1);
    for (const s of secrets) {
      const values = {
        ...s.stringData,
        ...Object.fromEntries(
          Object.entries(s.data ?? {}).map(([k, v]) => [
            k,
            Buffer.from(String(v), 'base64').toString('utf8'),
          ]),
        ),
      };
      expect(Object.keys(values)).toContain('hmac-key');
      // Fail closed: the watcher rejects an HMAC key under 16 characters, so it cannot run on the placeholder.
      expect(String(values['hmac-key']).length).toBeLessThan(16);
      for (const [k, v] of Object.entries(values))
        expect(String(v), `Secret ${s.metadata.name} key ${k}`).toMatch(/^REPLACE_ME/);
    }
    // Every secret-looking variable comes from a secretKeyRef (a *_FILE variable holds a path, not a secret).
    for (const { owner, spec } of podTemplates(objs)) {
      for (const c of spec.containers) {
        for (const e of c.env ?? []) {
          if (!SECRET_NAME.test(e.name) || e.name.endsWith('_FILE')) continue;
          expect(e.value, `${id(owner)} env ${e.name} has a literal value`).toBeUndefined();
          expect(e.valueFrom?.secretKeyRef, `${id(owner)} env ${e.name}`).toBeDefined();
        }
        const hmac = (c.env ?? []).find((e: Obj) => e.name === 'IA_SECRET_HMAC_KEY');
        if (hmac) expect(hmac.valueFrom.secretKeyRef.optional ?? false).toBe(false);
      }
    }
    const watcherEnv = one('Deployment', 'incident-assistant-watcher').spec.template.spec.containers[0].env;
    expect(watcherEnv.map((e: Obj) => e.name)).toContain('IA_SECRET_HMAC_KEY');
    // The ConfigMap holds no secret-looking setting.
    for (const cm of byKind('ConfigMap'))
      for (const k of Object.keys(cm.data ?? {})) {
        if (!k.endsWith('_FILE')) expect(k, `ConfigMap ${cm.metadata.name}`).not.toMatch(SECRET_NAME);
      }
    // Nothing outside Secret data looks like a real credential.
    for (const o of objs.filter((x) => x.kind !== 'Secret'))
      for (const [path, s] of allStrings(o, id(o)))
        for (const [what, re] of CREDENTIAL_PATTERNS)
          expect(re.test(s), `${path}: looks like a ${what}`).toBe(false);
  });

  it('resolves every ConfigMap/Secret reference, or marks it optional', () => {
    const names = (kind: string) => new Set(byKind(kind).map((o) => o.metadata.name));
    const cms = names('ConfigMap');
    const secrets = names('Secret');
    for (const { owner, spec } of podTemplates(objs)) {
      for (const c of spec.containers) {
        for (const ef of c.envFrom ?? []) {
          if (ef.configMapRef)
            expect(cms.has(ef.configMapRef.name) || ef.configMapRef.optional, id(owner)).toBe(true);
          if (ef.secretRef)
            expect(secrets.has(ef.secretRef.name) || ef.secretRef.optional, id(owner)).toBe(true);
        }
        for (const e of c.env ?? []) {
          const ref = e.valueFrom?.secretKeyRef ?? e.valueFrom?.configMapKeyRef;
          if (!ref) continue;
          const pool = e.valueFrom.secretKeyRef ? secrets : cms;
          expect(
            pool.has(ref.name) || ref.optional === true,
            `${id(owner)} env ${e.name} -> ${ref.name}`,
          ).toBe(true);
        }
      }
      for (const v of spec.volumes ?? []) {
        if (v.secret)
          expect(
            secrets.has(v.secret.secretName) || v.secret.optional === true,
            `${id(owner)} volume ${v.name}`,
          ).toBe(true);
        if (v.configMap)
          expect(
            cms.has(v.configMap.name) || v.configMap.optional === true,
            `${id(owner)} volume ${v.name}`,
          ).toBe(true);
      }
    }
    // Required settings are present in the ConfigMap.
    const [cm] = byKind('ConfigMap');
    expect(cm.data).toEqual(
      expect.objectContaining({ IA_CLUSTER_ID: expect.any(String), KAFKA_BROKERS: expect.any(String) }),
    );
    for (const b of cm.data.KAFKA_BROKERS.split(',')) expect(b).toMatch(/^[^:\s]+:\d+$/);
  });
});

// ------------------------------------------------------------------------------------------------ real API server

const SKIP_REAL_APISERVER = realApiserverSkipReason();

describe('k8s/ against a real API server (scripts/kube-apiserver)', () => {
  // A private instance (own port and state folder) so the test never disturbs a server another suite uses; the
  // binaries are built first when missing (test/support/kube-apiserver.ts), or the tests are skipped with the reason.
  const port = process.env.IA_DEPLOY_KUBE_PORT ?? '17200';
  let kube: KubeApiserver | undefined;
  let startError = '';

  beforeAll(async () => {
    if (SKIP_REAL_APISERVER) {
      console.warn(`[deploy] SKIPPING the server-side dry run and RBAC checks: ${SKIP_REAL_APISERVER}`);
      return;
    }
    try {
      kube = await startKubeApiserver({ port, timeoutMs: 900_000 });
    } catch (err) {
      startError = (err as Error).message;
    }
  }, 900_000);

  afterAll(async () => {
    await kube?.stop();
  });

  const kubectl = (args: string[], input?: string) => {
    const r = kube!.kubectl(args, { input, allowFail: true });
    return { status: r.code, stdout: r.stdout, stderr: r.stderr };
  };

  it('accepts `kubectl apply --dry-run=server -k k8s/` with no warning (strict fields, PodSecurity restricted)', (ctx) => {
    if (SKIP_REAL_APISERVER) ctx.skip(SKIP_REAL_APISERVER);
    expect(startError).toBe('');
    // A dry run does not create the namespace, so the namespaced objects would fail: create it for real first.
    const ns = renderKustomization().find((o) => o.kind === 'Namespace')!;
    const created = kubectl(['apply', '-f', '-'], JSON.stringify(ns));
    expect(created.status, created.stderr).toBe(0);

    const r = kubectl(['apply', '--dry-run=server', '-k', K8S_DIR]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr, 'server warnings (e.g. PodSecurity)').not.toMatch(/warning/i);
    for (const o of renderKustomization())
      expect(r.stdout, id(o)).toMatch(
        new RegExp(`${o.kind.toLowerCase()}[^\\s]*/${o.metadata.name} .*\\(server dry run\\)`),
      );
  });

  it('grants the watcher read-only access to everything, and the others nothing', (ctx) => {
    if (SKIP_REAL_APISERVER) ctx.skip(SKIP_REAL_APISERVER);
    expect(startError).toBe('');
    const r = kubectl(['apply', '-k', K8S_DIR]);
    expect(r.status, r.stderr).toBe(0);
    // One SubjectAccessReview per question, all sent in one kubectl call; the API server's RBAC authorizer answers.
    type Question = {
      sa: string;
      verb: string;
      resource?: string;
      group?: string;
      path?: string;
      allowed: boolean;
    };
    const sa = (name: string) => `system:serviceaccount:${NAMESPACE}:${name}`;
    const watcher = 'incident-assistant-watcher';
    const questions: Question[] = [];
    for (const verb of ['get', 'list', 'watch'])
      for (const [group, resource] of [
        ['', 'secrets'],
        ['apps', 'deployments'],
        ['apiextensions.k8s.io', 'customresourcedefinitions'],
        ['example.com', 'widgets'], // a CRD installed later
      ])
        questions.push({ sa: watcher, verb, group, resource, allowed: true });
    questions.push({ sa: watcher, verb: 'get', path: '/api', allowed: true });
    questions.push({ sa: watcher, verb: 'get', path: '/apis', allowed: true });
    for (const verb of [
      'create',
      'update',
      'patch',
      'delete',
      'deletecollection',
      'impersonate',
      'escalate',
      'bind',
    ])
      for (const [group, resource] of [
        ['', 'pods'],
        ['', 'secrets'],
        ['', 'serviceaccounts'],
        ['rbac.authorization.k8s.io', 'clusterroles'],
      ])
        questions.push({ sa: watcher, verb, group, resource, allowed: false });
    questions.push({ sa: watcher, verb: 'post', path: '/apis', allowed: false });
    for (const resource of ['secrets', 'pods', 'configmaps'])
      questions.push({ sa: 'incident-assistant', verb: 'list', group: '', resource, allowed: false });
    const reviews = {
      apiVersion: 'v1',
      kind: 'List',
      items: questions.map((q) => ({
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SubjectAccessReview',
        spec: {
          user: sa(q.sa),
          groups: ['system:serviceaccounts', `system:serviceaccounts:${NAMESPACE}`, 'system:authenticated'],
          ...(q.path
            ? { nonResourceAttributes: { verb: q.verb, path: q.path } }
            : { resourceAttributes: { verb: q.verb, group: q.group, resource: q.resource } }),
        },
      })),
    };
    // kubectl prints each created review on its own: one "true"/"false" line per question, in order.
    const answer = kubectl(
      ['create', '-f', '-', '-o', 'jsonpath={.status.allowed}{"\\n"}'],
      JSON.stringify(reviews),
    );
    expect(answer.status, answer.stderr).toBe(0);
    const results = answer.stdout.trim().split('\n');
    expect(results).toHaveLength(questions.length);
    const wrong = questions
      .map((q, i) => ({ q, allowed: results[i] === 'true' }))
      .filter(({ q, allowed }) => q.allowed !== allowed)
      .map(
        ({ q, allowed }) =>
          `${q.sa} ${q.verb} ${q.path ?? `${q.group || 'core'}/${q.resource}`}: allowed=${allowed}`,
      );
    expect(wrong).toEqual([]);
  });
});

// ------------------------------------------------------------------------------------------------ compose

describe('docker-compose.yml', () => {
  const file = join(ROOT, 'docker-compose.yml');
  const compose = parse(readFileSync(file, 'utf8'), { merge: true }) as Obj;
  const services = compose.services as Record<string, Obj>;
  const healthTest = (svc: Obj) => (svc.healthcheck?.test ?? []).join(' ');

  it('runs a single-node KRaft Kafka with a healthcheck', () => {
    const kafka = services.kafka;
    expect(kafka.image).toBe('apache/kafka:4.1.1');
    expect(kafka.environment.KAFKA_PROCESS_ROLES).toBe('broker,controller');
    expect(String(kafka.environment.KAFKA_CONTROLLER_QUORUM_VOTERS)).toMatch(/^1@kafka:\d+$/);
    expect(kafka.environment.KAFKA_ADVERTISED_LISTENERS).toContain('PLAINTEXT://kafka:9092');
    expect(healthTest(kafka)).toMatch(/\/opt\/kafka\/bin\/kafka-(broker-api-versions|topics)\.sh/);
  });

  it('runs the three roles from the Dockerfile, after Kafka is healthy, with /readyz healthchecks', () => {
    for (const role of ROLES) {
      const svc = services[role];
      expect(svc, role).toBeDefined();
      expect(svc.build).toMatchObject({ context: '.', dockerfile: 'Dockerfile' });
      expect(svc.command).toEqual(['start', '--role', role]);
      expect(svc.depends_on).toEqual({ kafka: { condition: 'service_healthy' } });
      expect(svc.environment.KAFKA_BROKERS).toBe('kafka:9092');
      expect(String(svc.environment[`${role.toUpperCase()}_HTTP_PORT`])).toBe(String(HTTP_PORT[role]));
      const [kind, ...cmd] = svc.healthcheck.test;
      expect(kind).toBe('CMD');
      expect(cmd.slice(0, 2)).toEqual(['node', '-e']);
      expect(cmd[2]).toContain(`http://127.0.0.1:${HTTP_PORT[role]}/readyz`);
      // The one-liner must be valid JavaScript (a YAML plain scalar with ": " would silently become a map).
      expect(() => new Function(cmd[2])).not.toThrow();
      // Hardening mirrors the Kubernetes manifests.
      expect(svc.read_only, role).toBe(true);
      expect(svc.cap_drop, role).toEqual(['ALL']);
      expect(svc.security_opt, role).toContain('no-new-privileges:true');
      expect(String(svc.user), role).toMatch(/^(10001|\$\{IA_UID:-10001\}):(10001|\$\{IA_GID:-10001\})$/);
      expect(svc.tmpfs.join(' '), role).toContain('/tmp');
    }
    const ports = services.correlator.ports.map(String);
    expect(ports.some((p: string) => p.endsWith(':8083:8083') || p === '8083:8083')).toBe(true);
    expect(ports.some((p: string) => p.endsWith(':50051:50051') || p === '50051:50051')).toBe(true);
  });

  it('offers an all-in-one demo behind the "demo" profile', () => {
    const demo = services['all-in-one'];
    expect(demo.profiles).toEqual(['demo']);
    expect(demo.command).toEqual(['start']);
    expect(demo.depends_on).toBeUndefined();
  });

  it('puts no secret in clear: secret variables are interpolated from the environment', () => {
    for (const [name, svc] of Object.entries(services)) {
      for (const [k, v] of Object.entries((svc.environment ?? {}) as Obj)) {
        if (!SECRET_NAME.test(k) || k.endsWith('_FILE')) continue;
        expect(v === null || /^\$\{[A-Z0-9_]+(:?[-?][^}]*)?\}$/.test(String(v)), `${name}.${k} = ${v}`).toBe(
          true,
        );
      }
    }
    expect(services.watcher.environment.IA_SECRET_HMAC_KEY).toMatch(/^\$\{IA_SECRET_HMAC_KEY:\?/);
  });

  it('is a valid Compose file for `docker compose config` (when the compose plugin is installed)', (ctx) => {
    const probe = run('docker', ['compose', 'version']);
    if (probe.status !== 0)
      ctx.skip('docker compose is not installed here; structural checks above still ran');
    const r = run('docker', ['compose', '-f', file, 'config', '--quiet'], {
      env: { ...process.env, IA_SECRET_HMAC_KEY: 'test-only', IA_KUBECONFIG: file },
    });
    expect(r.status, r.stderr).toBe(0);
  });
});

// ------------------------------------------------------------------------------------------------ Dockerfile

describe('Dockerfile and .dockerignore', () => {
  const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
  // Join continuation lines, drop comments.
  const lines = dockerfile
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const stages = lines.filter((l) => /^FROM /i.test(l));
  const runtimeStart = lines.lastIndexOf(stages[stages.length - 1]);
  const runtime = lines.slice(runtimeStart);

  it('is multi-stage, with a Node 20 runtime as a non-root user and production settings', () => {
    expect(stages.length).toBeGreaterThanOrEqual(3);
    expect(stages.map((s) => / AS (\S+)/i.exec(s)?.[1])).toEqual(
      expect.arrayContaining(['deps', 'build', 'runtime']),
    );
    expect(dockerfile).toMatch(/ARG NODE_IMAGE=(node:20-bookworm-slim|gcr\.io\/distroless\/nodejs20)/);
    expect(runtime.filter((l) => /^USER /.test(l)).pop()).toBe('USER 10001:10001');
    expect(runtime.some((l) => /^ENV .*NODE_ENV=production/.test(l))).toBe(true);
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
    expect(dockerfile).toMatch(/npm run build/);
    for (const path of ['dist', 'bin', 'proto', 'node_modules', 'package.json'])
      expect(
        runtime.some((l) => /^COPY /.test(l) && l.includes(path)),
        `runtime copies ${path}`,
      ).toBe(true);
    expect(dockerfile).not.toMatch(/^ADD\s+https?:/m);
    expect(runtime.find((l) => /^ENTRYPOINT /.test(l))).toContain('bin/incident-assistant.js');
  });

  it('sends only the sources the build needs (and every one of them) in the build context', () => {
    const ignore = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    expect(ignore[0]).toBe('*'); // deny by default: .git, node_modules, dist, test, local files never leak in
    const included = ignore.filter((l) => l.startsWith('!')).map((l) => l.slice(1).replace(/\/$/, ''));
    const copied = lines
      .filter((l) => /^COPY /.test(l) && !/--from=/.test(l))
      .flatMap((l) =>
        l
          .replace(/^COPY\s+(--\S+\s+)*/, '')
          .split(/\s+/)
          .slice(0, -1),
      );
    for (const src of copied) {
      expect(included, `.dockerignore re-includes ${src}`).toContain(src);
      expect(existsSync(join(ROOT, src)), `${src} exists`).toBe(true);
    }
  });
});
