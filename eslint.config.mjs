// Lint every source root; the boundary rules mirror the tsconfig split (core and webview never import vscode).
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * The pure modules of src/core (src/core/README.md lists them): no Node built-in, no native or file-reading package,
 * and only other pure modules (type-only imports aside, since they vanish from the bundle). The webviews run in a
 * browser and may import only these.
 */
const PURE_CORE_FOLDERS = ['cache', 'completion', 'edit', 'geometry', 'python', 'tokens', 'traces'];
/** The pure files of folders that also do I/O (`attribution/labels`: no `attributeLog`). */
const PURE_CORE_FILES = [
  'attribution/labels',
  'attribution/taxonomy',
  'image/types',
  'rewards/advantageEstimators',
  'rewards/advantages',
  'rewards/torchF32',
  'search/spec',
  ...['advantageWhatIf', 'fromAnswer', 'kendall', 'labels', 'signalInfo', 'signFlips', 'stepSignals', 'wouldBeAdvantage'].map((f) => `signals/${f}`),
];
const PURE_CORE = `(${PURE_CORE_FOLDERS.join('|')})/|(${PURE_CORE_FILES.join('|')})$`;
const PURE_MESSAGE = 'a pure src/core module runs in the webview too: no Node built-ins, no native or I/O packages, only pure modules (src/core/README.md)';

/** The import rule of a pure module: nothing that needs Node, a native module, the file system or VS Code. */
function pureImports(extraPatterns) {
  return {
    '@typescript-eslint/no-restricted-imports': [
      'error',
      {
        paths: ['vscode', 'sharp', 'onnxruntime-node', 'hyparquet'].map((name) => ({ name, message: PURE_MESSAGE, allowTypeImports: true })),
        patterns: [
          { group: ['node:*', ...builtinModules], message: PURE_MESSAGE, allowTypeImports: true },
          { regex: `^\\.\\./(?!${PURE_CORE}|\\.\\./shared/)`, message: PURE_MESSAGE, allowTypeImports: true },
          ...extraPatterns,
        ],
      },
    ],
  };
}

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
    // The core and the protocol are the bottom layers: nothing above them is imported.
    files: ['src/core/**/*.ts', 'src/shared/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'vscode', message: 'only src/extension may import vscode' }],
          patterns: [{ regex: '(^|/)(host|extension|webview|cli)/', message: 'src/core and src/shared are imported by the layers above, never the other way round' }],
        },
      ],
    },
  },
  {
    // The host layer (src/host/README.md): orchestration that runs in plain Node (tests, workers, the CLI). Whatever it
    // needs from VS Code comes in as a value or a callback, so neither vscode nor src/extension is imported here.
    files: ['src/host/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'vscode', message: 'src/host runs without VS Code (tests, CLI, workers): pass what it needs from the extension as a value or callback' }],
          patterns: [{ regex: '(^|/)(extension|webview|cli)/', message: 'src/host is imported by src/extension, never the other way round; webviews are reached by messages' }],
        },
      ],
    },
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
            { regex: `/core/(?!${PURE_CORE})`, message: `webviews may import only the pure src/core modules: ${PURE_CORE_FOLDERS.join(', ')}/ and ${PURE_CORE_FILES.join(', ')}` },
            { regex: '(^|/)(extension|host|cli)/', message: 'webviews talk to the host by messages (src/shared), never by import' },
            { group: ['node:*', ...builtinModules], message: 'webviews run in a browser' },
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
  // The pure modules: enforced per file, so a pure module stays pure whatever imports it.
  { files: [...PURE_CORE_FOLDERS.map((f) => `src/core/${f}/**/*.ts`), ...PURE_CORE_FILES.map((f) => `src/core/${f}.ts`)], rules: pureImports([]) },
  // A pure file in a folder that also does I/O may import only the pure files beside it.
  {
    files: PURE_CORE_FILES.map((f) => `src/core/${f}.ts`),
    rules: pureImports([{ regex: `^\\./(?!(${PURE_CORE_FILES.map((f) => f.split('/')[1]).join('|')})$)`, message: PURE_MESSAGE, allowTypeImports: true }]),
  },
  { files: ['**/*.mjs', '**/*.js'], languageOptions: { globals: { process: 'readonly', console: 'readonly', require: 'readonly', module: 'writable', __dirname: 'readonly', Buffer: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', URL: 'readonly' } } },
);
