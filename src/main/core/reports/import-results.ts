/**
 * Imports an official results.csv (harness doc §4.1) as a finished run, so runs made by the
 * official harness, or by any tool that writes its format, compare with runs made here.
 *
 * The file is read and every row checked first; the run and its attempts are then written in
 * one transaction, so a file with any bad value stores nothing.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { channels } from '../../../shared/contract';
import { AppError, parseInput } from '../../../shared/result';
import type { UsageSummary } from '../../../shared/agents';
import type { RunManifest, SolverSpec } from '../../../shared/runs';
import type { DatasetSummary } from '../../../shared/tasks';
import { readCsvRecords } from '../dataset/csv-reader';
import { newRunId } from '../engine/run-engine';
import type { DatasetRepo } from '../store/dataset-repo';
import type { RunRepo } from '../store/run-repo';

/** The official columns, in the order pandas writes them; others are allowed and ignored. */
export const RESULTS_COLUMNS = ['question_id', 'attempt_id', 'correct', 'input_tokens', 'output_tokens', 'reasoning_tokens', 'earned'] as const;
type Column = (typeof RESULTS_COLUMNS)[number];

/** The most problems one error lists; the rest are counted. */
const MAX_PROBLEMS = 20;

/** One row of a results.csv, checked. */
export interface ResultRow {
  /** The row as a spreadsheet shows it (the header is row 1). */
  row: number;
  questionId: string;
  attemptId: number;
  correct: boolean;
  inputTokens: number;
  outputTokens: number;
  reasoningTokens: number;
  earned: number;
}

export type ImportResultsInput = { datasetId: string; path?: string; content?: string; label?: string };

export interface ImportResultsOutcome {
  runId: string;
  rows: number;
  attemptsPerTask: number;
}

export interface ImportResultsDeps {
  datasets: DatasetRepo;
  runs: RunRepo;
  appVersion: string;
  /** The import's time (tests fix it). */
  now?: () => Date;
}

/**
 * Parses and checks a results.csv against a dataset's tasks (question id → price). Throws an
 * AppError('invalid_input') listing every problem, each naming the file, the row (the header is
 * row 1) and the column.
 */
export function parseResultsCsv(bytes: Buffer, name: string, prices: ReadonlyMap<string, number>, datasetLabel: string): ResultRow[] {
  let records;
  try {
    records = readCsvRecords(bytes, name);
  } catch (error) {
    throw new AppError('invalid_input', (error as Error).message);
  }
  const header = records[0];
  if (!header) throw new AppError('invalid_input', `${name}: the file is empty (expected the header ${RESULTS_COLUMNS.join(',')})`);
  const names = header.fields.map((f) => f.trim());
  const missing = RESULTS_COLUMNS.filter((c) => !names.includes(c));
  if (missing.length > 0) throw new AppError('invalid_input', `${name}: missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`);
  const index = Object.fromEntries(RESULTS_COLUMNS.map((c) => [c, names.indexOf(c)])) as Record<Column, number>;
  if (records.length === 1) throw new AppError('invalid_input', `${name}: no rows, only the header`);

  const problems: string[] = [];
  const rows: ResultRow[] = [];
  const seen = new Map<string, number>();
  for (const record of records.slice(1)) {
    const row = record.line;
    const before = problems.length;
    const problem = (column: Column, raw: string, what: string): void => {
      problems.push(`${name} row ${row}, column ${column}: ${JSON.stringify(raw)} ${what}`);
    };
    const cell = (column: Column): string => (record.fields[index[column]] ?? '').trim();
    const count = (column: Column): number => {
      const raw = cell(column);
      const n = parseCount(raw);
      if (n === null) problem(column, raw, 'is not a non-negative integer');
      return n ?? 0;
    };

    const questionId = cell('question_id');
    const price = prices.get(questionId);
    if (questionId === '') problem('question_id', questionId, 'is empty');
    else if (price === undefined) problem('question_id', questionId, `is not a task of dataset ${datasetLabel}`);
    const attemptId = count('attempt_id');
    const correctRaw = cell('correct');
    const correct = parseBool(correctRaw);
    if (correct === null) problem('correct', correctRaw, 'is not True or False');
    const inputTokens = count('input_tokens');
    const outputTokens = count('output_tokens');
    const reasoningTokens = count('reasoning_tokens');
    const earnedRaw = cell('earned');
    const earned = earnedRaw === '' ? NaN : Number(earnedRaw);
    if (!Number.isFinite(earned)) problem('earned', earnedRaw, 'is not a number');
    else if (earned < 0) problem('earned', earnedRaw, 'is negative');
    else if (price !== undefined && earned > price) problem('earned', earnedRaw, `is more than the task's price (${price})`);
    if (problems.length > before) continue;

    const key = `${questionId}\u0000${attemptId}`;
    const first = seen.get(key);
    if (first !== undefined) {
      problems.push(`${name} rows ${first} and ${row}: question_id ${JSON.stringify(questionId)} with attempt_id ${attemptId} appears twice`);
      continue;
    }
    seen.set(key, row);
    rows.push({ row, questionId, attemptId, correct: correct!, inputTokens, outputTokens, reasoningTokens, earned });
  }
  if (problems.length > 0) {
    const shown = problems.slice(0, MAX_PROBLEMS);
    if (problems.length > MAX_PROBLEMS) shown.push(`… and ${problems.length - MAX_PROBLEMS} more problems`);
    throw new AppError('invalid_input', shown.join('\n'));
  }
  return rows;
}

/** A count: digits, or digits with a zero fraction (pandas writes `12.0` once a column had a NaN). */
function parseCount(raw: string): number | null {
  if (!/^\d+(\.0*)?$/.test(raw)) return null;
  const n = Number(raw);
  return Number.isSafeInteger(n) ? n : null;
}

/** pandas writes True/False; other tools write true/false or 1/0. */
function parseBool(raw: string): boolean | null {
  const v = raw.toLowerCase();
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  return null;
}

/** A dataset by id, or else by its name (the CLI's --dataset takes either). */
function findDataset(datasets: DatasetRepo, idOrName: string): DatasetSummary {
  const all = datasets.listDatasets();
  const dataset = all.find((d) => d.id === idOrName) ?? all.find((d) => d.name === idOrName);
  if (!dataset) throw new AppError('not_found', `no dataset "${idOrName}"`);
  return dataset;
}

function readInput(input: ImportResultsInput): { bytes: Buffer; file: string; name: string } {
  if (input.path !== undefined) {
    const file = path.resolve(input.path);
    if (!existsSync(file) || !statSync(file).isFile()) throw new AppError('not_found', `${file}: no such file`);
    return { bytes: readFileSync(file), file, name: path.basename(file) };
  }
  // An upload (serve mode) has no path: the label, when given, names it.
  const name = input.label ?? 'results.csv';
  return { bytes: Buffer.from(input.content ?? '', 'utf8'), file: name, name };
}

/**
 * Imports a results.csv against a dataset's newest version as a finished run whose solver is
 * `imported`. Each row becomes one attempt: passed when `correct`, else failed. The official
 * file writes False for system errors too, so an imported failure may have been an error there.
 */
export function importResults(deps: ImportResultsDeps, raw: ImportResultsInput): ImportResultsOutcome {
  const input = parseInput(channels['runs.importResults'].input, raw, 'runs.importResults');
  const dataset = findDataset(deps.datasets, input.datasetId);
  const { bytes, file, name } = readInput(input);
  const prices = new Map(deps.datasets.listTasks({ datasetId: dataset.id }).map((t) => [t.questionId, t.price]));
  const rows = parseResultsCsv(bytes, name, prices, `${dataset.id} (version ${dataset.version})`);

  const at = (deps.now?.() ?? new Date()).toISOString();
  const attemptsPerTask = rows.reduce((max, r) => Math.max(max, r.attemptId), 0) + 1;
  const solver: SolverSpec = {
    kind: 'imported',
    file,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    rows: rows.length,
    label: input.label ?? name,
  };
  // Nothing ran here: no images, timeouts, retries or limits apply. The host is where the
  // import was made; Docker had no part in it.
  const manifest: RunManifest = {
    appVersion: deps.appVersion,
    createdAt: at,
    dataset: { id: dataset.id, versionId: dataset.versionId, version: dataset.version, contentHash: dataset.contentHash },
    taskIds: [...new Set(rows.map((r) => r.questionId))].sort(),
    images: {},
    profile: {},
    solver,
    timeoutsSec: { setup: 0, solve: 0, grade: 0 },
    testRuns: 0,
    attemptsPerTask,
    maxRetries: 0,
    concurrency: 1,
    limits: { cpus: 0, memoryMb: 0, shmMb: 0 },
    host: { platform: os.platform(), arch: os.arch(), node: process.version, docker: null },
  };
  const runId = newRunId(new Date(at));
  deps.runs.insertFinishedRun(
    { id: runId, datasetId: dataset.id, versionId: dataset.versionId, solver, manifest, at },
    rows.map((r) => ({
      questionId: r.questionId,
      attemptIndex: r.attemptId,
      // The official file cannot tell a system error from a wrong answer: both are False.
      state: r.correct ? 'passed' : 'failed',
      image: 'imported',
      price: prices.get(r.questionId)!,
      earned: r.earned,
      usage: usageOf(r),
    })),
  );
  return { runId, rows: rows.length, attemptsPerTask };
}

/** The row's token counts as a usage record; null when the file has none (all zero). */
function usageOf(r: ResultRow): UsageSummary | null {
  if (r.inputTokens === 0 && r.outputTokens === 0 && r.reasoningTokens === 0) return null;
  return {
    requests: 0,
    inputTokens: r.inputTokens,
    cachedTokens: 0,
    outputTokens: r.outputTokens,
    reasoningTokens: r.reasoningTokens,
    costUsd: 0,
    estimated: false,
  };
}
