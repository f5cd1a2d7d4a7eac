import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const APPS = ['watcher', 'differ', 'correlator', 'cli'];

/**
 * The layout is the architecture (docs/architecture.md): an app may not reach into another app's files, libs may
 * not reach into apps at all, and tests, benchmarks and the CLI reach apps only through their public entry
 * points (`#watcher`, `#differ`, `#correlator`, `#cli` in package.json's imports). Shipped code never imports
 * test support.
 */
const intoApp = (app) => ({
  regex: `^(\\.\\./)+(apps/)?${app}/src/`,
  message: `import the ${app} app through #${app} (its public entry point), not its files`,
});
const intoTestSupport = {
  regex: '(^|/)test/support/',
  message: 'test support stays out of what ships: only *.spec.ts and test/ may import it',
};
const intoAnyApp = {
  regex: '(^|/)apps/',
  message: 'libs hold what apps share: they never depend on an app',
};

const boundaries = [
  ...APPS.map((app) => ({
    files: [`apps/${app}/**/*.ts`],
    ignores: [`apps/${app}/**/*.spec.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [...APPS.filter((a) => a !== app).map(intoApp), intoTestSupport] },
      ],
    },
  })),
  ...APPS.map((app) => ({
    files: [`apps/${app}/**/*.spec.ts`],
    rules: { 'no-restricted-imports': ['error', { patterns: APPS.filter((a) => a !== app).map(intoApp) }] },
  })),
  {
    files: ['libs/**/*.ts'],
    ignores: ['libs/**/*.spec.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            intoAnyApp,
            intoTestSupport,
            { regex: `^#(${APPS.join('|')})(/|$)`, message: intoAnyApp.message },
          ],
        },
      ],
    },
  },
  {
    files: ['libs/**/*.spec.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [intoAnyApp] }] },
  },
  {
    files: ['bench/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [...APPS.map(intoApp), intoTestSupport] }] },
  },
  {
    files: ['test/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: APPS.map(intoApp) }] },
  },
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'off',
    },
  },
  {
    // Type-aware rules where a mistake is silent at run time: a promise nobody awaits (its rejection is lost, or
    // crashes the process), and a promise handed where a callback's result is ignored (an async listener).
    files: ['apps/**/*.ts', 'libs/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
    },
  },
  ...boundaries,
);
