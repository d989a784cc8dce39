/**
 * `lancer report` end to end: real gold and null runs of sample tasks in Docker (gold with two
 * attempts per task), compared with McNemar's p and drift; and an imported official results.csv
 * with three attempts per task whose pass@k is checked against the formula worked out here.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../src/shared/reports';
import { makeTempDir } from '../helpers/temp-dir';
import { canRunSample, ensureSampleImages, sampleCsv, sampleIssues } from '../helpers/sample-images';
import { repoRoot } from '../helpers/workbench-server';
import { lancerIn } from '../helpers/cli';

const MINUTE = 60_000;
const { dir, cleanup } = makeTempDir('lancer-cli-report-');
const TASKS = '9001,9101-manager-0';

const lancer = lancerIn(dir);

/** n choose k, by the definition (small numbers only): the test's own pass@k. */
function choose(n: number, k: number): number {
  if (k < 0 || k > n) return 0;
  let r = 1;
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
  return r;
}

const dockerOk = await canRunSample();

describe('lancer report', () => {
  beforeAll(async () => {
    const imported = lancer('import', sampleCsv, '--issues', sampleIssues, '--name', 'sample');
    expect(imported.code, imported.stderr).toBe(0);
    if (dockerOk) await ensureSampleImages();
  }, 10 * MINUTE);
  afterAll(() => cleanup());

  it.runIf(dockerOk)('compares a gold run with two attempts per task and a null run: matrix, McNemar, drift', () => {
    const gold = lancer('run', '--dataset', 'sample', '--tasks', TASKS, '--solver', 'gold', '--attempts', '2', '--concurrency', '2', '--json');
    expect(gold.code, gold.stderr).toBe(0);
    const goldRun = JSON.parse(gold.stdout) as { runId: string; tasks: number; attempts: number; passed: number };
    expect(goldRun).toMatchObject({ tasks: 2, attempts: 4, passed: 4 });
    const nul = lancer('run', '--dataset', 'sample', '--tasks', TASKS, '--solver', 'null', '--json');
    expect(nul.code, nul.stderr).toBe(0);
    const nullRun = JSON.parse(nul.stdout) as { runId: string };

    const out = lancer('report', goldRun.runId, nullRun.runId, '--json');
    expect(out.code, out.stderr).toBe(0);
    const report = JSON.parse(out.stdout) as Report;
    const [g, n] = report.runs;
    expect(g!.attemptsPerTask).toBe(2);
    expect(g!.summary).toMatchObject({ tasks: 2, attempts: 4, passed: 4, failed: 0, errors: 0, passRate: 1 });
    expect(g!.summary.passRateCI).toEqual([1, 1]);
    expect(g!.summary.earned).toBe(g!.summary.available);
    expect(g!.passAtK.map((p) => [p.k, p.passRate])).toEqual([
      [1, 1],
      [2, 1],
    ]);
    expect(g!.manager).toMatchObject({ decisions: 2, tasks: 1, accuracy: 1 });
    // Gold chooses the hired proposal: every choice sits where the hired one is.
    for (const p of g!.manager!.positionBias) expect(p.chosen).toBe(p.hired);
    expect(n!.summary).toMatchObject({ tasks: 2, attempts: 2, passed: 0, passRate: 0, earned: 0 });
    expect(n!.leftOnTableUsd).toBe(n!.summary.available);

    const c = report.compare!;
    expect(c).toMatchObject({ a: goldRun.runId, b: nullRun.runId, tasks: 2, bothPass: 0, onlyA: 2, onlyB: 0, neither: 0 });
    // Two discordant tasks, both one way: p = 2 × 0.5² = 0.5.
    expect(c.mcnemarP).toBeCloseTo(0.5, 12);
    expect(c.earnedDiff).toBe(g!.summary.earned);
    const drift = Object.fromEntries(c.drift.map((d) => [d.field, [d.a, d.b]]));
    expect(drift['solver.kind']).toEqual(['gold', 'null']);
    expect(drift.attemptsPerTask).toEqual(['2', '1']);

    const human = lancer('report', goldRun.runId, nullRun.runId);
    expect(human.stdout).toMatch(/only A 2 · only B 0 · neither 0 · McNemar exact p = 0\.500/);
    expect(human.stdout).toMatch(/solver\.kind: gold → null/);
  }, 8 * MINUTE);

  it('gives pass@k of an imported results.csv with three attempts per task by the unbiased formula', () => {
    const imported = lancer('import-results', path.join(repoRoot, 'tests/fixtures/results/sample-3x3.csv'), '--dataset', 'sample', '--json');
    expect(imported.code, imported.stderr).toBe(0);
    const { runId } = JSON.parse(imported.stdout) as { runId: string };
    const report = JSON.parse(lancer('report', runId, '--json').stdout) as Report;
    const r = report.runs[0]!;
    expect(r.solver).toMatch(/^imported /);
    // The fixture: 9001 passes 2 of 3 ($250), 9002 0 of 3 ($500), 9003 2 of 3 ($1,000).
    const tasks = [
      { n: 3, c: 2, price: 250 },
      { n: 3, c: 0, price: 500 },
      { n: 3, c: 2, price: 1000 },
    ];
    for (const k of [1, 2, 3]) {
      const perTask = tasks.map((t) => 1 - choose(t.n - t.c, k) / choose(t.n, k));
      const row = r.passAtK.find((p) => p.k === k)!;
      expect(row.passRate).toBeCloseTo(perTask.reduce((s, v) => s + v, 0) / tasks.length, 12);
      expect(row.earned).toBeCloseTo(perTask.reduce((s, v, i) => s + v * tasks[i]!.price, 0), 9);
      const hat = tasks.map((t) => choose(t.c, k) / choose(t.n, k));
      expect(r.passHatK.find((p) => p.k === k)!.passRate).toBeCloseTo(hat.reduce((s, v) => s + v, 0) / tasks.length, 12);
    }
    expect(r.cost.inputTokens).toBe(15234 + 20110 + 18002 + 14877 + 17650 + 15020 + 19876);
  });

  it('refuses an unknown run, naming it', () => {
    const out = lancer('report', 'run-nope');
    expect(out.code).not.toBe(0);
    expect(out.stderr).toMatch(/run-nope/);
  });
});
