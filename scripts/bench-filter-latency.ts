/**
 * Filter latency of the task browser, measured in Chromium: for each keystroke typed into the
 * search box, the time from the key event to the first frame after the table re-rendered.
 *
 *   import { measureFilterLatency } from './bench-filter-latency';
 *   const { p50, p95 } = await measureFilterLatency({ url: server.url, keystrokes: 'expensify report' });
 *
 * How it measures, inside the page (no hook in the app is needed):
 *  - t0 is the keydown event's timestamp (when the browser received the key);
 *  - the table carries `data-filter-query`, which React sets in the same commit that renders the
 *    filtered rows, so a MutationObserver sees the commit for this keystroke's query;
 *  - the first requestAnimationFrame after that commit forces style and layout of the new rows
 *    (getBoundingClientRect), then t1 is read. t1 − t0 is the sample.
 *
 * Chromium is started with vsync and the frame-rate limit off, so "the next frame" comes as soon
 * as the main thread is free. With vsync on, every sample would also carry a wait for the
 * display's next refresh, uniform in 0–16.7 ms and independent of the app, which drowns the
 * thing being measured (an empty page already shows p95 ≈ 15 ms that way). Pass `vsync: true`
 * to measure with it anyway.
 */
import { chromium } from 'playwright-core';

export interface FilterLatencyOptions {
  /** A serve-mode URL with its token, e.g. `RunningServer.url`; the Tasks section must have rows. */
  url: string;
  /** Typed one at a time into the search box; one sample per character. */
  keystrokes: string;
  chromiumPath?: string;
  /** Keep the display's vsync (see above); default false. */
  vsync?: boolean;
  /** Also record this many untimed keystrokes first (warm-up), then clear the box; default 3. */
  warmup?: number;
}

export interface FilterLatencyResult {
  /** Milliseconds, one per keystroke, in typing order. */
  samples: number[];
  p50: number;
  p95: number;
}

/** The nearest-rank percentile of `values` (p in 0..100). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))] ?? NaN;
}

/**
 * Installed in the page: measures one keystroke at a time. Plain JavaScript in a string, so
 * what runs in the page is exactly this text (a TypeScript loader may add helpers to a
 * serialised function that do not exist in the page).
 */
const probeScript = `(() => {
  if (window.__lancerFilterProbe) return;
  const probe = { pending: null };
  window.__lancerFilterProbe = probe;
  const input = document.getElementById('task-search');
  const table = document.querySelector('[data-testid="task-table"]');
  if (!input || !table) throw new Error('the task browser is not on the page');
  input.addEventListener('keydown', (event) => {
    const t0 = event.timeStamp;
    probe.pending = new Promise((resolve) => {
      const observer = new MutationObserver(() => {
        // The commit for this keystroke: the table now shows the box's query.
        if (table.getAttribute('data-filter-query') !== input.value) return;
        observer.disconnect();
        requestAnimationFrame(() => {
          table.getBoundingClientRect();
          resolve(performance.now() - t0);
        });
      });
      observer.observe(table, { attributes: true, attributeFilter: ['data-filter-query'] });
    });
  }, { capture: true });
})()`;

const nextSampleScript = `(() => {
  const pending = window.__lancerFilterProbe && window.__lancerFilterProbe.pending;
  if (!pending) throw new Error('no keystroke was seen by the probe');
  return pending;
})()`;

/**
 * Opens `url` in Debian's Chromium, waits for the task table, types `keystrokes` into the
 * search box one at a time and returns the per-keystroke latencies with their p50 and p95.
 */
export async function measureFilterLatency(opts: FilterLatencyOptions): Promise<FilterLatencyResult> {
  const args = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-dev-shm-usage', '--no-first-run'];
  if (!opts.vsync) args.push('--disable-gpu-vsync', '--disable-frame-rate-limit');
  const browser = await chromium.launch({ executablePath: opts.chromiumPath ?? '/usr/bin/chromium', headless: true, args });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(opts.url);
    await page.locator('[data-testid="task-table"] tr.task-row').first().waitFor({ timeout: 60_000 });
    // The word index is built in the background after load; a person does not type within
    // that second, so measure the steady state (the table says when the index is ready).
    await page.locator('[data-testid="task-table"][data-search-index="ready"]').waitFor({ timeout: 60_000 });
    const search = page.locator('#task-search');
    await search.click();
    await search.fill('');
    await page.evaluate(probeScript);

    const type = async (key: string): Promise<number> => {
      await page.keyboard.type(key);
      return (await page.evaluate(nextSampleScript)) as number;
    };

    // Warm-up: let the JIT see the filter path once, then start from an empty box again.
    for (const key of opts.keystrokes.slice(0, opts.warmup ?? 3)) await type(key);
    await search.fill('');
    await page.waitForFunction(`document.querySelector('[data-testid="task-table"]').getAttribute('data-filter-query') === ''`);

    const samples: number[] = [];
    for (const key of opts.keystrokes) samples.push(await type(key));
    return { samples, p50: percentile(samples, 50), p95: percentile(samples, 95) };
  } finally {
    await browser.close();
  }
}
