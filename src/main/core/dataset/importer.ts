/**
 * Imports an official SWE-Lancer task CSV (and optionally its issues/ folder) as a dataset
 * version: read, parse, validate every row, link issue folders, then store everything in one
 * transaction. Nothing is written until every row is known to be good (unless the caller asked
 * to skip bad rows), so a failed import leaves the store as it was.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { ImportProgress, ImportReport, IssueFolderInfo } from '../../../shared/tasks';
import { AppError } from '../../../shared/result';
import type { DatasetRepo } from '../store/dataset-repo';
import { readCsvRecords } from './csv-reader';
import { findIssueFolder, hashIssueInfos, IssueFolderError, readIssueFolder } from './issue-folders';
import { parseTaskRecord, readHeader, RowError, type ParsedTask } from './task-rows';

export interface ImportOptions {
  path: string;
  issuesDir?: string;
  /** Dataset name; default: the CSV's file name without extension. */
  name?: string;
  skipBadRows?: boolean;
  importId?: string;
  onProgress?: (progress: ImportProgress) => void;
}

/** A dataset id is a slug of its name, so `--dataset swelancer_tasks_lite` reads naturally. */
export function datasetIdFor(name: string): string {
  const slug = name.toLowerCase().replace(/[^a-z0-9_.-]+/g, '-').replace(/^-+|-+$/g, '');
  if (!slug) throw new AppError('invalid_input', `dataset name "${name}" has no letters or digits`);
  return slug;
}

export async function importDataset(repo: DatasetRepo, opts: ImportOptions): Promise<ImportReport> {
  const started = performance.now();
  const file = path.resolve(opts.path);
  const importId = opts.importId ?? `import-${Date.now()}`;
  const progress = (phase: ImportProgress['phase'], done: number, total: number): void =>
    opts.onProgress?.({ importId, phase, done, total });

  if (!existsSync(file) || !statSync(file).isFile()) throw new AppError('not_found', `${file}: no such file`);
  const issuesDir = opts.issuesDir === undefined ? null : path.resolve(opts.issuesDir);
  if (issuesDir !== null && (!existsSync(issuesDir) || !statSync(issuesDir).isDirectory())) {
    throw new AppError('not_found', `${issuesDir}: no such issues folder`);
  }
  const name = opts.name ?? path.basename(file).replace(/\.csv$/i, '');
  const datasetId = datasetIdFor(name);

  progress('read', 0, 1);
  const bytes = readFileSync(file);
  const csvHash = createHash('sha256').update(bytes).digest('hex');
  progress('read', 1, 1);

  let records;
  progress('parse', 0, 1);
  try {
    records = readCsvRecords(bytes, file);
  } catch (error) {
    throw new AppError('invalid_input', (error as Error).message);
  }
  progress('parse', 1, 1);
  const [headerRecord, ...dataRecords] = records;
  if (!headerRecord) throw new AppError('invalid_input', `${file}: the file is empty`);
  let header;
  try {
    header = readHeader(headerRecord.fields, file);
  } catch (error) {
    throw new AppError('invalid_input', (error as Error).message);
  }

  const skipped: ImportReport['skipped'] = [];
  const reject = (error: RowError): void => {
    if (!opts.skipBadRows) throw new AppError('invalid_input', `${file}: ${error.message}`);
    skipped.push({ row: error.row, questionId: error.questionId, column: error.column, message: error.message });
  };

  const tasks: ParsedTask[] = [];
  const seen = new Map<string, number>();
  dataRecords.forEach((record, i) => {
    const row = i + 1;
    try {
      const task = parseTaskRecord(record.fields, header, row, record.line);
      const earlier = seen.get(task.questionId);
      if (earlier !== undefined) {
        throw new RowError(row, record.line, task.questionId, 'question_id', `duplicates row ${earlier}`);
      }
      seen.set(task.questionId, row);
      tasks.push(task);
    } catch (error) {
      if (!(error instanceof RowError)) throw error;
      reject(error);
    }
    if (row % 200 === 0) progress('validate', row, dataRecords.length);
  });
  progress('validate', dataRecords.length, dataRecords.length);

  const linked: { task: ParsedTask; issue: IssueFolderInfo | null }[] = [];
  const issues = new Map<string, IssueFolderInfo>();
  tasks.forEach((task, i) => {
    let issue: IssueFolderInfo | null = null;
    if (issuesDir !== null) {
      const folder = findIssueFolder(issuesDir, task.questionId, task.acceptableFolders);
      try {
        issue = folder === null ? null : readIssueFolder(folder);
      } catch (error) {
        if (!(error instanceof IssueFolderError)) throw error;
        const line = dataRecords[task.row - 1]?.line ?? 0;
        reject(new RowError(task.row, line, task.questionId, null, error.message));
        return;
      }
      if (issue) issues.set(task.questionId, issue);
      progress('issues', i + 1, tasks.length);
    }
    linked.push({ task, issue });
  });

  if (linked.length === 0) {
    throw new AppError('invalid_input', `${file}: no task to import${skipped.length ? ` (all ${skipped.length} rows were bad)` : ''}`);
  }

  const issuesHash = issuesDir === null ? null : hashIssueInfos(issues);
  // Skipped rows are part of what was imported: the same file with --skip-bad-rows and without
  // is the same content, so the identity is the bytes plus the linked folders.
  const contentHash = createHash('sha256').update(csvHash).update(issuesHash ?? 'no-issues').digest('hex');
  const totalDollars = linked.reduce((sum, { task }) => sum + task.price, 0);
  const base = {
    datasetId,
    contentHash,
    schema: header.schema,
    taskCount: linked.length,
    totalDollars,
    skipped,
    issuesLinked: issues.size,
  };

  const existing = repo.findVersion(datasetId, contentHash);
  if (existing) {
    progress('done', 1, 1);
    return { ...base, versionId: existing.id, version: existing.version, created: false, durationMs: performance.now() - started };
  }
  progress('store', 0, linked.length);
  const { versionId, version } = repo.insertVersion({
    datasetId,
    name,
    contentHash,
    csvHash,
    issuesHash,
    schema: header.schema,
    sourcePath: file,
    issuesDir,
    columns: header.columns,
    extraColumns: header.extraColumns,
    skipped,
    tasks: linked,
  });
  progress('store', linked.length, linked.length);
  progress('done', 1, 1);
  return { ...base, versionId, version, created: true, durationMs: performance.now() - started };
}
