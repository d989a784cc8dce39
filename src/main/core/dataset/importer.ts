/**
 * Imports an official SWE-Lancer task CSV (and optionally its issues/ folder) as a dataset
 * version: read, parse, validate every row, link issue folders, store, in one transaction. A
 * failed import leaves the store as it was (unless the caller asked to skip bad rows).
 *
 * Two passes over the file, each through one reused buffer: the first finds every record and
 * field and hashes the bytes (so CSV errors are reported before row errors, and progress knows
 * the row count); the second decodes one record at a time, checks it and writes it, inside the
 * version's transaction. A row's text is dropped as soon as it is written, so memory stays
 * small whatever the file's size.
 */
import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import type { ImportProgress, ImportReport, IssueFolderInfo } from '../../../shared/tasks';
import { AppError } from '../../../shared/result';
import type { DatasetRepo, TaskSink } from '../store/dataset-repo';
import { CsvError, CsvFileRecords, indexCsvFile, type CsvIndex } from './csv-reader';
import { findIssueFolder, hashIssueInfos, IssueFolderError, readIssueFolder } from './issue-folders';
import { parseTaskRecord, readHeader, RowError, type HeaderInfo } from './task-rows';

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

/** Where an import stands once the file is indexed: what the row pass needs. */
export interface Indexed {
  file: string;
  index: CsvIndex;
  csvHash: string;
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

  const before = statSync(file);
  progress('read', 0, 1);
  let first: Indexed;
  try {
    first = indexAndHash(file);
  } catch (error) {
    if (error instanceof CsvError) throw new AppError('invalid_input', error.message);
    throw error;
  }
  const { index } = first;
  progress('read', 1, 1);
  // Indexing the file was the CSV parse.
  progress('parse', 0, 1);
  progress('parse', 1, 1);
  if (index.count === 0) throw new AppError('invalid_input', `${file}: the file is empty`);
  // The file is read twice (indexing and hashing, then decoding): both reads must see one file.
  const unchanged = (): void => {
    const now = statSync(file);
    if (now.size !== before.size || now.mtimeMs !== before.mtimeMs) {
      throw new AppError('invalid_input', `${file}: the file changed while it was being imported; import it again`);
    }
  };
  return importRows(repo, first, { ...opts, datasetId, name, issuesDir, started, progress, unchanged });
}

/**
 * Pass 1: the file split into records and fields, hashed in the same read (the version's
 * identity). Exported for bench:import's floor, which times the importer's own reading.
 */
export function indexAndHash(file: string): Indexed {
  const hash = createHash('sha256');
  const index = indexCsvFile(file, file, (chunk) => hash.update(chunk));
  return { file, index, csvHash: hash.digest('hex') };
}

interface RowPassOptions {
  datasetId: string;
  name: string;
  issuesDir: string | null;
  skipBadRows?: boolean;
  started: number;
  progress: (phase: ImportProgress['phase'], done: number, total: number) => void;
  /** Throws if the file changed since it was indexed. */
  unchanged: () => void;
}

/** Pass 2: decodes, checks and stores one row at a time; returns the report. */
function importRows(repo: DatasetRepo, { file, index, csvHash }: Indexed, opts: RowPassOptions): ImportReport {
  const { datasetId, name, issuesDir, progress } = opts;
  const records = new CsvFileRecords(file, index);
  try {
    let header: HeaderInfo;
    try {
      header = readHeader(records.fields(0), file);
    } catch (error) {
      throw new AppError('invalid_input', (error as Error).message);
    }
    const rowCount = index.count - 1;

    const skipped: ImportReport['skipped'] = [];
    const issueSkipped: ImportReport['skipped'] = [];
    const skip = (to: ImportReport['skipped'], error: RowError): void => {
      to.push({ row: error.row, questionId: error.questionId, column: error.column, message: error.message });
    };
    const issues = new Map<string, IssueFolderInfo>();
    let taskCount = 0;
    let totalDollars = 0;

    /**
     * Checks every row and hands the good ones to `sink`. Row errors come before issue-folder
     * errors, whatever their order in the file, as they did when the two were separate passes.
     */
    const readRows = (sink: TaskSink): void => {
      const seen = new Map<string, number>();
      let issueError: RowError | null = null;
      for (let row = 1; row <= rowCount; row++) {
        if (row > 1 && (row - 1) % 200 === 0) progress('validate', row - 1, rowCount);
        const line = records.line(row);
        let task;
        try {
          task = parseTaskRecord(records.fields(row), header, row, line, !index.hasZeroByte);
          const earlier = seen.get(task.questionId);
          if (earlier !== undefined) {
            throw new RowError(row, line, task.questionId, 'question_id', `duplicates row ${earlier}`);
          }
          seen.set(task.questionId, row);
        } catch (error) {
          if (!(error instanceof RowError)) throw error;
          if (!opts.skipBadRows) throw new AppError('invalid_input', `${file}: ${error.message}`);
          skip(skipped, error);
          continue;
        }
        let issue: IssueFolderInfo | null = null;
        if (issuesDir !== null) {
          // After a bad folder (without skipBadRows) the import fails; the rest is only validated.
          if (issueError !== null) continue;
          const folder = findIssueFolder(issuesDir, task.questionId, task.acceptableFolders);
          try {
            issue = folder === null ? null : readIssueFolder(folder);
          } catch (error) {
            if (!(error instanceof IssueFolderError)) throw error;
            const rowError = new RowError(task.row, line, task.questionId, null, error.message);
            if (opts.skipBadRows) skip(issueSkipped, rowError);
            else issueError = rowError;
            continue;
          }
          if (issue) issues.set(task.questionId, issue);
        }
        sink.add(task, issue);
        taskCount += 1;
        totalDollars += task.price;
      }
      progress('validate', rowCount, rowCount);
      if (issueError !== null) throw new AppError('invalid_input', `${file}: ${issueError.message}`);
      if (issuesDir !== null) progress('issues', taskCount, taskCount);
      skipped.push(...issueSkipped);
      if (taskCount === 0) {
        throw new AppError('invalid_input', `${file}: no task to import${skipped.length ? ` (all ${skipped.length} rows were bad)` : ''}`);
      }
    };

    // Skipped rows are part of what was imported: the same file with --skip-bad-rows and without
    // is the same content, so the identity is the bytes plus the linked folders.
    const contentHashOf = (issuesHash: string | null): string =>
      createHash('sha256').update(csvHash).update(issuesHash ?? 'no-issues').digest('hex');
    const report = (contentHash: string, versionId: number, version: number, created: boolean): ImportReport => ({
      datasetId,
      contentHash,
      schema: header.schema,
      taskCount,
      totalDollars,
      skipped,
      issuesLinked: issues.size,
      versionId,
      version,
      created,
      durationMs: performance.now() - opts.started,
    });

    // Without an issues folder the identity is known already: a file imported before is only
    // checked again (its rows may be bad this time, without skipBadRows), not written again.
    const known = issuesDir === null ? repo.findVersion(datasetId, contentHashOf(null)) : undefined;
    if (known) {
      readRows({ add: () => undefined });
      opts.unchanged();
      progress('done', 1, 1);
      return report(contentHashOf(null), known.id, known.version, false);
    }
    let contentHash = '';
    const written = repo.writeVersion(
      { datasetId, name, schema: header.schema, sourcePath: file, issuesDir, columns: header.columns, extraColumns: header.extraColumns },
      (sink) => {
        readRows(sink);
        const issuesHash = issuesDir === null ? null : hashIssueInfos(issues);
        contentHash = contentHashOf(issuesHash);
        opts.unchanged();
        progress('store', 0, taskCount);
        return { contentHash, csvHash, issuesHash, skipped };
      },
    );
    if (written.created) progress('store', taskCount, taskCount);
    progress('done', 1, 1);
    return report(contentHash, written.versionId, written.version, written.created);
  } finally {
    records.close();
  }
}
