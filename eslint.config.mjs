// Lint every source root; the boundary rules mirror the tsconfig split (core and webview never import vscode).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'dist-test/**', 'node_modules/**', '.vscode-test/**', 'sample-workspace/**', 'test-results/**', 'bench/.data/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  // AssemblyScript: its u64 literals are exact integers, not JavaScript doubles.
  { files: ['src/asm/**/*.ts'], rules: { 'no-loss-of-precision': 'off' } },
  {
    files: ['src/core/**/*.ts', 'src/shared/**/*.ts', 'src/webview/**/*.ts', 'src/cli/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: [{ name: 'vscode', message: 'only src/extension may import vscode' }] }] },
  },
  {
    // The host layer inside src/extension: orchestration that runs in plain Node (and is unit-tested there). It stays
    // vscode-free so the CLI, the tests and a future worker can run it; only the files beside it touch the VS Code API.
    files: [
      'src/extension/advantageWhatIf.ts',
      'src/extension/commands.ts',
      'src/extension/imageView.ts',
      'src/extension/loadWatchdog.ts',
      'src/extension/logStructure.ts',
      'src/extension/notebookColumns.ts',
      'src/extension/notebookFile.ts',
      'src/extension/notebookMetrics.ts',
      'src/extension/notebookQuery.ts',
      'src/extension/notebookValues.ts',
      'src/extension/oracleOverlay.ts',
      'src/extension/rolloutAssets.ts',
      'src/extension/rolloutMasks.ts',
      'src/extension/rolloutParse.ts',
      'src/extension/rolloutPayload.ts',
      'src/extension/rolloutScore.ts',
      'src/extension/rolloutTable.ts',
      'src/extension/segmentHost.ts',
      'src/extension/segmentWorker.ts',
      'src/extension/signalsData.ts',
      'src/extension/signalsHost.ts',
      'src/extension/tokenPayload.ts',
      'src/extension/traceSearch.ts',
      'src/extension/tracesData.ts',
      'src/extension/treeText.ts',
      'src/extension/viewBuilder.ts',
      'src/extension/viewProblems.ts',
      'src/extension/webviewHtml.ts',
    ],
    rules: { 'no-restricted-imports': ['error', { paths: [{ name: 'vscode', message: 'host-layer modules run without VS Code (tests, CLI, workers): keep the vscode API in the files that need it' }] }] },
  },
  {
    // The webview bundles run in a browser: from src/core they may import only the pure folders (no Node built-ins,
    // no native modules). src/core/README.md lists which folders are pure.
    files: ['src/webview/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'vscode', message: 'only src/extension may import vscode' }],
          patterns: [
            {
              regex: '/core/(?!(completion|geometry|traces|edit|signals|tokens)/|search/spec$|attribution/(labels|taxonomy)$)',
              message: 'webviews may import only the pure src/core modules: completion, geometry, traces, edit, signals, tokens, search/spec, attribution/labels, attribution/taxonomy',
            },
          ],
        },
      ],
      'no-restricted-properties': [
        'error',
        { property: 'innerHTML', message: 'model output and file text are hostile: build DOM with textContent' },
        { property: 'outerHTML', message: 'build DOM with textContent' },
        { property: 'insertAdjacentHTML', message: 'build DOM with textContent' },
      ],
    },
  },
  { files: ['**/*.mjs', '**/*.js'], languageOptions: { globals: { process: 'readonly', console: 'readonly', require: 'readonly', module: 'writable', __dirname: 'readonly', Buffer: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', URL: 'readonly' } } },
);
