/**
 * `npm run bench:report`: the analytics over a synthetic ledger of 1,488 tasks × 10 attempts
 * (imported as an official results.csv into a real SQLite store), with 2,000 bootstrap
 * resamples. Measures (1) the time to compute the report of one run and of two runs compared,
 * and (2) the time to draw the analytics page in Chromium, from navigation to the charts on
 * screen. Goals: under 300 ms and under 1 s.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { importDataset } from '../src/main/core/dataset/importer';
import { importResults } from '../src/main/core/reports/import-results';
import { createReport } from '../src/main/core/reports/report-service';
import { createRng } from '../src/main/core/reports/stats';
import { Workbench } from '../src/main/core/workbench';
import { openBenchPage } from './bench-page';
import { makeTempDir } from '../tests/helpers/temp-dir';

const root = path.resolve(import.meta.dirname, '..');
const lite = path.resolve(root, '../shared/data/swelancer/swelancer_tasks_lite.csv');
const source = existsSync(lite) ? lite : path.join(root, 'tests/fixtures/tasks-legacy.csv');
const TASKS = 1488;
const ATTEMPTS = 10;
const RESAMPLES = 2000;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const ms = (n: number): string => `${n.toFixed(0)} ms`;

/** The source's rows repeated with fresh question ids until there are `count`. */
function repeatTasks(count: number): { csv: string; ids: string[]; prices: number[] } {
  const [header, ...rows] = parse(readFileSync(source), { bom: true, relax_column_count: true }) as string[][];
  const idCol = header!.indexOf('question_id');
  const priceCol = header!.indexOf('price');
  const out: string[][] = [header!];
  const ids: string[] = [];
  const prices: number[] = [];
  for (let i = 0; out.length <= count; i++) {
    const row = [...rows[i % rows.length]!];
    row[idCol] = `${row[idCol]}-r${Math.floor(i / rows.length)}`;
    ids.push(row[idCol]!);
    prices.push(Number(row[priceCol]));
    out.push(row);
  }
  return { csv: stringify(out), ids, prices };
}

/** An official results.csv: each task has its own pass chance, each attempt its own draw. */
function syntheticResults(ids: string[], prices: number[], seed: number): string {
  const rng = createRng(seed);
  const lines = ['question_id,attempt_id,correct,input_tokens,output_tokens,reasoning_tokens,earned'];
  ids.forEach((id, t) => {
    const chance = rng() ** 2; // most tasks hard, a few easy, as in the paper
    for (let a = 0; a < ATTEMPTS; a++) {
      const pass = rng() < chance;
      lines.push(`${id},${a},${pass ? 'True' : 'False'},${20_000 + Math.floor(rng() * 80_000)},${Math.floor(rng() * 8000)},0,${pass ? prices[t]!.toFixed(1) : '0.0'}`);
    }
  });
  return lines.join('\n') + '\n';
}

async function main(): Promise<void> {
  const { dir, cleanup } = makeTempDir('lancer-bench-report-');
  const wb = new Workbench({ dataDir: dir, version: 'bench', transport: 'serve' });
  try {
    const tasks = repeatTasks(TASKS);
    writeFileSync(path.join(dir, 'tasks.csv'), tasks.csv);
    await importDataset(wb.datasets, { path: path.join(dir, 'tasks.csv'), name: 'bench' });
    const runIds = [1, 2].map((seed) => {
      const file = path.join(dir, `results-${seed}.csv`);
      writeFileSync(file, syntheticResults(tasks.ids, tasks.prices, seed));
      return importResults({ datasets: wb.datasets, runs: wb.runs, appVersion: 'bench' }, { datasetId: 'bench', path: file, label: `synthetic ${seed}` }).runId;
    });
    const rows = (wb.db.prepare('SELECT count(*) AS n FROM attempts').get() as { n: number }).n;
    console.log(`ledger: ${TASKS} tasks × ${ATTEMPTS} attempts in each of 2 runs (${rows} attempt rows), ${RESAMPLES} bootstrap resamples`);

    const time = (ids: string[]): number => {
      const started = performance.now();
      createReport(wb, { runIds: ids, resamples: RESAMPLES });
      return performance.now() - started;
    };
    time(runIds); // warm up (JIT, SQLite page cache)
    const one = Array.from({ length: 7 }, () => time([runIds[0]!]));
    const two = Array.from({ length: 7 }, () => time(runIds));
    console.log(`report of one run:           median ${ms(median(one))} (min ${ms(Math.min(...one))}, max ${ms(Math.max(...one))})  goal < 300 ms: ${median(one) < 300 ? 'met' : 'NOT met'}`);
    console.log(`report of two runs compared: median ${ms(median(two))} (min ${ms(Math.min(...two))}, max ${ms(Math.max(...two))})`);

    if (!process.argv.includes('--compute-only')) await drawPage(wb, runIds);
  } finally {
    await wb.close();
    cleanup();
  }
}

/**
 * True once there are more than `atLeast` chart figures, every one holds its drawn chart (Plot
 * draws in an effect), and, with `compare`, the compare view is there. A function, not a string:
 * the page's CSP forbids eval. One selector query per frame on purpose: a text locator
 * (`getByText`) walks every node's text on each check, ~70 ms of the page's main thread over a
 * click on this 13,000-node page, which the bench would then count as the page's own time.
 */
function chartsDrawn({ atLeast, compare }: { atLeast: number; compare: boolean }): boolean {
  // Runs in the page; this script is compiled without the DOM's types.
  const { document } = globalThis as unknown as { document: { querySelector(selector: string): unknown; querySelectorAll(selector: string): Iterable<{ firstElementChild: unknown }> } };
  if (compare && document.querySelector('section.compare') === null) return false;
  const holders = [...document.querySelectorAll('.plot-holder')];
  return holders.length > atLeast && holders.every((h) => h.firstElementChild !== null);
}

/**
 * The analytics page in Chromium. One run: a fresh load of #/results (the newest finished run is
 * picked by itself) until every chart is drawn, timed from the navigation's start. Two runs: the
 * click that picks the second one until the report, the compare view and every chart are drawn.
 */
async function drawPage(wb: Workbench, runIds: string[]): Promise<void> {
  const { page, base, close } = await openBenchPage(wb, root);
  try {
    const one: number[] = [];
    const two: number[] = [];
    for (let i = 0; i < 6; i++) {
      await page.goto('about:blank');
      await page.goto(`${base}#/results`);
      await page.waitForFunction(chartsDrawn, { atLeast: 0, compare: false }, { timeout: 60_000, polling: 'raf' });
      one.push(await page.evaluate(() => performance.now())); // ms since this navigation started
      const figuresBefore = await page.locator('.plot-holder').count();
      const clicked = await page.evaluate(() => performance.now());
      await page.getByLabel(`Pick run ${runIds[0]}`).check();
      await page.waitForFunction(chartsDrawn, { atLeast: figuresBefore, compare: true }, { timeout: 60_000, polling: 'raf' });
      two.push((await page.evaluate(() => performance.now())) - clicked);
    }
    // The first load pays for the cold renderer bundle and SQLite cache: reported apart.
    const warm = (xs: number[]): number[] => xs.slice(1);
    console.log(`analytics page, 1 run: navigation to every chart drawn median ${ms(median(warm(one)))} (first load ${ms(one[0]!)})  goal < 1 s: ${median(warm(one)) < 1000 ? 'met' : 'NOT met'}`);
    console.log(`analytics page, picking a 2nd run: click to compare view and every chart drawn median ${ms(median(warm(two)))} (first ${ms(two[0]!)})  goal < 1 s: ${median(warm(two)) < 1000 ? 'met' : 'NOT met'}`);
  } finally {
    await close();
  }
}

await main();
