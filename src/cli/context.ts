/**
 * What every CLI command gets: parsed global flags, output helpers and a lazily opened Workbench.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { defaultDataDir, projectRoot, resolveDataDir } from '../main/core/paths';
import { Workbench } from '../main/core/workbench';

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
  /** Closes the Workbench if a command opened it (flushes logs, stops timers). */
  close(): Promise<void>;
}

export function readVersion(root: string): string {
  return (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string }).version;
}

export function createContext(flags: { json: boolean; dataDir?: string }): CliContext {
  const root = projectRoot();
  const version = readVersion(root);
  const dataDir = resolveDataDir(flags.dataDir, process.env, defaultDataDir());
  let workbench: Workbench | undefined;
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
      workbench ??= new Workbench({ dataDir, version, transport: 'cli' });
      return workbench;
    },
    close: async () => {
      await workbench?.close();
      workbench = undefined;
    },
  };
}
