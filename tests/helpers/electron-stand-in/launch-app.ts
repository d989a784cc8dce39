/**
 * Starts the app's built main process (out/main/index.js, unchanged) in this test process
 * against the Electron stand-in, with its windows in Debian's Chromium. One app per process:
 * vitest gives each test file its own, and the bundle, like Electron's main, runs once.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire, register } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { chromiumPath } from '../browser';
import { makeTempDir } from '../temp-dir';
import { repoRoot } from '../workbench-server';
import { ElectronStandIn, type StandInBrowserWindowLike } from './stand-in';

const STAND_IN_KEY = Symbol.for('lancer.electron-stand-in');
const outMain = path.join(repoRoot, 'out', 'main', 'index.js');
const builtFiles = [outMain, path.join(repoRoot, 'out', 'preload', 'index.cjs'), path.join(repoRoot, 'out', 'renderer', 'index.html')];
const sourceDirs = ['src/main', 'src/preload', 'src/renderer', 'src/shared'].map((d) => path.join(repoRoot, d));

function newestSourceMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSourceMtime(full));
    // Tests are not bundled: editing one must not force a rebuild.
    else if (!/\.test\.tsx?$/.test(entry.name)) newest = Math.max(newest, statSync(full).mtimeMs);
  }
  return newest;
}

/**
 * Builds out/ (`electron-vite build`, as `npm test` and `npm start` do) unless every bundle is
 * newer than every source file it is built from, so the suite runs what a desktop user would.
 */
export function ensureBuiltApp(): void {
  const oldestBuilt = Math.min(...builtFiles.map((f) => (existsSync(f) ? statSync(f).mtimeMs : 0)));
  const newestSource = Math.max(...sourceDirs.map(newestSourceMtime), statSync(path.join(repoRoot, 'electron.vite.config.ts')).mtimeMs);
  if (oldestBuilt > newestSource) return;
  console.log('[window] out/ is older than src/: building the app (electron-vite build)');
  execFileSync(path.join(repoRoot, 'node_modules', '.bin', 'electron-vite'), ['build'], { cwd: repoRoot, stdio: ['ignore', 'ignore', 'inherit'] });
}

/**
 * Chromium as the window's renderer. One flag more than the other suites: Electron lets a
 * file:// page load its own module scripts (the built renderer's index.html is one), while
 * plain Chromium refuses them as cross-origin unless file access from files is allowed.
 */
export function launchWindowChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-dev-shm-usage', '--no-first-run', '--allow-file-access-from-files'],
  });
}

export interface RunningApp {
  electron: ElectronStandIn;
  window: StandInBrowserWindowLike;
  page: Page;
  /** The data dir the app resolved: app.getPath('userData') here. */
  dataDir: string;
  /** app.quit(), then waits for the workbench to close its database; removes the data dir. */
  stop(): Promise<void>;
}

// `import()` in a test file goes through vitest's module runner; the app must be loaded by Node
// itself so the resolve hook answers its `import 'electron'`, as it would run in Electron.
const importNatively = createRequire(import.meta.url)('./native-import.cjs') as (url: string) => Promise<unknown>;

/** Imports out/main/index.js with 'electron' answered by a fresh stand-in; waits for its window. */
export async function launchBuiltApp(opts: { preloadInSubFrames?: boolean } = {}): Promise<RunningApp> {
  if ((globalThis as Record<symbol, unknown>)[STAND_IN_KEY]) throw new Error('one app per test process: the built main runs once, as in Electron');
  ensureBuiltApp();
  const { dir: userDataDir, cleanup } = makeTempDir('lancer-window-');
  const browser = await launchWindowChromium();
  const electron = new ElectronStandIn({ browser, userDataDir, appPath: repoRoot, preloadInSubFrames: opts.preloadInSubFrames });
  (globalThis as Record<symbol, unknown>)[STAND_IN_KEY] = electron;
  // The app would take these from the environment; the suite wants the app's own defaults.
  delete process.env.LANCER_DATA_DIR;
  delete process.env.ELECTRON_RENDERER_URL;
  register(pathToFileURL(path.join(import.meta.dirname, 'resolve-hooks.mjs')), {
    data: {
      electronModuleUrl: pathToFileURL(path.join(import.meta.dirname, 'electron-module.mjs')).href,
      importerPrefix: pathToFileURL(path.dirname(outMain)).href + '/',
    },
  });
  await importNatively(pathToFileURL(outMain).href);
  await electron.start();
  const win = await waitFor(() => electron.windows[0], 30_000, 'the app to open its window');
  const page = await win.webContents.pageReady;
  await waitFor(() => (page.url().startsWith('file:') ? true : undefined), 30_000, 'the window to load the renderer');
  await page.waitForLoadState('load');
  return {
    electron,
    window: win,
    page,
    dataDir: userDataDir,
    stop: async () => {
      await electron.app.quit();
      // The app closes its workbench in the background on will-quit; SQLite removes the WAL
      // file when the last connection closes, which is the sign it is done.
      await waitFor(() => (existsSync(path.join(userDataDir, 'lancer.db-wal')) ? undefined : true), 15_000, 'the workbench to close').catch(() => undefined);
      await electron.stop();
      await browser.close();
      cleanup();
    },
  };
}

async function waitFor<T>(probe: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
