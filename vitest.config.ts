import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

// The libraries' subpath imports (#contracts, #kafka, ...) point at sources in tests, as tsc's "source" condition does.
const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as {
  imports: Record<string, { source: string }>;
};
// Longest first: Vite's alias also matches `key/...`, so `#watcher` must not swallow `#watcher/main`.
const alias = Object.entries(pkg.imports)
  .sort(([a], [b]) => b.length - a.length)
  .map(([find, target]) => ({ find, replacement: fileURLToPath(new URL(target.source, import.meta.url)) }));

// SWC instead of esbuild: NestJS constructor injection needs emitDecoratorMetadata, which esbuild does not emit.
const plugins = [swc.vite({ module: { type: 'es6' } })];
const resolve = { alias };

export default defineConfig({
  test: {
    projects: [
      {
        plugins,
        resolve,
        test: { name: 'unit', include: ['apps/**/*.spec.ts', 'libs/**/*.spec.ts'], environment: 'node' },
      },
      {
        plugins,
        resolve,
        test: {
          name: 'e2e',
          include: ['test/**/*.e2e.ts'],
          environment: 'node',
          globalSetup: ['test/setup/global-kafka.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
