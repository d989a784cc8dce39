/**
 * The desktop window's run flows on the Electron stand-in, with the real Docker daemon and the
 * sample benchmark: a null run of task 9001 started from the New run form and followed through
 * IPC events, its live screen watched over the IPC stream path (and a reload that must leave no
 * capture running in the container), and its replay, whose video and trace frames come through
 * the app's `lancer-artifact:` protocol handler, the video with Range requests.
 *
 * Skips when Chromium is missing, no Docker daemon answers, or the sample benchmark is absent
 * (under CI=true those fail instead); builds the sample images when they are out of date.
 */
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium } from '../helpers/browser';
import { launchBuiltApp, type RunningApp } from '../helpers/electron-stand-in/launch-app';
import { canRunSample, dockerCli, ensureSampleImages } from '../helpers/sample-images';

const MINUTE = 60_000;
const LIVE_FRAME = 'lancer:live-frame';
const ready = hasChromium && (await canRunSample());

type PageGlobals = { lancer: { invoke(channel: string, input: unknown): Promise<{ ok: boolean; value?: unknown }> } };

function attemptRow(page: Page, questionId: string): Locator {
  return page.locator(`tr.attempt-row[data-question-id="${questionId}"]`).last();
}

/** The ffmpeg live captures running in a run's container (their command lines carry the tag). */
function capturesInContainer(runId: string): number {
  const container = dockerCli(['ps', '-q', '--filter', `label=lancer.run=${runId}`])?.trim().split('\n')[0];
  if (!container) return 0;
  // The bracket keeps this shell's own command line from matching the pattern.
  const out = dockerCli(['exec', container, 'sh', '-c', "pgrep -f 'comment=lancer[-]live-' || true"]) ?? '';
  return out.trim() ? out.trim().split('\n').length : 0;
}

describe.skipIf(!ready)('the desktop window on the Electron stand-in: a null run, its live screen and its replay (real Docker)', () => {
  let app: RunningApp;
  let page: Page;
  const pageErrors: string[] = [];
  let runId = '';
  let attemptId = '';

  beforeAll(async () => {
    await ensureSampleImages();
    app = await launchBuiltApp();
    page = app.page;
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.getByRole('heading', { level: 1 }).first().waitFor();
    // Three test runs keep the attempt grading (its X display up) long enough to watch it: the
    // null solver fails each, so all three run (~20 s here). A gold run stops at its first pass,
    // which took 3.9 s on a fast day: over before the live screen was watched and reloaded.
    const updated = await page.evaluate(() => (globalThis as unknown as PageGlobals).lancer.invoke('settings.update', { testRuns: 3 }));
    expect(updated).toMatchObject({ ok: true, value: { testRuns: 3 } });
  }, 25 * MINUTE); // a cold machine builds the sample images first

  afterAll(async () => {
    if (runId) await page?.evaluate((id) => (globalThis as unknown as PageGlobals).lancer.invoke('runs.cancel', { runId: id }), runId).catch(() => undefined);
    await app?.stop();
  });

  it('starts a null run of 9001 from the New run form and follows it to grading', { timeout: 4 * MINUTE }, async () => {
    await page.getByRole('link', { name: 'Runs', exact: true }).click();
    const form = page.getByRole('form', { name: 'New run' });
    const openButton = page.getByRole('button', { name: 'New run' });
    await Promise.race([form.waitFor(), openButton.waitFor()]);
    if (!(await form.isVisible())) await openButton.click();
    await form.getByRole('combobox', { name: 'Dataset' }).selectOption('sample');
    await form.getByRole('textbox', { name: 'Question ids' }).fill('9001');
    await form.getByRole('radio', { name: /^Null/ }).check();
    await form.getByRole('button', { name: 'Start run' }).click();
    await expect.poll(() => /#\/runs\/([^/]+)/.exec(page.url())?.[1] ?? '', { timeout: 30_000 }).toMatch(/^run-/);
    runId = decodeURIComponent(/#\/runs\/([^/]+)/.exec(page.url())?.[1] ?? '');
    const row = attemptRow(page, '9001');
    await row.waitFor();
    attemptId = (await row.getAttribute('data-attempt-id')) ?? '';
    // The row moves on by the run events the main process pushes through webContents.send.
    await expect.poll(() => row.getAttribute('data-state'), { timeout: 3 * MINUTE, interval: 250 }).toBe('grading');
    expect(app.electron.windows[0]?.webContents.sent.filter((m) => m.channel === 'lancer:event' && m.tag === 'run.event').length).toBeGreaterThan(3);
  });

  it('streams the live screen over IPC, and a reload leaves no capture running', { timeout: 3 * MINUTE }, async () => {
    const contents = app.electron.windows[0]?.webContents;
    if (!contents) throw new Error('no window');
    await page.getByRole('link', { name: 'Live', exact: true }).click();
    const tile = page.locator(`[data-testid="live-tile"][data-attempt-id="${attemptId}"]`);
    await tile.waitFor({ timeout: 60_000 });
    const frames = (): number => contents.sent.filter((m) => m.channel === LIVE_FRAME).length;
    await expect.poll(frames, { timeout: 90_000 }).toBeGreaterThan(5);
    await expect.poll(() => tile.getByTestId('live-thumb').getAttribute('src')).toMatch(/^blob:/);
    expect(capturesInContainer(runId)).toBeGreaterThan(0);

    // A reload runs no React clean-up, so the page never unwatches: the main process must stop
    // the capture itself. The reloaded page opens Settings, which watches nothing.
    await page.evaluate(() => {
      const g = globalThis as unknown as { history: { replaceState(s: null, t: string, u: string): void }; location: { reload(): void } };
      g.history.replaceState(null, '', '#/settings');
      g.location.reload();
    });
    await page.getByRole('heading', { level: 1, name: 'Settings' }).waitFor();
    await expect.poll(() => capturesInContainer(runId), { timeout: 15_000, interval: 500 }).toBe(0);
    const settled = frames();
    await page.waitForTimeout(2_000);
    expect(frames()).toBe(settled);
    // …while the attempt itself still runs: the capture stopped because of the reload.
    const run = (await page.evaluate((id) => (globalThis as unknown as PageGlobals).lancer.invoke('runs.get', { runId: id }), runId)) as {
      value: { attempts: { id: string; state: string }[] };
    };
    expect(run.value.attempts.find((a) => a.id === attemptId)?.state).toBe('grading');
  });

  it('finishes failed with $0 of $250', { timeout: 5 * MINUTE }, async () => {
    await page.evaluate((hash) => {
      (globalThis as unknown as { location: { hash: string } }).location.hash = hash;
    }, `#/runs/${encodeURIComponent(runId)}`);
    await expect.poll(() => attemptRow(page, '9001').getAttribute('data-state'), { timeout: 5 * MINUTE, interval: 500 }).toBe('failed');
    attemptId = (await attemptRow(page, '9001').getAttribute('data-attempt-id')) ?? attemptId;
    await expect.poll(() => page.getByTestId('run-summary').getByTestId('earned-amount').textContent()).toBe('$0');
    expect(await page.getByTestId('run-summary').getByTestId('available-amount').textContent()).toBe('$250');
  });

  it('replays it: the video and trace frames come through the lancer-artifact protocol, the video with Range', { timeout: 2 * MINUTE }, async () => {
    await page.evaluate((hash) => {
      (globalThis as unknown as { location: { hash: string } }).location.hash = hash;
    }, `#/replay/${encodeURIComponent(attemptId)}`);
    await page.getByRole('heading', { level: 1, name: 'Replay' }).waitFor();
    const video = page.getByTestId('replay-video');
    expect(await video.getAttribute('src')).toMatch(/^lancer-artifact:\/\/a\/[0-9a-f]{64}$/);
    const videoProp = (prop: string): Promise<number> => video.evaluate((v, p) => Number((v as unknown as Record<string, unknown>)[p]), prop);
    await expect.poll(() => videoProp('duration'), { timeout: 20_000 }).toBeGreaterThan(0);

    // Seeking to an action moves the video there.
    const actions = page.getByTestId('replay-action');
    await expect.poll(() => actions.count(), { timeout: 30_000 }).toBeGreaterThan(3);
    const starts = await actions.evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-start'))));
    const duration = await videoProp('duration');
    const target = starts.findIndex((s) => s > 0.3 && s < duration - 0.2);
    expect(target).toBeGreaterThanOrEqual(0);
    await actions.nth(target).click();
    await expect.poll(() => videoProp('currentTime')).toBeCloseTo(starts[target] ?? 0, 1);

    const videoSrc = (await video.getAttribute('src')) ?? '';
    const videoRequests = app.electron.protocolRequests.filter((r) => r.url === videoSrc);
    expect(videoRequests.length).toBeGreaterThan(0);
    expect(videoRequests.every((r) => r.range?.startsWith('bytes=') && r.status === 206)).toBe(true);

    // The filmstrip's screencast frames are entries of the trace zip, served by the same handler.
    const thumb = page.locator('.rp-thumb img').first();
    await expect.poll(() => thumb.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth), { timeout: 10_000 }).toBeGreaterThan(0);
    const zipEntries = app.electron.protocolRequests.filter((r) => /^lancer-artifact:\/\/a\/[0-9a-f]{64}\/zip\//.test(r.url));
    expect(zipEntries.length).toBeGreaterThan(0);
    expect(zipEntries.every((r) => r.status === 200)).toBe(true);
    expect(pageErrors).toEqual([]);
  });
});
