/**
 * Replay, compare and live screens in serve mode, driven by Debian's Chromium against real runs
 * of the sample benchmark in Docker: a gold run and a null run of task 9001 (one grading run
 * each), replayed from their real artifacts (the ffmpeg recording of the X display, the
 * Playwright trace, the test log); the two compared side by side with their divergence marked;
 * and a third run watched live while it grades.
 *
 * Skips when Chromium is missing, no Docker daemon answers, or the image
 * lancer-sample_9001:latest is absent (`lancer images build sample`).
 */
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importDataset } from '../../src/main/core/dataset/importer';
import { hasChromium, launchChromium } from '../helpers/browser';
import { canRunSample, ensureSampleImages, sampleCsv, sampleIssues } from '../helpers/sample-images';
import { startTestServer, type TestServer } from '../helpers/workbench-server';

const MINUTE = 60_000;

// Suites build the sample images themselves (a no-op when up to date), so a cold machine runs
// them rather than skipping; they skip only without Chromium, Docker or the sample benchmark.
const ready = hasChromium && (await canRunSample());

/** What the page's <video> says (no DOM types here: this file compiles for Node). */
type VideoProps = Record<'currentTime' | 'duration' | 'paused', number | boolean>;
type BenchWindow = { __lancerLiveFrames?: number[] };

/** A video's currentTime, duration, or paused (as 1 / 0). */
function videoProp(video: Locator, prop: keyof VideoProps): Promise<number> {
  return video.evaluate((v, p) => Number((v as unknown as VideoProps)[p]), prop);
}

describe.skipIf(!ready)('replay, compare and live in Chromium, on real runs', () => {
  let t: TestServer;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  let goldAttempt = '';
  let nullAttempt = '';

  /** Runs task 9001 with a solver to the end; returns its attempt id. */
  async function runTask(solver: { kind: 'gold' } | { kind: 'null' }): Promise<string> {
    const runId = await t.wb.engine.createRun({ datasetId: 'sample', taskIds: ['9001'], solver });
    await t.wb.engine.start(runId);
    const attempt = t.wb.runs.getRun(runId).attempts.find((a) => !a.retried);
    if (!attempt) throw new Error(`run ${runId} has no attempt`);
    return attempt.id;
  }

  beforeAll(async () => {
    await ensureSampleImages();
    t = await startTestServer();
    t.wb.settings.update({ testRuns: 1 });
    await importDataset(t.wb.datasets, { path: sampleCsv, issuesDir: sampleIssues, name: 'sample' });
    goldAttempt = await runTask({ kind: 'gold' });
    nullAttempt = await runTask({ kind: 'null' });
    expect(t.wb.runs.attempt(goldAttempt).state).toBe('passed');
    expect(t.wb.runs.attempt(nullAttempt).state).toBe('failed');
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(t.server.url);
    await page.waitForSelector('nav');
  }, 10 * MINUTE);

  afterAll(async () => {
    await browser?.close();
    await t?.stop();
  });

  it('replays the gold attempt: video, actions, seeking, scrubbing, playing, keys', async () => {
    await page.goto(`${t.base}/#/replay/${encodeURIComponent(goldAttempt)}`);
    await page.getByRole('heading', { level: 1, name: 'Replay' }).waitFor();
    expect(await page.getAttribute('main', 'aria-label')).toBe('Replay');
    await page.getByTestId('replay-verdict').filter({ hasText: 'Test passed' }).waitFor();
    expect(await page.getByTestId('replay-failure').count()).toBe(0);

    // The real recording loads and has a length.
    const video = page.getByTestId('replay-video');
    await expect.poll(() => videoProp(video, 'duration'), { timeout: 20_000 }).toBeGreaterThan(0);
    const duration = await videoProp(video, 'duration');

    // The trace's actions are listed, with their titles.
    const actions = page.getByTestId('replay-action');
    await expect.poll(() => actions.count()).toBeGreaterThan(5);
    expect(await actions.first().textContent()).toMatch(/\w+\.\w+/);

    // Clicking an action seeks the video to its moment and highlights it.
    const starts = await actions.evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-start'))));
    const target = starts.findIndex((s) => s > 0.3 && s < duration - 0.2);
    expect(target, `an action inside the video; starts ${starts.join(', ')}, video ${duration} s`).toBeGreaterThanOrEqual(0);
    const targetStart = starts[target] ?? 0;
    await actions.nth(target).click();
    await expect.poll(() => videoProp(video, 'currentTime')).toBeCloseTo(targetStart, 1);
    expect(await page.locator('.rp-action.selected [data-testid="replay-action"]').getAttribute('data-start')).toBe(targetStart.toFixed(3));
    expect(await page.locator('.rp-mark.selected').count()).toBe(1);

    // Scrubbing: a click three quarters along the range moves the video there.
    const scrubber = page.getByRole('slider', { name: 'Position' });
    const box = await scrubber.boundingBox();
    if (!box) throw new Error('the scrubber is not visible');
    await page.mouse.click(box.x + box.width * 0.75, box.y + box.height / 2);
    const max = Number(await scrubber.getAttribute('max'));
    await expect.poll(async () => Number(await scrubber.inputValue())).toBeGreaterThan(max * 0.6);
    const scrubbed = Number(await scrubber.inputValue());
    expect(scrubbed).toBeLessThan(max * 0.9);
    await expect.poll(() => videoProp(video, 'currentTime')).toBeCloseTo(Math.min(scrubbed, duration), 1);

    // Playing advances the video; space pauses it again.
    await actions.first().click();
    const from = await videoProp(video, 'currentTime');
    await page.getByRole('button', { name: 'Play', exact: true }).click();
    await expect.poll(() => videoProp(video, 'currentTime'), { timeout: 10_000 }).toBeGreaterThan(from + 0.3);
    await page.keyboard.press('Space');
    await page.getByRole('button', { name: 'Play', exact: true }).waitFor();
    expect(await videoProp(video, 'paused')).toBe(1);

    // Right arrow steps to the next action start.
    await actions.first().click();
    const first = starts[0] ?? 0;
    const next = starts.find((s) => s > Math.max(0, first) + 0.005) ?? 0;
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => videoProp(video, 'currentTime')).toBeCloseTo(Math.min(next, duration), 1);

    // The filmstrip shows real screencast frames from inside the trace zip.
    const thumb = page.locator('.rp-thumb img').first();
    await expect.poll(() => thumb.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth), { timeout: 10_000 }).toBeGreaterThan(0);

    // Network entries of the app under test; the test log behind its summary.
    await page.getByRole('tab', { name: /Network/ }).click();
    await expect.poll(() => page.locator('.rp-entries tbody tr').count()).toBeGreaterThan(0);
    await page.locator('.rp-log summary').click();
    expect(await page.locator('.rp-log pre').textContent()).toContain('1 passed');

    // Playwright's own trace viewer opens in a new window, served on the loopback.
    const [viewer] = await Promise.all([
      page.context().waitForEvent('page', { timeout: 30_000 }),
      page.getByRole('button', { name: 'Open in Playwright trace viewer' }).click(),
    ]);
    await viewer.waitForURL(/^http:\/\/127\.0\.0\.1:\d+\/trace-viewer\//, { timeout: 30_000 });
    // The viewer (served behind our token) loads the trace: its filmstrip shows frames.
    await viewer.locator('.film-strip-frame').first().waitFor({ timeout: 30_000 });
    await viewer.close();
    expect(pageErrors).toEqual([]);
  }, 2 * MINUTE);

  it('shows why the null attempt failed, and offers the gold attempt to compare with', async () => {
    await page.goto(`${t.base}/#/replay/${encodeURIComponent(nullAttempt)}`);
    const failure = page.getByTestId('replay-failure');
    await failure.waitFor();
    expect(await failure.textContent()).toContain('pressing Enter in the composer should send the message');
    expect(await failure.textContent()).toContain('exit code 1');

    const picker = page.getByRole('combobox', { name: 'Compare with' });
    // The gold attempt is offered (a retried try of either run would add more options).
    await expect.poll(() => picker.locator(`option[value="${goldAttempt}"]`).count(), { timeout: 15_000 }).toBe(1);
    await picker.selectOption(goldAttempt);
    await expect.poll(() => page.url()).toContain(`#/compare/${encodeURIComponent(nullAttempt)}/${encodeURIComponent(goldAttempt)}`);
    await page.getByRole('heading', { level: 1, name: 'Compare' }).waitFor();
    expect(pageErrors).toEqual([]);
  }, MINUTE);

  it('compares gold and null side by side: divergence marked, one clock for both videos', async () => {
    await page.goto(`${t.base}/#/compare/${encodeURIComponent(goldAttempt)}/${encodeURIComponent(nullAttempt)}`);
    await page.getByRole('heading', { level: 1, name: 'Compare' }).waitFor();
    const videoA = page.getByTestId('compare-video-A');
    const videoB = page.getByTestId('compare-video-B');
    await expect.poll(() => videoProp(videoA, 'duration'), { timeout: 20_000 }).toBeGreaterThan(0);
    await expect.poll(() => videoProp(videoB, 'duration'), { timeout: 20_000 }).toBeGreaterThan(0);

    // The two tests act alike until the null app fails to send the message: marked on both sides.
    const summary = page.getByTestId('divergence');
    await summary.waitFor();
    expect(await summary.textContent()).toMatch(/Actions first differ at step \d+/);
    expect(await page.getByTestId('divergence-mark').count()).toBe(2);
    expect(await page.locator('.rp-action.diverges').count()).toBeGreaterThanOrEqual(1);

    // Jump to divergence moves both videos to it.
    const markTimes = await page.locator('.cp-mark-note').allTextContents();
    expect(markTimes).toHaveLength(2);
    await page.getByRole('button', { name: 'Jump to divergence' }).click();
    const clock = Number(await page.getByRole('slider', { name: 'Position' }).inputValue());
    expect(clock).toBeGreaterThan(0);
    const durA = await videoProp(videoA, 'duration');
    const durB = await videoProp(videoB, 'duration');
    await expect.poll(() => videoProp(videoA, 'currentTime')).toBeCloseTo(Math.min(clock, durA), 1);
    await expect.poll(() => videoProp(videoB, 'currentTime')).toBeCloseTo(Math.min(clock, durB), 1);

    // One set of controls plays both.
    await page.getByRole('slider', { name: 'Position' }).focus();
    await page.keyboard.press('Home');
    await expect.poll(() => videoProp(videoA, 'currentTime')).toBeLessThan(0.05);
    await page.getByRole('button', { name: 'Play', exact: true }).click();
    await expect.poll(() => videoProp(videoA, 'currentTime'), { timeout: 10_000 }).toBeGreaterThan(0.3);
    await expect.poll(() => videoProp(videoB, 'currentTime'), { timeout: 10_000 }).toBeGreaterThan(0.3);
    const [a, b] = [await videoProp(videoA, 'currentTime'), await videoProp(videoB, 'currentTime')];
    expect(Math.abs(a - b)).toBeLessThan(0.4);
    await page.getByRole('button', { name: 'Pause', exact: true }).click();
    expect(pageErrors).toEqual([]);
  }, 2 * MINUTE);

  it('streams a running attempt live while it grades', async () => {
    const runId = await t.wb.engine.createRun({ datasetId: 'sample', taskIds: ['9002'], solver: { kind: 'null' } });
    const finished = t.wb.engine.start(runId);
    try {
      const attemptId = t.wb.runs.getRun(runId).attempts[0]?.id ?? '';
      await page.goto(`${t.base}/#/live`);
      await page.getByRole('heading', { level: 1, name: 'Live' }).waitFor();
      const tile = page.locator(`[data-testid="live-tile"][data-attempt-id="${attemptId}"]`);
      await tile.waitFor({ timeout: 60_000 });
      expect(await tile.textContent()).toContain('9002');

      // Distinct frames (each a new blob URL) while the attempt is in its grading phase.
      const thumb = tile.getByTestId('live-thumb');
      const seen = new Set<string>();
      const deadline = Date.now() + 3 * MINUTE;
      while (seen.size < 3 && Date.now() < deadline) {
        const state = t.wb.runs.attempt(attemptId).state;
        if (state !== 'queued' && state !== 'starting' && state !== 'setup' && state !== 'solving' && state !== 'grading') break;
        const src = await thumb.getAttribute('src').catch(() => null);
        if (state === 'grading' && src?.startsWith('blob:') && t.wb.runs.attempt(attemptId).state === 'grading') seen.add(src);
        await page.waitForTimeout(50);
      }
      expect(seen.size, `distinct frames seen while grading (attempt ended ${t.wb.runs.attempt(attemptId).state})`).toBeGreaterThanOrEqual(3);

      // The attempt leaves the grid when it ends.
      await finished;
      await tile.waitFor({ state: 'detached', timeout: 30_000 });
      expect(pageErrors).toEqual([]);
    } finally {
      t.wb.engine.cancel(runId);
      await finished.catch(() => undefined);
    }
  }, 5 * MINUTE);
  it('shows one attempt large with its frame rate, and streams nothing once nobody watches', async () => {
    // Three test runs keep this attempt grading long enough to look at it at leisure.
    t.wb.settings.update({ testRuns: 3 });
    const runId = await t.wb.engine.createRun({ datasetId: 'sample', taskIds: ['9002'], solver: { kind: 'null' } });
    t.wb.settings.update({ testRuns: 1 });
    const finished = t.wb.engine.start(runId);
    const attemptId = t.wb.runs.getRun(runId).attempts[0]?.id ?? '';
    const running = (): boolean => ['starting', 'setup', 'solving', 'grading'].includes(t.wb.runs.attempt(attemptId).state);
    try {
      await page.goto(`${t.base}/#/live`);
      const tile = page.locator(`[data-testid="live-tile"][data-attempt-id="${attemptId}"]`);
      await tile.waitFor({ timeout: 60_000 });
      await page.evaluate(() => {
        (globalThis as BenchWindow).__lancerLiveFrames = [];
      });
      await tile.click();
      await expect.poll(() => page.url()).toContain(`#/live/${encodeURIComponent(attemptId)}`);
      await page.getByRole('dialog').waitFor();

      // Every displayed frame's time is recorded for benchmarks, and the rate is measured.
      const frameTimes = (): Promise<number[]> => page.evaluate(() => (globalThis as BenchWindow).__lancerLiveFrames ?? []);
      await expect.poll(async () => (await frameTimes()).length, { timeout: 60_000 }).toBeGreaterThanOrEqual(10);
      const times = await frameTimes();
      expect(times.every((time, i) => i === 0 || time >= (times[i - 1] ?? 0))).toBe(true);
      await expect.poll(async () => Number.parseFloat((await page.getByTestId('live-fps').textContent()) ?? '0'), { timeout: 10_000 }).toBeGreaterThan(1);

      // The covered thumbnails stopped their stream: only the large view's capture runs.
      await expect.poll(() => t.wb.live.activeCaptures, { timeout: 10_000 }).toBe(1);
      await page.keyboard.press('Escape');
      await expect.poll(() => page.url()).toMatch(/#\/live$/);
      await page.getByRole('link', { name: 'Settings', exact: true }).click();
      await expect.poll(() => t.wb.live.activeCaptures, { timeout: 10_000 }).toBe(0);
      // Nobody watches, yet the attempt still runs: the capture stopped because of the page.
      expect(running()).toBe(true);
      expect(pageErrors).toEqual([]);
    } finally {
      t.wb.engine.cancel(runId);
      await finished.catch(() => undefined);
    }
  }, 5 * MINUTE);
});
