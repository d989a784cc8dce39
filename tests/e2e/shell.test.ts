/**
 * The app in serve mode, driven by Debian's Chromium: every section navigates, the status bar
 * shows the Docker status and the data dir, and settings round-trip through the store.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launchChromium } from '../helpers/browser';
import { startTestServer, type TestServer } from '../helpers/workbench-server';

describe.skipIf(!hasChromium)('app shell in Chromium', () => {
  let t: TestServer;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    t = await startTestServer();
    browser = await launchChromium();
    page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(t.server.url);
    expect(errors).toEqual([]);
  });
  afterAll(async () => {
    await browser?.close();
    await t?.stop();
  });

  it('drops the token from the address bar once the cookie holds it', async () => {
    await page.waitForSelector('nav');
    expect(page.url()).not.toContain('token=');
  });

  it('navigates every section', async () => {
    for (const label of ['Tasks', 'Runs', 'Results', 'Images', 'Live', 'Settings']) {
      await page.getByRole('link', { name: label, exact: true }).click();
      await expect.poll(() => page.getAttribute('main', 'aria-label')).toBe(label);
      await page.getByRole('heading', { level: 1, name: label }).waitFor();
      expect(page.url()).toContain(`#/${label.toLowerCase()}`);
    }
  });

  it('shows the Docker status and the data dir in the status bar', async () => {
    const status = page.getByTestId('docker-status');
    await expect.poll(() => status.textContent()).not.toContain('checking');
    const text = (await status.textContent()) ?? '';
    const docker = await t.wb.refreshDockerStatus();
    expect(text).toContain(docker.ok ? `Docker ${docker.version}` : 'Docker unavailable');
    expect(await page.getByTestId('data-dir').textContent()).toContain(t.dataDir);
  });

  it('saves settings to the store and shows validation errors', async () => {
    await page.goto(`${t.base}/#/settings`);
    const field = page.getByLabel('Concurrent attempts');
    await field.fill('3');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    expect(t.wb.settings.get().concurrency).toBe(3);
    await field.fill('0');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').filter({ hasText: 'input.concurrency' }).waitFor();
    expect(t.wb.settings.get().concurrency).toBe(3);
  });

  it('keeps the section across a reload', async () => {
    await page.goto(`${t.base}/#/images`);
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Images' }).waitFor();
  });
});
