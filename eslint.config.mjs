// Lint that keeps the layers (DESIGN: "How domains meet"): no import cycles, pure renderers,
// a runtime that knows nothing of managers. Formatting is Prettier's (`.prettierrc.json`).
import js from '@eslint/js';
import importX from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import tseslint from 'typescript-eslint';

const PURE = 'Renderers are pure: no I/O, clock or environment.';
const NODE_BUILTINS = ['fs', 'path', 'os', 'child_process', 'http', 'https', 'net', 'dns', 'crypto', 'process'].map(
  (name) => ({ name, message: PURE }),
);

export default tseslint.config(
  {
    ignores: ['.next/**', 'node_modules/**', '.e2e/**', 'test-results/**', 'drizzle/**', 'next-env.d.ts'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  { files: ['**/*.mjs', '**/*.js'], languageOptions: { globals: { process: 'readonly', console: 'readonly' } } },
  importX.flatConfigs.typescript,
  {
    settings: { 'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.json' })] },
    rules: {
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
    },
  },
  {
    // Routers are thin: they reach a domain only through its manager's index.ts.
    files: ['src/server/routers/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(\\.\\./managers|@/server/managers)/[^/]+/.+',
              message: 'Routers import a manager only through its index.ts (its public API).',
            },
          ],
        },
      ],
    },
  },
  {
    // A domain reaches another only through its index.ts (its public API), never its internals.
    files: ['src/server/managers/*/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(\\.\\./(?!\\.\\.)[^/]+|@/server/managers/[^/]+)/.+',
              message: 'A manager imports another only through its index.ts (its public API).',
            },
          ],
        },
      ],
    },
  },
  {
    // Managers get the environment from the cell's runtime (`runtimeOf(db).env`), never from the process.
    files: ['src/server/managers/**'],
    rules: {
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'Managers read the environment from runtimeOf(db).env.' },
      ],
    },
  },
  {
    files: ['src/server/managers/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^\\./[^/]+/.+',
              message: 'A manager imports another only through its index.ts (its public API).',
            },
          ],
        },
      ],
    },
  },
  {
    // Renderers are pure: typed model in, text out. They import lib/ and the render guard only.
    // After the managers' blocks: in a flat config the later block's rule replaces the earlier's
    // for the same file, so this one carries the managers' index-only pattern too.
    files: ['src/server/managers/**/render.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: NODE_BUILTINS,
          patterns: [
            { group: ['node:*'], message: PURE },
            {
              regex: '^(\\.\\./(?!\\.\\.)[^/]+|@/server/managers/[^/]+)/.+',
              message: 'A manager imports another only through its index.ts (its public API).',
            },
          ],
        },
      ],
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            {
              target: './src/server/managers/**/render.ts',
              from: './src/server',
              except: ['./managers/render-guard.ts'],
              message: 'Renderers import only lib/ and the render guard.',
            },
          ],
        },
      ],
    },
  },
  {
    // The runtime (paths, engine, clients) never reaches up into the domains.
    files: ['src/server/runtime/**'],
    rules: {
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            {
              target: './src/server/runtime',
              from: './src/server/managers',
              message: 'runtime/ never imports managers/.',
            },
          ],
        },
      ],
    },
  },
);
