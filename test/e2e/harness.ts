// Drives a real VS Code (code-server + Debian chromium via playwright-core) for the e2e tests. See test/e2e/README.md.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { TestContext } from 'node:test';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type FrameLocator, type Locator, type Page } from 'playwright-core';
import type * as CodeServerModule from '../../scripts/codeServer.mjs';
import type { SuiteOutcome } from './suite/runner';
import { tempDir } from '../unit/tempDir';

/** Repository root; this file runs from dist-test/test/e2e/. */
export const REPO_ROOT = resolve(__dirname, '..', '..', '..');
/** Where screenshots and failure logs go. */
export const RESULTS_DIR = join(REPO_ROOT, 'test-results');
/** The extension's identifier (publisher.name). */
export const EXTENSION_ID = 'segr1.segr1-workbench';
/** Debian's chromium; playwright never downloads a browser here. */
export const CHROMIUM = process.env.SEGR1_CHROMIUM ?? '/usr/bin/chromium';

/** scripts/codeServer.mjs is ESM shared with `npm start`; load it at run time from the repository root. */
export async function codeServer(): Promise<typeof CodeServerModule> {
  return (await import(pathToFileURL(join(REPO_ROOT, 'scripts', 'codeServer.mjs')).href)) as typeof CodeServerModule;
}

/** Options for launchWorkbench. */
export interface WorkbenchOptions {
  /** Names the artefact folder under test-results/. */
  name: string;
  /** Folder opened in place. */
  workspace?: string;
  /** Folder copied into the run's temp root and opened (default when tests write files). */
  copyWorkspace?: string;
  /** Extension folder loaded in development mode; null loads none (e.g. a VSIX install). Default: the repository. */
  extensionDevelopmentPath?: string | null;
  /** Extension-host suite module to run (its exit code arrives via codeAutomationExit). */
  extensionTestsPath?: string;
  /** VSIX files installed before start. */
  installExtensions?: string[];
  /** Merged into User/settings.json. */
  settings?: Record<string, unknown>;
  /** Browser viewport; default 1400×900. */
  viewport?: { width: number; height: number };
  /** Everything is killed after this long; default 12 min. */
  hardTimeoutMs?: number;
  /** Extra environment for code-server and the extension host (e.g. SEGR1_SUITE_RESULTS). */
  env?: Record<string, string>;
  /** Keep Workspace Trust on (no --disable-workspace-trust): the folder opens untrusted, in Restricted Mode. */
  trust?: boolean;
}

/** A running VS Code with a page on its workbench. */
export interface Workbench {
  /** The Playwright page showing the workbench. */
  readonly page: Page;
  /** The code-server behind it. */
  readonly server: CodeServerModule.CodeServer;
  /** Browser console lines so far (includes forwarded extension-host console output). */
  readonly console: string[];
  /** Resolves with the exit code once an extension-host suite finishes (only with extensionTestsPath). */
  readonly suiteExit: Promise<number>;
  /** Runs a command palette entry by its full title, e.g. 'Seg-R1: Open Workbench'. */
  runCommand(title: string, timeoutMs?: number): Promise<void>;
  /** The content frame of a webview (default: the most recently shown one). */
  webviewFrame(index?: number): FrameLocator;
  /** Saves a full-page PNG as test-results/<name>/<label>.png and returns its path. */
  screenshot(label: string): Promise<string>;
  /** Copies the browser console, server output and extension-host logs into test-results/<name>/. */
  saveLogs(): Promise<string>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Escapes a string for use inside a RegExp. */
function reEscape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Runs fn with a fresh code-server + chromium on the workbench; on failure saves a screenshot and all logs. */
export async function withWorkbench<T>(opts: WorkbenchOptions, fn: (wb: Workbench) => Promise<T>): Promise<T> {
  const cs = await codeServer();
  const artefacts = join(RESULTS_DIR, opts.name.replace(/[^\w.-]+/g, '_'));
  // Each test clears only its own artefacts, so concurrent runs of other tests in the same tree keep theirs.
  rmSync(artefacts, { recursive: true, force: true });
  const t0 = Date.now();
  const server = await cs.start({
    workspace: opts.workspace,
    copyWorkspace: opts.copyWorkspace,
    installExtensions: opts.installExtensions,
    settings: opts.settings,
    env: opts.env,
    trust: opts.trust,
    // Longer than the longest test timeout (600 s): a loaded machine must fail a test by its own timeout, with its
    // artefacts, not by the server vanishing under it.
    hardTimeoutMs: opts.hardTimeoutMs ?? 12 * 60_000,
    quiet: true,
  });
  let browser: Browser | undefined;
  let wb: Workbench | undefined;
  try {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      // The closed network refuses Chromium's background services; without these flags it retries them endlessly.
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
      timeout: 60_000,
    });
    const context = await browser.newContext({ viewport: opts.viewport ?? { width: 1400, height: 900 } });
    const page = await context.newPage();
    const consoleLines: string[] = [];
    page.on('console', (m) => consoleLines.push(`[${m.type()}] ${m.text()}`));
    page.on('pageerror', (e) => consoleLines.push(`[pageerror] ${e.stack ?? e.message}`));
    let exitSuite: (code: number) => void = () => undefined;
    const suiteExit = new Promise<number>((r) => (exitSuite = r));
    let suiteLogs: { relativePath: string; contents: string }[] = [];
    // The workbench calls these when present (VS Code's own smoke-test hooks).
    await page.exposeFunction('codeAutomationExit', (code: number, logs?: { relativePath: string; contents: string }[]) => {
      suiteLogs = Array.isArray(logs) ? logs : [];
      exitSuite(code);
    });
    await page.exposeFunction('codeAutomationLog', (level: string, message: string) => {
      consoleLines.push(`[automation ${level}] ${message}`);
    });
    const extensionDevelopmentPath = opts.extensionDevelopmentPath === undefined ? REPO_ROOT : opts.extensionDevelopmentPath ?? undefined;
    const url = server.url({ extensionDevelopmentPath, extensionTestsPath: opts.extensionTestsPath });
    await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 60_000 });
    await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    console.log(`[e2e] ${opts.name}: workbench shown ${((Date.now() - t0) / 1000).toFixed(1)} s after code-server start`);

    wb = {
      page,
      server,
      console: consoleLines,
      suiteExit,
      runCommand: (title, timeoutMs) => runCommand(page, title, timeoutMs),
      webviewFrame: (index) => {
        const frames = page.locator('iframe.webview.ready');
        const frame = index === undefined ? frames.last() : frames.nth(index);
        return frame.contentFrame().frameLocator('#active-frame');
      },
      screenshot: async (label) => {
        mkdirSync(artefacts, { recursive: true });
        const file = join(artefacts, `${label.replace(/[^\w.-]+/g, '_')}.png`);
        await page.screenshot({ path: file, fullPage: true });
        return file;
      },
      saveLogs: async () => {
        mkdirSync(artefacts, { recursive: true });
        writeFileSync(join(artefacts, 'browser-console.log'), consoleLines.join('\n') + '\n');
        writeFileSync(join(artefacts, 'code-server.log'), server.output());
        for (const f of server.logs()) {
          // Keep the folder name (exthost1, remoteexthost…) in the copy so same-named logs do not collide.
          const rel = f.slice(server.userDataDir.length + 1).replace(/[\\/]/g, '__');
          copyFileSync(f, join(artefacts, rel));
        }
        for (const l of suiteLogs) writeFileSync(join(artefacts, `client__${basename(l.relativePath)}`), l.contents);
        return artefacts;
      },
    };
    return await fn(wb);
  } catch (e) {
    if (wb) {
      await wb.screenshot('failure').catch(() => undefined);
      const dir = await wb.saveLogs().catch(() => undefined);
      // The gallery lookups fail on a closed network in every run; leave them out of the summary.
      const noise = /open-vsx|ERR_NAME_NOT_RESOLVED|Failed to load resource|^\s+at /;
      const tail = wb.console.filter((l) => /error|exthost|extension host/i.test(l) && !noise.test(l)).slice(-20);
      console.error(`e2e ${opts.name} failed; artefacts in ${dir}\n${tail.join('\n')}`);
    } else {
      mkdirSync(artefacts, { recursive: true });
      writeFileSync(join(artefacts, 'code-server.log'), server.output());
    }
    throw e;
  } finally {
    await browser?.close().catch(() => undefined);
    await server.stop();
  }
}

/**
 * Runs a command through the palette: F1, type '>Title', click the entry whose label is exactly the title.
 * Commands register a few seconds after the workbench shows, so the palette is retried until the entry appears.
 */
export async function runCommand(page: Page, title: string, timeoutMs = 45_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  const input = page.locator('.quick-input-widget input');
  const exact = new RegExp(`^${reEscape(title)}$`);
  for (let attempt = 0; ; attempt++) {
    if (!(await input.isVisible())) {
      await page.keyboard.press('F1');
      await input.waitFor({ state: 'visible', timeout: 10_000 });
    }
    await input.fill(`>${title}`);
    const entry = page.locator('.quick-input-list .monaco-list-row').filter({ has: page.locator('.label-name', { hasText: exact }) });
    try {
      await entry.first().waitFor({ state: 'visible', timeout: 2_000 });
      await entry.first().click();
      // The palette closed, or the command replaced it with its own quick pick (its input no longer holds the
      // `>command` text): either way the command ran. Retrying then would cancel the command's own picker.
      await waitFor('the command palette to close', async () => !(await input.isVisible()) || !(await input.inputValue()).startsWith('>'), 10_000);
      return;
    } catch (e) {
      if (Date.now() > end) throw new Error(`command '${title}' not found in the palette after ${attempt + 1} attempts`, { cause: e });
      await page.keyboard.press('Escape');
      await sleep(750);
    }
  }
}

/** Polls fn until it returns a truthy value or throws after timeoutMs (for state the UI reaches asynchronously). */
export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | null | false>, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < end) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    await sleep(250);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

/**
 * Hover `target` until VS Code's hover widget shows text matching `pattern`, and return that text. A single hover is not
 * enough on a loaded machine: the widget waits for the pointer to rest, and a late layout shift or an earlier hover
 * still fading can swallow it. So: move away, hover, give the widget a few seconds, and try again.
 */
export async function hoverText(page: Page, target: Locator, pattern: RegExp, timeoutMs = 45_000): Promise<string> {
  const widget = page.locator('.workbench-hover, .monaco-hover').filter({ hasText: pattern }).first();
  return waitFor(`a hover matching ${pattern}`, async () => {
    await page.mouse.move(700, 450);
    await sleep(300);
    await target.hover();
    try {
      await widget.waitFor({ state: 'visible', timeout: 4_000 });
    } catch {
      return undefined;
    }
    return (await widget.textContent()) ?? undefined;
  }, timeoutMs);
}

/** The last webview (the most recently shown first) whose content holds `selector`, or undefined: one look, no wait. */
export async function webviewWith(wb: Workbench, selector: string): Promise<FrameLocator | undefined> {
  const n = await wb.page.locator('iframe.webview.ready').count();
  for (let k = n - 1; k >= 0; k--) {
    const f = wb.webviewFrame(k);
    if (await f.locator(selector).count().catch(() => 0)) return f;
  }
  return undefined;
}

/** Waits for a webview holding `selector` (several are open at once: the traces, the panel, a notebook). */
export async function frameWith(wb: Workbench, selector: string, timeoutMs = 60_000): Promise<FrameLocator> {
  return waitFor(`a webview with ${selector}`, () => webviewWith(wb, selector), timeoutMs);
}

/** The Seg-R1 Runs tree in the side bar. */
export interface RunsTree {
  /** Every row of the tree. */
  readonly rows: Locator;
  /** Rows whose label (not description) matches: a row's text runs label and description together. */
  row(label: RegExp): Locator;
  /** Waits for the row of the run whose text contains `text` (default: the sample's SYNTHETIC run). */
  run(text?: string): Promise<Locator>;
}

/** Shows the Seg-R1 side bar and returns its Runs tree. */
export async function showRunsTree(page: Page): Promise<RunsTree> {
  await page.locator('.activitybar .action-item a[aria-label^="Seg-R1"]').first().click();
  const rows = page.locator('.sidebar .monaco-list-row');
  const withText = (text: string) => rows.filter({ hasText: text });
  return {
    rows,
    row: (label) => rows.filter({ has: page.locator('.label-name', { hasText: label }) }),
    run: (text = 'SYNTHETIC') => waitFor('the run in the Runs tree', async () => ((await withText(text).count()) ? withText(text).first() : undefined), 60_000),
  };
}

/** A rollout's place in the Runs tree. */
export interface TreePlace {
  readonly step: number;
  /** The group's id, or a pattern for its label's tail (e.g. /cod_\d+@2/). */
  readonly group: string | RegExp;
  readonly sample: number;
}

/**
 * Opens a rollout from the Runs tree: run, step, group, rollout, each level waited for as it expands lazily.
 * `before` sees the run and the group rows before they are clicked (to check their descriptions).
 */
export async function openFromRunsTree(tree: RunsTree, at: TreePlace, before?: (level: 'run' | 'group', row: Locator) => Promise<void>): Promise<void> {
  const run = await tree.run();
  await before?.('run', run);
  await run.click();
  await tree.row(new RegExp(`^step ${at.step}$`)).first().click();
  const groupLabel = typeof at.group === 'string' ? reEscape(at.group) : at.group.source;
  const group = tree.row(new RegExp(`^group ${groupLabel}$`)).first();
  await group.waitFor({ timeout: 15_000 });
  await before?.('group', group);
  await group.click();
  const rollout = tree.row(new RegExp(`^rollout ${at.sample}$`)).first();
  await rollout.waitFor({ timeout: 15_000 });
  await rollout.click();
}

/** Picks a colour theme from the command palette (not runCommand: this command's quick pick stays open as the theme list). */
export async function pickTheme(page: Page, label: string): Promise<void> {
  const input = page.locator('.quick-input-widget input');
  await page.keyboard.press('F1');
  await input.waitFor({ state: 'visible', timeout: 10_000 });
  await input.fill('>Preferences: Color Theme');
  await page.locator('.quick-input-list .monaco-list-row', { hasText: /^Preferences: Color Theme/ }).first().click({ timeout: 10_000 });
  await waitFor('the theme list', async () => ((await input.inputValue()) === '' ? true : undefined), 10_000);
  await input.fill(label);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: new RegExp(`^${label}`) }).first().waitFor({ timeout: 10_000 });
  await page.keyboard.press('Enter');
  await input.waitFor({ state: 'hidden', timeout: 10_000 });
}

/** Result of an extension-host suite run. */
export interface SuiteResult {
  /** The exit code the extension host reported (0 = all passed). */
  exitCode: number;
  /** One entry per suite test, as the suite's runner reported them (empty if it never got that far). */
  outcomes: SuiteOutcome[];
  /** Browser console lines, where the extension host's console output is forwarded. */
  console: string[];
}

/** Path of the compiled extension-host suite entry (test/e2e/suite/index.ts). */
export const SUITE_INDEX = join(REPO_ROOT, 'dist-test', 'test', 'e2e', 'suite', 'index.js');

/** Runs the extension-host suite inside a real VS Code; resolves with its exit code (what @vscode/test-electron reports) and per-test outcomes. */
export async function runExtensionHostSuite(opts: Omit<WorkbenchOptions, 'extensionTestsPath'> & { suitePath?: string; timeoutMs?: number }): Promise<SuiteResult> {
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const resultsFile = join(RESULTS_DIR, `${opts.name.replace(/[^\w.-]+/g, '_')}.suite.json`);
  // A stale file from an earlier run must never stand in for this run's results.
  rmSync(resultsFile, { force: true });
  mkdirSync(RESULTS_DIR, { recursive: true });
  const env = { ...opts.env, SEGR1_SUITE_RESULTS: resultsFile };
  return withWorkbench({ ...opts, env, extensionTestsPath: opts.suitePath ?? SUITE_INDEX }, async (wb) => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, rej) => (timer = setTimeout(() => rej(new Error(`extension-host suite did not finish within ${timeoutMs} ms`)), timeoutMs)));
    try {
      const exitCode = await Promise.race([wb.suiteExit, timeout]);
      if (exitCode !== 0) await wb.saveLogs();
      const outcomes: SuiteOutcome[] = existsSync(resultsFile) ? JSON.parse(readFileSync(resultsFile, 'utf8')) : [];
      return { exitCode, outcomes, console: wb.console };
    } finally {
      clearTimeout(timer);
    }
  });
}

/** Reports each suite outcome as a node:test subtest of t, then asserts the suite ran and its host exited 0. */
export async function reportSuite(t: TestContext, result: SuiteResult, prefix = ''): Promise<void> {
  for (const o of result.outcomes) {
    await t.test(`${prefix}${o.name}`, (st) => {
      st.diagnostic(`${o.ms} ms in the extension host`);
      if (o.status === 'skipped') st.skip(o.message);
      else if (o.status === 'failed') assert.fail(o.message ?? 'failed');
    });
  }
  assert.ok(result.outcomes.length > 0, `the suite reported no results (exit ${result.exitCode}); see test-results/`);
  assert.equal(result.exitCode, 0, 'extension host exited non-zero');
}

/**
 * The synthetic sample workspace (`segr1 sample`), generated once per CLI build into test-results/sample-<hash>/:
 * keyed by the CLI bundle's hash so runs of different builds in one working tree never share or delete each other's.
 */
export function sampleWorkspace(): string | undefined {
  const cli = join(REPO_ROOT, 'dist', 'cli.js');
  if (!existsSync(cli)) return undefined;
  const hash = createHash('sha1').update(readFileSync(cli)).digest('hex').slice(0, 10);
  const dir = join(RESULTS_DIR, `sample-${hash}`);
  const ready = `${dir}.ready`;
  if (existsSync(ready)) return dir;
  rmSync(dir, { recursive: true, force: true });
  const r = spawnSync(process.execPath, [cli, 'sample', '--out', dir], { encoding: 'utf8', timeout: 300_000 });
  if (r.status !== 0) throw new Error(`segr1 sample failed (${r.status}): ${r.stderr || r.stdout}`);
  writeFileSync(ready, '');
  return dir;
}

/** A private copy of the sample workspace, removed when the test process exits: for tests that write into it. */
export function sampleCopy(prefix: string): string {
  const sample = sampleWorkspace();
  if (!sample) throw new Error('no sample workspace (build dist/cli.js first)');
  const ws = tempDir(prefix);
  cpSync(sample, ws, { recursive: true });
  return ws;
}

