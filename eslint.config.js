// Lint, including the layer rules of the architecture: a violation fails `npm test`.
import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const electronImport = {
  name: 'electron',
  message: 'Only the composition root (src/main/index.ts, ipc.ts, window.ts) and the preload may import electron.',
};

export default tseslint.config(
  { ignores: ['out/**', '.lancer-test/**', 'node_modules/**', 'coverage/**', 'resources/sample-benchmark/app/**', 'resources/sample-benchmark/**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-restricted-syntax': [
        'error',
        {
          // Raw IPC is allowed only where the transport is wired (overridden below).
          selector: "Identifier[name=/^ipc(Main|Renderer)$/]",
          message: 'Raw ipcMain/ipcRenderer belong only in src/preload and src/main/ipc.ts; use the contract.',
        },
      ],
    },
  },
  {
    files: ['src/preload/**', 'src/main/ipc.ts', 'src/main/ipc.test.ts'],
    rules: { 'no-restricted-syntax': 'off' },
  },
  {
    // shared: imported by all three sides, so it imports nothing of ours, no Node, no DOM.
    files: ['src/shared/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [electronImport],
          patterns: [
            { group: ['node:*'], message: 'src/shared runs in the renderer too: no Node modules.' },
            { group: ['../main/**', '../renderer/**', '../preload/**', '../cli/**', '../../*'], message: 'src/shared imports nothing of ours.' },
          ],
        },
      ],
    },
  },
  {
    // core: plain Node, so serve mode, the CLI and tests run it without Electron.
    files: ['src/main/core/**', 'src/main/server/**', 'src/cli/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [electronImport],
          patterns: [{ group: ['**/renderer/**', '**/preload/**'], message: 'core must not reach into the UI layers.' }],
        },
      ],
    },
  },
  {
    // renderer: a web page; it imports only src/shared and itself, never Node or Electron.
    files: ['src/renderer/**'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      'no-restricted-imports': [
        'error',
        {
          paths: [electronImport],
          patterns: [
            { group: ['node:*', 'fs', 'path', 'child_process', 'os'], message: 'The renderer is a web page: no Node modules.' },
            { group: ['**/main/**', '**/preload/**', '**/cli/**'], message: 'The renderer imports only src/shared and itself.' },
            { group: ['better-sqlite3', 'dockerode', 'ws'], message: 'Main-process packages do not belong in the renderer.' },
          ],
        },
      ],
    },
  },
);
