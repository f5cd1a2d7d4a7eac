import { createServer } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProgram, loadDemoIncident, startAllInOne } from '#cli';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

/** Runs a CLI command in-process and returns what it printed on stdout. */
async function cli(args: string[]): Promise<string> {
  let out = '';
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array) => {
    out += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    return true;
  }) as typeof process.stdout.write;
  try {
    // exitOverride: commander throws instead of exiting the test process on a usage error.
    const program = buildProgram().exitOverride();
    for (const command of program.commands) command.exitOverride().configureOutput({ writeErr: () => {} });
    await program.parseAsync(['node', 'incident-assistant', ...args]);
  } finally {
    process.stdout.write = write;
  }
  return out;
}

describe('all-in-one (npm start) without a cluster', () => {
  let app: INestApplication;
  let printed = '';
  let grpcPort: number;

  beforeAll(async () => {
    grpcPort = await freePort();
    app = await startAllInOne({
      demo: 'auto',
      env: {
        KUBECONFIG: '/nonexistent/kubeconfig',
        CORRELATOR_GRPC_PORT: String(grpcPort),
        CORRELATOR_HTTP_PORT: String(await freePort()),
      },
      out: (t) => void (printed += t),
    });
  }, 120_000);

  afterAll(async () => {
    await app?.close();
  });

  it('says what it watches and where gRPC listens, then prints the demo incident ranked causes', () => {
    expect(printed).toMatch(/watching: +no cluster/);
    expect(printed).toContain(`gRPC:       127.0.0.1:${grpcPort}`);
    expect(printed).toMatch(/^Verdict: explained \(/m);
    expect(printed).toMatch(/^1\. \S+ \S+\/\S+ +changed \S+ +confidence \d\.\d\d$/m);
    expect(printed).toMatch(/Failure path|changed resource itself/);
  });

  it('answers `incident-assistant rank` over gRPC with the same ranking it printed', async () => {
    const demo = await loadDemoIncident();
    const symptom = `${demo.symptom.namespace}/${demo.symptom.kind}/${demo.symptom.name}`;
    const json = await cli([
      'rank',
      '--server',
      `127.0.0.1:${grpcPort}`,
      '--at',
      demo.rankAt.toISOString(),
      '--symptom',
      symptom,
      '--top',
      '5',
      '--json',
    ]);
    const { causes } = JSON.parse(json) as {
      causes: Array<{ resource: { kind: string; namespace: string; name: string }; changedAt: string }>;
    };
    expect(causes.length).toBeGreaterThanOrEqual(3);
    const printedTop = [...printed.matchAll(/^\d+\. (\S+) (\S+)\/(\S+) +changed (\S+)/gm)].map(
      (m) => `${m[1]} ${m[2]}/${m[3]} ${m[4]}`,
    );
    expect(
      causes.map((c) => `${c.resource.kind} ${c.resource.namespace}/${c.resource.name} ${c.changedAt}`),
    ).toEqual(printedTop.slice(0, causes.length));
  });

  it('rejects a malformed symptom with a clear message', async () => {
    await expect(cli(['rank', '--server', `127.0.0.1:${grpcPort}`, '--symptom', 'frontend'])).rejects.toThrow(
      /expected <namespace>\/<Kind>\/<name>/,
    );
  });
});
