/**
 * The desktop window as a desktop user runs it, on a machine without Electron's binary: the
 * app's built main process (out/main), preload (out/preload) and renderer (out/renderer) run
 * unchanged against the Electron stand-in (tests/helpers/electron-stand-in), the window being a
 * real Chromium page. Covers start-up, the IPC path (a CSV imported through the file dialog, a
 * setting changed and stored) and the window's security: sender checks, navigation and
 * window-open guards, the CSP, and what the preload exposes.
 *
 * The preload runs in subframes too here (as with nodeIntegrationInSubFrames), so a test can
 * make a call from a frame that is not the main frame and see the main process refuse it.
 * Skips only without Chromium (under CI=true that fails instead).
 */
import Database from 'better-sqlite3';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium } from '../helpers/browser';
import { launchBuiltApp, type RunningApp } from '../helpers/electron-stand-in/launch-app';
import { makeTempDir } from '../helpers/temp-dir';
import { repoRoot } from '../helpers/workbench-server';

const rendererUrl = pathToFileURL(path.join(repoRoot, 'out', 'renderer', 'index.html')).href;
const fixtureCsv = path.join(repoRoot, 'tests/fixtures/tasks-current.csv');
const fixtureIssues = path.join(repoRoot, 'tests/fixtures/issues');

/** What window.lancer looks like from the page (this file compiles without DOM types). */
type PageGlobals = Record<string, unknown> & { lancer: { invoke(channel: string, input: unknown): Promise<unknown> } };

describe.skipIf(!hasChromium)('the desktop window on the Electron stand-in (built main, preload and renderer)', () => {
  let app: RunningApp;
  const pageErrors: string[] = [];
  const evil = makeTempDir('lancer-evil-');

  beforeAll(async () => {
    app = await launchBuiltApp({ preloadInSubFrames: true });
    app.page.on('pageerror', (e) => pageErrors.push(e.message));
    await app.page.getByRole('heading', { level: 1 }).first().waitFor();
  }, 5 * 60_000); // builds out/ first when src/ is newer

  afterAll(async () => {
    await app?.stop();
    evil.cleanup();
  });

  it('opens one window with the security defaults and shows the built renderer from its file', () => {
    expect(app.electron.windows).toHaveLength(1);
    expect(app.window.options.webPreferences).toMatchObject({
      preload: path.join(repoRoot, 'out', 'preload', 'index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
    });
    // The window is created hidden and shown once its page is ready (no white flash).
    expect(app.window.options.show).toBe(false);
    expect((app.window as unknown as { isVisible(): boolean }).isVisible()).toBe(true);
    expect(app.page.url().split('#')[0]).toBe(rendererUrl);
    // The artifact scheme was registered before the app was ready, as Electron requires.
    expect(app.electron.privilegedSchemes).toEqual([expect.objectContaining({ scheme: 'lancer-artifact' })]);
  });

  it('talks to the main process over IPC, never HTTP', async () => {
    const info = await app.page.evaluate(() => (globalThis as unknown as PageGlobals).lancer.invoke('app.info', {}));
    expect(info).toEqual({ ok: true, value: { version: '0.1.0', dataDir: app.dataDir, transport: 'electron' } });
    // The status bar's Docker state arrived as an event pushed through webContents.send.
    // (Polled: the first ping of the daemon may still be on its way on a busy machine.)
    await expect.poll(() => app.electron.windows[0]?.webContents.sent.some((m) => m.channel === 'lancer:event' && m.tag === 'docker.status'), { timeout: 15_000 }).toBe(true);
    await app.page.getByRole('link', { name: 'Tasks', exact: true }).click();
    await app.page.locator('tr.task-row').first().waitFor();
    // Every request the page made, from its first load on, was for its own files: no /api/
    // calls, no WebSocket, no web. (Recorded by the stand-in's router: a listener added after
    // the load would see nothing once the page has prefetched its chunks.)
    const urls = app.electron.requestedUrls;
    expect(urls.length).toBeGreaterThan(0);
    expect(urls.filter((u) => !u.startsWith(pathToFileURL(path.join(repoRoot, 'out', 'renderer')).href))).toEqual([]);
  });

  it('imports a CSV chosen in the system file dialog, with progress events over IPC', async () => {
    const page = app.page;
    app.electron.answerNextOpenDialog({ canceled: false, filePaths: [fixtureCsv] });
    await page.getByRole('button', { name: 'Import…', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Import tasks' });
    await dialog.getByRole('button', { name: 'Choose…' }).click();
    await expect.poll(() => dialog.getByLabel('CSV file').inputValue()).toBe(fixtureCsv);
    expect(app.electron.dialogCalls).toEqual([{ title: 'Choose a SWE-Lancer task CSV', properties: ['openFile'], filters: [{ name: 'Files', extensions: ['csv'] }] }]);
    await dialog.getByLabel('Issues folder (optional)').fill(fixtureIssues);
    await dialog.getByRole('button', { name: 'Import', exact: true }).click();
    const result = dialog.getByTestId('import-result');
    await result.waitFor({ timeout: 60_000 });
    expect(await result.textContent()).toContain('Imported 6 tasks');
    await expect.poll(async () => Number(await dialog.getByTestId('import-progress').getAttribute('data-events'))).toBeGreaterThan(0);
    await dialog.getByRole('button', { name: 'Close' }).click();

    // A cancelled dialog leaves the field as it was.
    await page.getByRole('button', { name: 'Import…', exact: true }).click();
    await dialog.getByRole('button', { name: 'Choose…' }).click();
    await expect.poll(() => app.electron.dialogCalls.length).toBe(2);
    expect(await dialog.getByLabel('CSV file').inputValue()).toBe('');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
  });

  it('changes a setting through the window; the main process stores it in SQLite', async () => {
    const page = app.page;
    await page.getByRole('link', { name: 'Settings', exact: true }).click();
    await page.getByLabel('Concurrent attempts').fill('3');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    const db = new Database(path.join(app.dataDir, 'lancer.db'), { readonly: true });
    try {
      const row = db.prepare("SELECT value_json FROM settings WHERE key = 'concurrency'").get() as { value_json: string } | undefined;
      expect(row && JSON.parse(row.value_json)).toBe(3);
    } finally {
      db.close();
    }
    await page.reload();
    await expect.poll(() => page.getByLabel('Concurrent attempts').inputValue()).toBe('3');
  });

  it('exposes only the contract to the page: invoke, on and watchLive, frozen, and no Node or IPC objects', async () => {
    const seen = await app.page.evaluate(() => {
      const g = globalThis as unknown as PageGlobals;
      return {
        keys: Object.keys(g.lancer),
        frozen: Object.isFrozen(g.lancer),
        types: Object.values(g.lancer).map((v) => typeof v),
        leaked: ['require', 'process', 'module', 'electron', 'ipcRenderer', 'contextBridge', 'Buffer'].filter((name) => name in g),
        // The stand-in's own pipe for webContents.send (Electron's is internal) is not the app's.
        internals: Object.getOwnPropertyNames(g).filter((name) => /ipc|electron/i.test(name) && !name.startsWith('__electronDeliver_')),
      };
    });
    expect(seen).toEqual({ keys: ['invoke', 'on', 'watchLive'], frozen: true, types: ['function', 'function', 'function'], leaked: [], internals: [] });
  });

  // eval is not checked: code the test evaluates through the DevTools protocol is exempt from it.
  it('applies the renderer CSP: no inline script, no connections to the web', async () => {
    const verdict = await app.page.evaluate(async () => {
      const g = globalThis as unknown as Record<string, unknown> & {
        document: { createElement(tag: string): Record<string, unknown>; head: { append(el: unknown): void }; addEventListener(type: string, fn: (e: { violatedDirective: string }) => void): void };
      };
      const violations: string[] = [];
      g.document.addEventListener('securitypolicyviolation', (e) => violations.push(e.violatedDirective));
      const script = g.document.createElement('script');
      script.textContent = 'globalThis.__inlineRan = true';
      g.document.head.append(script);
      const fetched = await fetch('https://example.com/').then(
        () => true,
        () => false,
      );
      await new Promise((resolve) => setTimeout(resolve, 100));
      return { inlineRan: g.__inlineRan === true, fetched, violations };
    });
    expect(verdict).toMatchObject({ inlineRan: false, fetched: false });
    expect(verdict.violations).toEqual(expect.arrayContaining(['script-src-elem', 'connect-src']));
  });

  it('refuses to navigate to a web page and hands it to the system browser', async () => {
    const before = app.page.url();
    await app.page.evaluate(() => {
      (globalThis as unknown as { location: { href: string } }).location.href = 'https://example.com/docs';
    });
    await expect.poll(() => app.electron.openedExternally).toEqual(['https://example.com/docs']);
    await app.page.waitForTimeout(300);
    expect(app.page.url()).toBe(before);
    expect(await app.page.getByRole('heading', { level: 1, name: 'Settings' }).isVisible()).toBe(true);
  });

  it('refuses to navigate to another index.html on disk, and does not open it anywhere', async () => {
    // A page that would get the app's preload (and so its IPC) if the window went there.
    const evilPage = path.join(evil.dir, 'evil', 'index.html');
    mkdirSync(path.dirname(evilPage), { recursive: true });
    writeFileSync(evilPage, '<!doctype html><title>evil</title><h1>not the workbench</h1>');
    const before = app.page.url();
    const externalBefore = app.electron.openedExternally.length;
    await app.page.evaluate((url) => {
      (globalThis as unknown as { location: { href: string } }).location.href = url;
    }, pathToFileURL(evilPage).href);
    await app.page.waitForTimeout(500);
    expect(app.page.url()).toBe(before);
    expect(await app.page.title()).toBe('Lancer Workbench');
    // Only http(s) leaves the app: a file URL is dropped, not handed to the system.
    expect(app.electron.openedExternally.length).toBe(externalBefore);
  });

  it('denies window.open and sends the link to the system browser instead', async () => {
    const pagesBefore = app.electron.context?.pages().length;
    await app.page.evaluate(() => {
      (globalThis as unknown as { open(url: string): unknown }).open('https://example.com/opened');
    });
    await expect.poll(() => app.electron.windowOpens).toEqual([{ url: 'https://example.com/opened', action: 'deny' }]);
    await expect.poll(() => app.electron.context?.pages().length).toBe(pagesBefore);
    expect(app.electron.openedExternally.at(-1)).toBe('https://example.com/opened');
    expect(app.electron.windows).toHaveLength(1);
  });

  it('refuses calls from a frame that is not the main frame', async () => {
    await app.page.evaluate(() => {
      const d = (globalThis as unknown as { document: { createElement(t: string): Record<string, unknown>; body: { append(e: unknown): void } } }).document;
      const frame = d.createElement('iframe');
      frame.srcdoc = '<p>a subframe</p>';
      frame.name = 'sub';
      d.body.append(frame);
    });
    const sub = await expect.poll(() => app.page.frame({ name: 'sub' })).toBeTruthy().then(() => app.page.frame({ name: 'sub' }));
    if (!sub) throw new Error('no subframe');
    await sub.waitForLoadState('load');
    // The same bridge, the same channel: only the frame differs.
    const fromSub = await sub.evaluate(() => (globalThis as unknown as PageGlobals).lancer.invoke('app.info', {}));
    expect(fromSub).toEqual({ ok: false, error: { code: 'invalid_input', message: 'call from an unknown sender' } });
    const fromMain = await app.page.evaluate(() => (globalThis as unknown as PageGlobals).lancer.invoke('app.info', {}));
    expect(fromMain).toMatchObject({ ok: true });
  });

  it('raised no page errors', () => {
    expect(pageErrors).toEqual([]);
  });
});
