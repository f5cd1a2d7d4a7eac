// The scenario generator's own checks (node's test runner: `node --test scripts/scenario-gen/test/`):
// - the default and --extended sets of seed 7 are byte for byte what they were before `--suite apps` existed
//   (the hashes are those of files written by the generator of commit eee98b1);
// - `--suite apps` recordings are valid per FORMAT.md (validate.mjs), reproducible, and `--metrics` adds metric
//   lines and nothing else.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { readScenario, validateRecording } from '../apps/validate.mjs';

const generator = fileURLToPath(new URL('../generate.mjs', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'scenario-gen-test-'));
after(() => rmSync(work, { recursive: true, force: true }));

function generate(name, ...args) {
  const out = join(work, name);
  execFileSync(process.execPath, [generator, '--out', out, ...args], { stdio: 'pipe' });
  return out;
}

function folderHash(dir) {
  const h = createHash('sha256');
  for (const f of readdirSync(dir).sort()) {
    h.update(`${f}\n`);
    h.update(readFileSync(join(dir, f)));
  }
  return h.digest('hex');
}

const ids = (dir) =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.truth.json'))
    .map((f) => f.replace('.truth.json', ''))
    .sort();

describe('default and --extended generation', () => {
  it('seed 7 gives the same 60 default scenarios as before the apps suite', () => {
    const dir = generate('default-7', '--count', '60', '--seed', '7');
    assert.equal(folderHash(dir), 'd458b9291cbfb0522e0efe03ffcde96b4ed61ab6bc90b991a960d9ee9b87faee');
  });
  it('seed 7 gives the same 60 --extended scenarios as before the apps suite', () => {
    const dir = generate('ext-7', '--count', '60', '--seed', '7', '--extended');
    assert.equal(folderHash(dir), '5ad2a8459f84b9b6ca5e0f3174b95a80e9d77e718c648ae3e5f6044072b5629c');
  });
});

describe('--suite apps', () => {
  // 36 scenarios: every topology with every fault type (cycling topologies, then faults); 8 with metrics.
  const plain = generate('apps', '--suite', 'apps', '--count', '36', '--seed', '3');
  const withMetrics = generate('apps-m', '--suite', 'apps', '--count', '8', '--seed', '3', '--metrics');

  it('writes valid recordings and truth files (FORMAT.md)', () => {
    for (const dir of [plain, withMetrics])
      for (const id of ids(dir)) {
        const { lines, truth } = readScenario(dir, id);
        assert.deepEqual(validateRecording(lines, truth), [], `${dir}/${id}`);
      }
  });

  it('covers the four applications and every fault type', () => {
    const truths = ids(plain).map((id) => readScenario(plain, id).truth);
    assert.deepEqual(
      new Set(truths.map((t) => t.meta.topology)),
      new Set(['otel-demo', 'hotel-reservation', 'bookinfo', 'robot-shop']),
    );
    const faults = new Set(truths.map((t) => t.meta.requestedFault));
    for (const f of [
      'bad-image-tag',
      'memory-limit',
      'readiness-probe',
      'configmap-restart',
      'secret-restart',
      'scale-down-latency',
      'helm-upgrade',
      'bad-release-errors',
      'latency-regression',
    ])
      assert.ok(faults.has(f), f);
  });

  it('adds metric lines with --metrics and changes nothing else', () => {
    let metricLines = 0;
    for (const id of ids(withMetrics)) {
      const a = readFileSync(join(plain, `${id}.jsonl`), 'utf8').split('\n');
      const b = readFileSync(join(withMetrics, `${id}.jsonl`), 'utf8').split('\n');
      const kept = b.filter((l) => !l.startsWith('{"ts":') || !l.includes('"metrics":{"interval"'));
      metricLines += b.length - kept.length;
      assert.deepEqual(kept, a, id);
      assert.equal(
        readFileSync(join(plain, `${id}.truth.json`), 'utf8'),
        readFileSync(join(withMetrics, `${id}.truth.json`), 'utf8'),
      );
      assert.ok(
        !a.some((l) => l.includes('"metrics":{"interval"')),
        `${id} has metric lines without --metrics`,
      );
    }
    assert.ok(metricLines > 8 * 60, `only ${metricLines} metric lines`);
  });

  it('is reproducible for a seed', () => {
    const again = generate('apps-again', '--suite', 'apps', '--count', '4', '--seed', '3');
    for (const id of ids(again))
      assert.equal(
        readFileSync(join(again, `${id}.jsonl`), 'utf8'),
        readFileSync(join(plain, `${id}.jsonl`), 'utf8'),
        id,
      );
  });

  it('puts the failing pods of Deployment faults in ReplicaSets created by the faulty change or after it', () => {
    let checked = 0;
    for (const id of ids(plain)) {
      const { lines, truth } = readScenario(plain, id);
      const rc = truth.rootCause;
      if (rc.kind !== 'Deployment' || !['bad-image-tag', 'memory-limit', 'readiness-probe'].includes(rc.type))
        continue;
      const owned = (l) =>
        l.object.metadata.ownerReferences?.[0]?.name === rc.name &&
        l.object.metadata.namespace === rc.namespace;
      const newer = new Set(
        lines
          .filter(
            (l) => l.type === 'ADDED' && l.object?.kind === 'ReplicaSet' && owned(l) && l.ts >= rc.changedAt,
          )
          .map((l) => l.object.metadata.labels['pod-template-hash']),
      );
      assert.ok(newer.size, `${id}: no new ReplicaSet after the faulty change`);
      const sick = lines.filter(
        (l) =>
          l.ts > rc.changedAt &&
          l.object?.kind === 'Pod' &&
          l.object.metadata.namespace === rc.namespace &&
          l.object.metadata.name.startsWith(`${rc.name}-`) &&
          (l.object.status.containerStatuses ?? []).some(
            (c) =>
              ['ImagePullBackOff', 'ErrImagePull', 'CrashLoopBackOff'].includes(c.state.waiting?.reason) ||
              c.lastState?.terminated?.reason === 'OOMKilled',
          ),
      );
      for (const l of sick)
        assert.ok(
          newer.has(l.object.metadata.labels['pod-template-hash']),
          `${id}: ${l.object.metadata.name} fails but belongs to an older revision`,
        );
      checked += sick.length ? 1 : 0;
    }
    assert.ok(checked >= 6, `only ${checked} scenarios with failing pods`);
  });
});
