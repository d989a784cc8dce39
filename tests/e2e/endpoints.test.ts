/**
 * Settings › Model endpoints in Chromium against serve mode: add an endpoint with a key typed
 * into a password field, see it listed masked, test it against a scripted model server, edit it
 * without retyping the key, remove it. The key must never come back to the page.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launchChromium } from '../helpers/browser';
import { startScriptedModelServer, type ScriptedModelServer } from '../helpers/scripted-model-server';
import { startTestServer, type TestServer } from '../helpers/workbench-server';

const KEY = 'sk-e2e-SECRET-zyxwvutsrqponm-9876543210';

describe.skipIf(!hasChromium)('model endpoints in Settings', () => {
  let t: TestServer;
  let model: ScriptedModelServer;
  let browser: Browser;
  let page: Page;
  /** Every response body the page received, checked for the key at the end. */
  const bodies: string[] = [];

  beforeAll(async () => {
    model = await startScriptedModelServer({ script: [{ toolCalls: [{ name: 'ping', arguments: { reply: 'pong' } }] }], requireKey: KEY });
    // LANCER_RENDERER_DIR: a renderer built elsewhere, for a run while the shared out/ is rebuilt.
    t = await startTestServer({ rendererDir: process.env.LANCER_RENDERER_DIR });
    browser = await launchChromium();
    page = await browser.newPage();
    page.on('response', (r) => {
      if (r.url().includes('/api/invoke/')) void r.text().then((b) => bodies.push(b), () => undefined);
    });
    await page.goto(t.server.url);
    await page.getByRole('link', { name: 'Settings', exact: true }).click();
    await page.getByRole('heading', { level: 2, name: 'Model endpoints' }).waitFor();
  });
  afterAll(async () => {
    await browser?.close();
    await t?.stop();
    await model?.close();
  });

  const row = (p: Page, name: string) => p.locator(`tr[data-endpoint="${name}"]`);

  it('adds an endpoint with a stored key and lists it masked', async () => {
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    const form = page.getByRole('form', { name: 'Add endpoint' });
    await form.getByLabel('Name').fill('scripted');
    await form.getByLabel('Base URL').fill(model.url);
    await form.getByLabel('Model', { exact: true }).fill('scripted-model');
    await form.getByLabel('Protocol').selectOption('tools');
    await form.getByLabel('Output').fill('10');
    await form.getByLabel('Store a key').check();
    const keyInput = form.getByLabel('API key', { exact: true });
    expect(await keyInput.getAttribute('type')).toBe('password');
    await keyInput.fill(KEY);
    await form.getByRole('button', { name: 'Save endpoint' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved scripted.' }).waitFor();
    await expect.poll(() => row(page, 'scripted').textContent()).toContain('stored sk-…3210');
    expect(await row(page, 'scripted').textContent()).toContain('0 · 0 · 10');
    // The form is gone, and with it the typed key.
    expect(await page.locator('input[type="password"]').count()).toBe(0);
  });

  it('tests the endpoint and shows what answered', async () => {
    await row(page, 'scripted').getByRole('button', { name: 'Test' }).click();
    const result = page.getByRole('status', { name: 'test result of scripted' });
    await result.waitFor();
    const text = await result.textContent();
    expect(text).toMatch(/Answered in \d+ ms \(HTTP 200\)/);
    expect(text).toContain('a native tool call came back');
    expect(text).toContain('1 listed; the configured model is among them');
  });

  it('edits the endpoint without showing or needing the key again', async () => {
    await row(page, 'scripted').getByRole('button', { name: 'Edit' }).click();
    const form = page.getByRole('form', { name: 'Edit endpoint scripted' });
    expect(await form.getByLabel(/Keep the current key/).isChecked()).toBe(true);
    expect(await page.content()).not.toContain(KEY);
    await form.getByLabel('Context size (tokens, optional)').fill('8192');
    await form.getByRole('button', { name: 'Save endpoint' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved scripted.' }).waitFor();
    const [saved] = t.wb.endpoints.list();
    expect(saved).toMatchObject({ contextTokens: 8192, apiKey: { source: 'stored', masked: 'sk-…3210' } });
    expect(t.wb.endpoints.resolveEndpoint('scripted').apiKey).toBe(KEY);
  });

  it('shows a refused field by name', async () => {
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    const form = page.getByRole('form', { name: 'Add endpoint' });
    await form.getByLabel('Name').fill('bad');
    await form.getByLabel('Base URL').fill('ftp://example.com');
    await form.getByLabel('Model', { exact: true }).fill('m');
    await form.getByRole('button', { name: 'Save endpoint' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('input.baseUrl: must start with http:// or https://');
    await form.getByRole('button', { name: 'Cancel' }).click();
  });

  it('removes the endpoint', async () => {
    page.once('dialog', (d) => void d.accept());
    await row(page, 'scripted').getByRole('button', { name: 'Remove' }).click();
    await page.getByText('No endpoints yet.').waitFor();
    expect(t.wb.endpoints.list()).toEqual([]);
  });

  it('never sent the key back to the page', () => {
    expect(bodies.length).toBeGreaterThan(3);
    for (const b of bodies) expect(b).not.toContain(KEY);
  });
});
