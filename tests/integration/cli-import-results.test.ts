/**
 * `lancer import-results` end to end on a real SQLite file: an official results.csv becomes a
 * finished run, a bad file stores nothing and says where it is wrong.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../helpers/temp-dir';
import { repoRoot } from '../helpers/workbench-server';
import { Workbench } from '../../src/main/core/workbench';
import { lancerIn } from '../helpers/cli';

const { dir, cleanup } = makeTempDir('lancer-cli-import-results-');
const sampleCsv = path.join(repoRoot, 'resources/sample-benchmark/tasks.csv');
const fixtures = path.join(repoRoot, 'tests/fixtures/results');

const lancer = lancerIn(dir);

/** Runs in the store (the CLI lists none by itself). */
async function runCount(): Promise<number> {
  const wb = new Workbench({ dataDir: dir, version: 'test', transport: 'cli' });
  try {
    return wb.runs.listRuns().length;
  } finally {
    await wb.close();
  }
}

describe('lancer import-results', () => {
  beforeAll(() => {
    const imported = lancer('import', sampleCsv, '--name', 'Sample Bench');
    expect(imported.code, imported.stderr).toBe(0);
  });
  afterAll(() => cleanup());

  it('imports a results.csv as a finished run and prints its id and totals', () => {
    const r = lancer('import-results', path.join(fixtures, 'sample-3x3.csv'), '--dataset', 'sample-bench');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toMatch(/^Imported (run-\d{8}-\d{6}-[0-9a-f]{6}): 9 rows, 3 tasks × 3 attempts, 4 passed, earned \$2,500 of \$5,250$/);
    const runId = /(run-[\w-]+)/.exec(r.stdout)![1]!;
    const results = JSON.parse(lancer('results', runId, '--json').stdout) as {
      run: { status: string; manifest: { solver: { kind: string; label: string; rows: number }; attemptsPerTask: number } };
      attempts: { outcome: string }[];
    };
    expect(results.run.status).toBe('finished');
    expect(results.run.manifest.solver).toMatchObject({ kind: 'imported', label: 'sample-3x3.csv', rows: 9 });
    expect(results.run.manifest.attemptsPerTask).toBe(3);
    expect(results.attempts.filter((a) => a.outcome === 'passed')).toHaveLength(4);
    // Exported again, it is the same file, rows in order.
    const exported = lancer('export', runId, '--format', 'results.csv');
    expect(exported.stdout.split('\n').slice(1, 4)).toEqual(['9001,0,True,15234,812,0,250.0', '9001,1,False,14877,640,0,0.0', '9001,2,True,15020,701,0,250.0']);
  });

  it('prints { runId, rows, attemptsPerTask } with --json and takes the dataset by name and a label', () => {
    const r = lancer('import-results', path.join(fixtures, 'sample-3x3.csv'), '--dataset', 'Sample Bench', '--name', 'official gpt-4o', '--json');
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(Object.keys(out).sort()).toEqual(['attemptsPerTask', 'rows', 'runId']);
    expect(out).toMatchObject({ rows: 9, attemptsPerTask: 3 });
    const results = JSON.parse(lancer('results', out.runId as string, '--json').stdout) as { run: { manifest: { solver: { label: string } } } };
    expect(results.run.manifest.solver.label).toBe('official gpt-4o');
  });

  it('stops at a bad file, naming the rows and columns, and stores nothing', async () => {
    const before = await runCount();
    expect(before).toBe(2);
    const r = lancer('import-results', path.join(fixtures, 'bad-values.csv'), '--dataset', 'sample-bench');
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('lancer: bad-values.csv row 3, column correct: "maybe" is not True or False');
    expect(r.stderr).toContain('bad-values.csv row 5, column question_id: "9999" is not a task of dataset sample-bench (version 1)');
    expect(r.stderr).toContain('bad-values.csv rows 2 and 6: question_id "9001" with attempt_id 0 appears twice');
    expect(r.stderr).toContain('bad-values.csv row 7, column earned: "abc" is not a number');
    expect(await runCount()).toBe(before);
  });

  it('refuses missing arguments and an unknown dataset', () => {
    const noDataset = lancer('import-results', path.join(fixtures, 'sample-3x3.csv'));
    expect(noDataset.code).toBe(2);
    expect(noDataset.stderr).toContain('--dataset is required');
    const noFile = lancer('import-results', '--dataset', 'sample-bench');
    expect(noFile.code).toBe(2);
    const unknown = lancer('import-results', path.join(fixtures, 'sample-3x3.csv'), '--dataset', 'nope');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no dataset "nope"');
    const help = lancer('import-results', '--help');
    expect(help.stdout).toContain('correct=False for system errors too');
  });
});
