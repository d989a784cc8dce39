/**
 * The same window, in real Electron, through Playwright's Electron launcher: start-up, the
 * preload's surface, IPC, the CSP, the navigation guards and a setting, against the built app.
 * Runs only where Electron's binary is installed (`npm run electron:setup` on a machine that
 * reaches GitHub, which also builds better-sqlite3 for Electron); elsewhere the suite is
 * reported as skipped with the reason in its name.
 *
 * Deliberately exempt from CI=true's no-skip rule (tests/helpers/requirements.ts): the binary
 * cannot be downloaded on these machines, and issue 15 asks for this suite to be skipped, with
 * its reason, where it is absent. The stand-in suites beside it run the same app code here.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { _electron, type ElectronApplication, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuiltApp } from '../helpers/electron-stand-in/launch-app';
import { makeTempDir } from '../helpers/temp-dir';
import { repoRoot } from '../helpers/workbench-server';

/** Electron's executable and the Electron build of better-sqlite3, or why they are missing. */
function realElectron(): { bin: string } | { reason: string } {
  let bin: unknown;
  try {
    bin = createRequire(import.meta.url)('electron');
  } catch {
    // electron's index.js throws when its binary was never downloaded
  }
  if (typeof bin !== 'string' || !existsSync(bin)) return { reason: 'the Electron binary is not installed (npm run electron:setup)' };
  if (!existsSync(path.join(repoRoot, 'node_modules/better-sqlite3/build/electron/better_sqlite3.node'))) {
    return { reason: 'better-sqlite3 is not built for Electron (npm run electron:setup)' };
  }
  return { bin };
}

const electron = realElectron();
const skipReason = 'reason' in electron ? electron.reason : '';
if (skipReason) console.log(`[window] real-Electron suite skipped: ${skipReason}`);

type PageGlobals = Record<string, unknown> & { lancer: { invoke(channel: string, input: unknown): Promise<unknown> } };

describe.skipIf(Boolean(skipReason))(`the desktop window in real Electron${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  let app: ElectronApplication;
  let page: Page;
  const data = makeTempDir('lancer-electron-');

  beforeAll(async () => {
    ensureBuiltApp();
    app = await _electron.launch({
      executablePath: 'bin' in electron ? electron.bin : '',
      args: [repoRoot, `--data-dir=${data.dir}`],
      cwd: repoRoot,
      env: { ...process.env, ELECTRON_RENDERER_URL: '' },
    });
    page = await app.firstWindow();
    await page.getByRole('heading', { level: 1 }).first().waitFor();
    // Record what the app hands to the system browser instead of opening it.
    await app.evaluate(({ shell }) => {
      const opened: string[] = [];
      (globalThis as unknown as { opened: string[] }).opened = opened;
      shell.openExternal = async (url: string) => void opened.push(url);
    });
  }, 5 * 60_000);

  afterAll(async () => {
    await app?.close();
    data.cleanup();
  });

  const opened = (): Promise<string[]> => app.evaluate(() => (globalThis as unknown as { opened: string[] }).opened);

  it('loads the built renderer from its file and answers over IPC', async () => {
    expect(page.url().split('#')[0]).toBe(pathToFileURL(path.join(repoRoot, 'out', 'renderer', 'index.html')).href);
    const info = await page.evaluate(() => (globalThis as unknown as PageGlobals).lancer.invoke('app.info', {}));
    expect(info).toMatchObject({ ok: true, value: { transport: 'electron', dataDir: data.dir } });
  });

  it('exposes only invoke, on and watchLive, and no Node objects', async () => {
    const seen = await page.evaluate(() => {
      const g = globalThis as unknown as PageGlobals;
      return { keys: Object.keys(g.lancer), leaked: ['require', 'process', 'module', 'ipcRenderer', 'Buffer'].filter((n) => n in g) };
    });
    expect(seen).toEqual({ keys: ['invoke', 'on', 'watchLive'], leaked: [] });
  });

  it('refuses navigation away: the web goes to the system browser, another file nowhere', async () => {
    const before = page.url();
    await page.evaluate(() => {
      (globalThis as unknown as { location: { href: string } }).location.href = 'https://example.com/docs';
    });
    await expect.poll(opened).toEqual(['https://example.com/docs']);
    await page.evaluate(() => {
      (globalThis as unknown as { location: { href: string } }).location.href = 'file:///tmp/evil/index.html';
    });
    await page.waitForTimeout(500);
    expect(page.url()).toBe(before);
    expect(await opened()).toEqual(['https://example.com/docs']);
  });

  it('denies window.open', async () => {
    const windows = app.windows().length;
    const result = await page.evaluate(() => (globalThis as unknown as { open(url: string): unknown }).open('https://example.com/opened') === null);
    expect(result).toBe(true);
    expect(app.windows().length).toBe(windows);
    await expect.poll(opened).toContain('https://example.com/opened');
  });

  it('changes a setting through the window', async () => {
    await page.getByRole('link', { name: 'Settings', exact: true }).click();
    await page.getByLabel('Concurrent attempts').fill('3');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    const settings = await page.evaluate(() => (globalThis as unknown as PageGlobals).lancer.invoke('settings.get', {}));
    expect(settings).toMatchObject({ ok: true, value: { concurrency: 3 } });
  });
});
