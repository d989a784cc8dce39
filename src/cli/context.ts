/**
 * What every CLI command gets: parsed global flags, output helpers, and a lazily opened Workbench
 * or, for commands that only read runs, the run ledger alone.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { databasePath, defaultDataDir, projectRoot, resolveDataDir } from '../main/core/paths';
import type { Db } from '../main/core/store/database';
import type { RunRepo } from '../main/core/store/run-repo';
import type { Workbench } from '../main/core/workbench';

/** The Workbench's class: its module is most of the app's code, so an entry (main.ts) loads it only for commands that open it. */
export type WorkbenchClass = typeof Workbench;

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

export interface CliContext {
  json: boolean;
  dataDir: string;
  root: string;
  version: string;
  /** Human lines to stdout (suppressed with --json, where stdout is one JSON document). */
  info(line: string): void;
  /** Progress and warnings to stderr, so they never corrupt --json output. */
  progress(line: string): void;
  /** The result: JSON with --json, else the given human rendering. */
  result(value: unknown, human: () => string): void;
  openWorkbench(): Workbench;
  /**
   * The run ledger without the rest of the Workbench (no Docker client, engine or agents): for
   * commands that only read runs. The open Workbench's, when there is one.
   */
  openLedger(): Promise<{ runs: RunRepo }>;
  /** Closes the Workbench if a command opened it (flushes logs, stops timers). */
  close(): Promise<void>;
}

export function readVersion(root: string): string {
  return (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string }).version;
}

export function createContext(flags: { json: boolean; dataDir?: string; workbench?: WorkbenchClass }): CliContext {
  const root = projectRoot();
  const version = readVersion(root);
  const dataDir = resolveDataDir(flags.dataDir, process.env, defaultDataDir());
  let workbench: Workbench | undefined;
  let ledger: { db: Db; runs: RunRepo } | undefined;
  return {
    json: flags.json,
    dataDir,
    root,
    version,
    info: (line) => {
      if (!flags.json) process.stdout.write(line + '\n');
    },
    progress: (line) => process.stderr.write(line + '\n'),
    result: (value, human) => {
      process.stdout.write(flags.json ? JSON.stringify(value, null, 2) + '\n' : human() + '\n');
    },
    openWorkbench: () => {
      // A slip in the command tables (a command marked as reading only the ledger, or served by
      // the ledger entry), not a user's error.
      if (!flags.workbench) throw new Error('this command was declared to read only the run ledger, yet opened the Workbench');
      workbench ??= new flags.workbench({ dataDir, version, transport: 'cli' });
      return workbench;
    },
    openLedger: async () => {
      if (workbench) return { runs: workbench.runs };
      if (!ledger) {
        // Loaded here, not with this module: `--version` need not load SQLite's native module.
        const [{ openDatabase }, { RunRepo }] = await Promise.all([import('../main/core/store/database'), import('../main/core/store/run-repo')]);
        const db = openDatabase(databasePath(dataDir));
        ledger = { db, runs: new RunRepo(db) };
      }
      return ledger;
    },
    close: async () => {
      ledger?.db.close();
      ledger = undefined;
      await workbench?.close();
      workbench = undefined;
    },
  };
}
