import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { UsageSummary } from '../../../shared/agents';
import type { AttemptOutcome, RunManifest, RunView } from '../../../shared/runs';
import { AppError } from '../../../shared/result';
import { makeTempDir } from '../../../../tests/helpers/temp-dir';
import { importDataset } from '../dataset/importer';
import { dispatch } from '../handlers/dispatch';
import { createHandlers } from '../handlers/handlers';
import { Workbench } from '../workbench';
import { importResults, type ImportResultsInput } from './import-results';
import { runsToResultsCsv } from './results-csv';

const root = path.resolve(import.meta.dirname, '../../../..');
const sampleCsv = path.join(root, 'resources/sample-benchmark/tasks.csv');
const fixtures = path.join(root, 'tests/fixtures/results');
const HEADER = 'question_id,attempt_id,correct,input_tokens,output_tokens,reasoning_tokens,earned';

describe('importing a results.csv', () => {
  let wb: Workbench;
  let dir: string;
  let cleanup: () => void;

  beforeEach(async () => {
    ({ dir, cleanup } = makeTempDir('lancer-import-results-'));
    wb = new Workbench({ dataDir: dir, version: '9.8.7', transport: 'cli' });
    // Sample prices: 9001 $250, 9002 $500, 9003 $1,000.
    await importDataset(wb.datasets, { path: sampleCsv, name: 'sample' });
  });
  afterEach(async () => {
    await wb.close();
    cleanup();
  });

  const run = (input: Omit<ImportResultsInput, 'datasetId'> & { datasetId?: string }) =>
    importResults({ datasets: wb.datasets, runs: wb.runs, appVersion: wb.options.version }, { datasetId: 'sample', ...input });
  const csv = (...rows: string[]): string => [HEADER, ...rows].join('\n') + '\n';
  /** The error an import throws (and that nothing was stored because of it). */
  const failure = (content: string): AppError => {
    const before = wb.runs.listRuns().length;
    let caught: unknown;
    try {
      run({ content });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(AppError);
    expect(wb.runs.listRuns()).toHaveLength(before);
    return caught as AppError;
  };

  it('imports 3 tasks × 3 attempts as a finished run with the known totals', () => {
    const file = path.join(fixtures, 'sample-3x3.csv');
    const outcome = run({ path: file });
    expect(outcome).toEqual({ runId: expect.stringMatching(/^run-\d{8}-\d{6}-[0-9a-f]{6}$/) as string, rows: 9, attemptsPerTask: 3 });
    const detail = wb.runs.getRun(outcome.runId);
    expect(detail.status).toBe('finished');
    expect(detail.finishedAt).not.toBeNull();
    expect(detail.tally).toMatchObject({ tasks: 3, passed: 4, failed: 5, timeout: 0, error: 0, pending: 0, earned: 2500, available: 5250 });
    expect(detail.solver).toEqual({
      kind: 'imported',
      file,
      sha256: createHash('sha256').update(readFileSync(file)).digest('hex'),
      rows: 9,
      label: 'sample-3x3.csv',
    });
    expect(detail.manifest).toMatchObject({
      appVersion: '9.8.7',
      dataset: { id: 'sample', version: 1 },
      taskIds: ['9001', '9002', '9003'],
      images: {},
      profile: {},
      timeoutsSec: { setup: 0, solve: 0, grade: 0 },
      testRuns: 0,
      attemptsPerTask: 3,
      maxRetries: 0,
      concurrency: 1,
      limits: { cpus: 0, memoryMb: 0, shmMb: 0 },
      host: { platform: process.platform, node: process.version, docker: null },
    });
    expect(detail.manifest.dataset.contentHash).toBe(wb.datasets.listDatasets()[0]!.contentHash);

    const a = detail.attempts;
    expect(a).toHaveLength(9);
    expect(a.every((x) => x.tryIndex === 0 && !x.retried && x.finishedAt !== null && x.image === 'imported')).toBe(true);
    const first = a.find((x) => x.questionId === '9002' && x.attemptIndex === 0)!;
    expect(first).toMatchObject({ state: 'failed', price: 500, earned: 0 });
    expect(first.usage).toEqual({ requests: 0, inputTokens: 20110, cachedTokens: 0, outputTokens: 1430, reasoningTokens: 256, costUsd: 0, estimated: false });
    // A row with no tokens has no usage at all.
    expect(a.find((x) => x.questionId === '9002' && x.attemptIndex === 1)!.usage).toBeNull();
    expect(detail.usage).toMatchObject({ inputTokens: 15234 + 20110 + 18002 + 14877 + 17650 + 15020 + 19876 });
  });

  it('gives back, after an export and an import, the attempts it exported', () => {
    const usage = (input: number, output: number, reasoning: number): UsageSummary => ({
      requests: 0, inputTokens: input, cachedTokens: 0, outputTokens: output, reasoningTokens: reasoning, costUsd: 0, estimated: false,
    });
    const attempts: { questionId: string; attemptIndex: number; state: AttemptOutcome; price: number; earned: number; usage: UsageSummary | null }[] = [
      { questionId: '9001', attemptIndex: 0, state: 'passed', price: 250, earned: 250, usage: usage(1200, 80, 16) },
      { questionId: '9001', attemptIndex: 1, state: 'failed', price: 250, earned: 0, usage: null },
      { questionId: '9101-manager-0', attemptIndex: 0, state: 'passed', price: 1000, earned: 1000, usage: usage(5, 0, 0) },
      { questionId: '9101-manager-0', attemptIndex: 1, state: 'failed', price: 1000, earned: 0, usage: usage(0, 0, 7) },
    ];
    const dataset = wb.datasets.listDatasets()[0]!;
    const manifest: RunManifest = {
      appVersion: 'test', createdAt: '', taskIds: ['9001', '9101-manager-0'], images: {}, profile: {}, solver: { kind: 'gold' },
      dataset: { id: 'sample', versionId: dataset.versionId, version: dataset.version, contentHash: dataset.contentHash },
      timeoutsSec: { setup: 1, solve: 1, grade: 1 }, testRuns: 1, attemptsPerTask: 2, maxRetries: 0, concurrency: 1,
      limits: { cpus: 1, memoryMb: 1, shmMb: 1 }, host: { platform: 'linux', arch: 'x64', node: 'v20', docker: null },
    };
    wb.runs.insertFinishedRun(
      { id: 'run-original', datasetId: 'sample', versionId: dataset.versionId, solver: { kind: 'gold' }, manifest, at: new Date().toISOString() },
      attempts.map((x) => ({ ...x, image: 'lancer-sample_9001:latest' })),
    );
    const exported = runsToResultsCsv(wb.runs.getRun('run-original').attempts);
    const { runId, rows, attemptsPerTask } = run({ content: exported, label: 'round trip' });
    expect({ rows, attemptsPerTask }).toEqual({ rows: 4, attemptsPerTask: 2 });
    const shape = (id: string) =>
      wb.runs.getRun(id).attempts.map((x) => ({ q: x.questionId, i: x.attemptIndex, state: x.state, price: x.price, earned: x.earned, usage: x.usage ?? null }));
    expect(shape(runId)).toEqual(shape('run-original'));
    expect(wb.runs.getRun(runId).solver).toMatchObject({ kind: 'imported', file: 'round trip', label: 'round trip', rows: 4 });
    // And the imported run exports the same file again.
    expect(runsToResultsCsv(wb.runs.getRun(runId).attempts)).toBe(exported);
  });

  it('imports a system error as a failure: the official file writes False for both', () => {
    const { runId } = run({ content: csv('9001,0,False,0,0,0,0.0') });
    expect(wb.runs.getRun(runId).attempts[0]).toMatchObject({ state: 'failed', earned: 0 });
  });

  it('accepts True/False, true/false and 1/0, extra columns in any order, and a BOM and CRLF', () => {
    const content =
      '\ufeffnote,earned,correct,question_id,attempt_id,reasoning_tokens,output_tokens,input_tokens\r\n' +
      'a,250.0,True,9001,0,0,0,0\r\nb,0,false,9002,0,0,0,0\r\nc,1000,1,9003,0,0,0,0\r\nd,0.0,0,9003,1,0,0,0\r\n';
    const { runId, attemptsPerTask } = run({ content });
    expect(attemptsPerTask).toBe(2);
    expect(wb.runs.getRun(runId).tally).toMatchObject({ tasks: 3, passed: 2, failed: 2, earned: 1250 });
  });

  it('labels the run with the file name by default, or the name given', () => {
    const file = path.join(dir, 'gpt-4o results.csv');
    writeFileSync(file, csv('9001,0,True,0,0,0,250.0'));
    expect(wb.runs.getRun(run({ path: file }).runId).solver).toMatchObject({ label: 'gpt-4o results.csv', file });
    expect(wb.runs.getRun(run({ path: file, label: 'GPT-4o, official' }).runId).solver).toMatchObject({ label: 'GPT-4o, official' });
    expect(wb.runs.getRun(run({ content: csv('9001,0,True,0,0,0,250.0') }).runId).solver).toMatchObject({ label: 'results.csv', file: 'results.csv' });
  });

  it('names the row (the header is row 1) and the column of every bad value', () => {
    const cases: [string, string][] = [
      ['9999,0,True,0,0,0,0.0', 'results.csv row 2, column question_id: "9999" is not a task of dataset sample (version 1)'],
      [',0,True,0,0,0,0.0', 'results.csv row 2, column question_id: "" is empty'],
      ['9001,-1,True,0,0,0,250.0', 'results.csv row 2, column attempt_id: "-1" is not a non-negative integer'],
      ['9001,1.5,True,0,0,0,250.0', 'results.csv row 2, column attempt_id: "1.5" is not a non-negative integer'],
      ['9001,0,yes,0,0,0,250.0', 'results.csv row 2, column correct: "yes" is not True or False'],
      ['9001,0,True,x,0,0,250.0', 'results.csv row 2, column input_tokens: "x" is not a non-negative integer'],
      ['9001,0,True,0,-3,0,250.0', 'results.csv row 2, column output_tokens: "-3" is not a non-negative integer'],
      ['9001,0,True,0,0,,250.0', 'results.csv row 2, column reasoning_tokens: "" is not a non-negative integer'],
      ['9001,0,True,0,0,0,abc', 'results.csv row 2, column earned: "abc" is not a number'],
      ['9001,0,True,0,0,0,', 'results.csv row 2, column earned: "" is not a number'],
      ['9001,0,True,0,0,0,nan', 'results.csv row 2, column earned: "nan" is not a number'],
      ['9001,0,True,0,0,0,Infinity', 'results.csv row 2, column earned: "Infinity" is not a number'],
      ['9001,0,True,0,0,0,-1.0', 'results.csv row 2, column earned: "-1.0" is negative'],
      ['9001,0,True,0,0,0,250.5', `results.csv row 2, column earned: "250.5" is more than the task's price (250)`],
      ['9001,0,True', 'results.csv row 2, column input_tokens: "" is not a non-negative integer'],
    ];
    for (const [row, message] of cases) {
      const error = failure(csv(row));
      expect(error.code).toBe('invalid_input');
      expect(error.message.split('\n')).toContain(message);
    }
  });

  it('counts rows as a spreadsheet does, and lists every problem of the file', () => {
    const error = failure(readFileSync(path.join(fixtures, 'bad-values.csv'), 'utf8'));
    expect(error.message.split('\n')).toEqual([
      'results.csv row 3, column correct: "maybe" is not True or False',
      'results.csv row 4, column attempt_id: "-1" is not a non-negative integer',
      'results.csv row 5, column question_id: "9999" is not a task of dataset sample (version 1)',
      'results.csv rows 2 and 6: question_id "9001" with attempt_id 0 appears twice',
      'results.csv row 7, column earned: "abc" is not a number',
    ]);
  });

  it('names the file given by path', () => {
    expect(() => run({ path: path.join(fixtures, 'bad-values.csv') })).toThrow(/^bad-values\.csv row 3, column correct/);
    expect(() => run({ path: path.join(dir, 'nope.csv') })).toThrow(/nope\.csv: no such file/);
  });

  it('refuses a file without a column it needs, an empty file and a header alone', () => {
    expect(failure('question_id,attempt_id,correct,input_tokens,output_tokens,earned\n9001,0,True,0,0,250.0\n').message).toBe(
      'results.csv: missing column reasoning_tokens',
    );
    expect(failure('question_id,attempt_id\n9001,0\n').message).toBe(
      'results.csv: missing columns correct, input_tokens, output_tokens, reasoning_tokens, earned',
    );
    expect(failure('').message).toMatch(/^results\.csv: the file is empty/);
    expect(failure(`${HEADER}\n`).message).toBe('results.csv: no rows, only the header');
    expect(failure(`${HEADER}\n\n\n`).message).toBe('results.csv: no rows, only the header');
  });

  it('refuses an unknown dataset, and finds one by name too', async () => {
    expect(() => run({ datasetId: 'nope', content: csv('9001,0,True,0,0,0,250.0') })).toThrow('no dataset "nope"');
    await importDataset(wb.datasets, { path: sampleCsv, name: 'Sample Copy' });
    const { runId } = run({ datasetId: 'Sample Copy', content: csv('9001,0,True,0,0,0,250.0') });
    expect(wb.runs.getRun(runId).datasetId).toBe('sample-copy');
  });

  it('stores nothing when one row of many is bad', () => {
    const rows = Array.from({ length: 200 }, (_, i) => `9001,${i},True,0,0,0,250.0`);
    rows[150] = '9001,150,True,0,0,0,9999.0';
    const error = failure(csv(...rows));
    expect(error.message).toBe(`results.csv row 152, column earned: "9999.0" is more than the task's price (250)`);
    expect(wb.db.prepare('SELECT count(*) AS n FROM attempts').get()).toEqual({ n: 0 });
  });

  describe('through the handler', () => {
    it('takes the file as content (serve mode) or as a path (the window, the CLI)', async () => {
      const handlers = createHandlers(wb);
      const file = path.join(fixtures, 'sample-3x3.csv');
      const byPath = await dispatch(handlers, 'runs.importResults', { datasetId: 'sample', path: file });
      const byContent = await dispatch(handlers, 'runs.importResults', { datasetId: 'sample', content: readFileSync(file, 'utf8'), label: 'uploaded' });
      expect(byPath).toMatchObject({ ok: true, value: { rows: 9, attemptsPerTask: 3 } });
      expect(byContent).toMatchObject({ ok: true, value: { rows: 9, attemptsPerTask: 3 } });
      if (!byPath.ok || !byContent.ok) return;
      const [a, b] = [byPath.value, byContent.value].map((v) => wb.runs.getRun((v as { runId: string }).runId));
      expect(a!.tally).toEqual(b!.tally);
      expect(a!.solver).toMatchObject({ kind: 'imported', file, label: 'sample-3x3.csv' });
      expect(b!.solver).toMatchObject({ kind: 'imported', file: 'uploaded', label: 'uploaded' });
      expect((a!.solver as { sha256: string }).sha256).toBe((b!.solver as { sha256: string }).sha256);
    });

    it('is seen through runs.get with its manifest head, and through runs.manifest whole', async () => {
      const handlers = createHandlers(wb);
      const imported = await dispatch(handlers, 'runs.importResults', { datasetId: 'sample', path: path.join(fixtures, 'sample-3x3.csv') });
      if (!imported.ok) throw new Error(imported.error.message);
      const runId = (imported.value as { runId: string }).runId;
      const stored = wb.runs.getRun(runId).manifest;
      expect(stored.taskIds.length).toBeGreaterThan(0);
      const view = await dispatch(handlers, 'runs.get', { runId });
      if (!view.ok) throw new Error(view.error.message);
      const value = view.value as RunView;
      const { taskIds, images, profile, ...head } = stored;
      expect(value.manifest).toEqual({ ...head, taskCount: taskIds.length });
      expect(value.manifest).not.toHaveProperty('images');
      expect(value.attempts).toHaveLength(9);
      await expect(dispatch(handlers, 'runs.manifest', { runId })).resolves.toEqual({ ok: true, value: { ...head, taskIds, images, profile } });
      await expect(dispatch(handlers, 'runs.manifest', { runId: 'run-nope' })).resolves.toMatchObject({ ok: false, error: { code: 'not_found' } });
    });

    it('wants exactly one of path and content, and reports a bad value as invalid input', async () => {
      const handlers = createHandlers(wb);
      await expect(dispatch(handlers, 'runs.importResults', { datasetId: 'sample' })).resolves.toMatchObject({
        ok: false, error: { code: 'invalid_input', message: expect.stringContaining('give either path or content') as string },
      });
      await expect(dispatch(handlers, 'runs.importResults', { datasetId: 'sample', path: 'a.csv', content: 'x' })).resolves.toMatchObject({
        ok: false, error: { code: 'invalid_input' },
      });
      await expect(dispatch(handlers, 'runs.importResults', { datasetId: 'sample', content: csv('9001,0,True,0,0,0,abc') })).resolves.toEqual({
        ok: false, error: { code: 'invalid_input', message: 'results.csv row 2, column earned: "abc" is not a number' },
      });
      expect(wb.runs.listRuns()).toEqual([]);
    });
  });
});
