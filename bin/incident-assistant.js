#!/usr/bin/env node
// Thin launcher: the CLI is TypeScript compiled to dist/ by `npm run build` (npm start builds first).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/apps/cli/src/main.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write(
    'incident-assistant: dist/ is missing; run `npm run build` first (npm start does it for you).\n',
  );
  process.exit(2);
}
const { main } = await import(entry.href);
try {
  await main(process.argv);
} catch (err) {
  process.stderr.write(`incident-assistant: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
}
