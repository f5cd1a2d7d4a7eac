#!/usr/bin/env node
// `npm test`: runs every vitest project (unit + e2e, see vitest.config.ts) with the default reporter, plus a JSON
// report from which the final summary line is computed:
//
//   N passed, N failed[, N skipped]
//
// Exits non-zero when vitest fails, any test fails, or no test ran. Extra arguments go to vitest, e.g.
// `npm test -- --project unit` or `npm test -- test/kafka-broker.e2e.ts`.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(repoRoot, 'package.json'));
// Same as `npx vitest`, minus npx's lookup and an extra process layer between us and vitest (signals).
const vitestBin = join(dirname(require.resolve('vitest/package.json')), 'vitest.mjs');

const reportDir = mkdtempSync(join(tmpdir(), 'ia-vitest-'));
const reportFile = join(reportDir, 'report.json');
const args = [
  vitestBin,
  'run',
  '--reporter=default',
  '--reporter=json',
  `--outputFile.json=${reportFile}`,
  ...process.argv.slice(2),
];

// The apps log JSON at info to stderr; in a test run only warnings and errors are worth reading.
const env = { ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' };
const child = spawn(process.execPath, args, { cwd: repoRoot, stdio: 'inherit', env });
const forward = (signal) => () => child.kill(signal);
process.on('SIGINT', forward('SIGINT'));
process.on('SIGTERM', forward('SIGTERM'));

const [code, signal] = await new Promise((done) => child.on('close', (c, s) => done([c, s])));

let report;
try {
  report = JSON.parse(readFileSync(reportFile, 'utf8'));
} catch {
  report = undefined;
} finally {
  rmSync(reportDir, { recursive: true, force: true });
}

const passed = report?.numPassedTests ?? 0;
const failed = report?.numFailedTests ?? 0;
const skipped = (report?.numPendingTests ?? 0) + (report?.numTodoTests ?? 0);
const failedFiles = (report?.testResults ?? []).filter((file) => file.status === 'failed').length;

const problems = [];
if (!report) problems.push('vitest wrote no JSON report');
if (code !== 0) problems.push(signal ? `vitest was killed by ${signal}` : `vitest exited with code ${code}`);
if (failedFiles > 0) problems.push(`${failedFiles} test file(s) failed`);
if (passed + failed === 0) problems.push('no tests ran');
if (problems.length > 0) console.error(`test: ${problems.join('; ')}`);

console.log(`${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`);
process.exitCode = problems.length > 0 || failed > 0 ? 1 : 0;
