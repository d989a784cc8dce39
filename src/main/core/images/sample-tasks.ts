/**
 * The few facts about the sample benchmark the image builder needs: where it is, which IC tasks
 * it has, and which files go into the build context.
 *
 * This is deliberately not the dataset importer (that lives in core/dataset): only the
 * question_id, variant and manager_commit columns are read.
 */
import { existsSync, statSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import type { TarFileEntry } from './tar-writer';

/** One row of tasks.csv, reduced to what images and their tests need. */
export interface SampleTask {
  questionId: string;
  variant: string;
  /** Manager tasks only: the commit the manager's decision is about. */
  managerCommit?: string;
}

/** The sample benchmark's folder inside the resources dir. */
export function sampleBenchmarkDir(resourcesDir: string): string {
  return path.join(resourcesDir, 'sample-benchmark');
}

/**
 * Reads the tasks of the sample benchmark. When tasks.csv is absent the IC tasks are the
 * folders under issues/, which is what the official images copy in anyway.
 */
export async function readSampleTasks(sampleDir: string): Promise<SampleTask[]> {
  const csvPath = path.join(sampleDir, 'tasks.csv');
  if (!existsSync(csvPath)) {
    const issuesDir = path.join(sampleDir, 'issues');
    const names = existsSync(issuesDir) ? await readdir(issuesDir, { withFileTypes: true }) : [];
    return names
      .filter((d) => d.isDirectory())
      .map((d) => ({ questionId: d.name, variant: 'ic_swe' }))
      .sort((a, b) => a.questionId.localeCompare(b.questionId));
  }
  return parseTasksCsv(await readFile(csvPath, 'utf8'), csvPath);
}

/** Parses tasks.csv text (official schema; extra columns are ignored). */
export function parseTasksCsv(text: string, source = 'tasks.csv'): SampleTask[] {
  const rows = parse(text, { columns: true, skip_empty_lines: true, bom: true }) as Record<string, string>[];
  const tasks: SampleTask[] = [];
  for (const [i, row] of rows.entries()) {
    const questionId = row.question_id?.trim();
    const variant = row.variant?.trim();
    if (!questionId || !variant) {
      throw new Error(`${source}: row ${i + 2} has no question_id or variant column value`);
    }
    const managerCommit = row.manager_commit?.trim();
    tasks.push({ questionId, variant, ...(managerCommit ? { managerCommit } : {}) });
  }
  return tasks;
}

/** The question ids of the IC tasks, which are the ones with their own image. */
export function icTaskIds(tasks: readonly SampleTask[]): string[] {
  return tasks.filter((t) => t.variant === 'ic_swe').map((t) => t.questionId);
}

/**
 * Every regular file under `dir`, as tar entries named `<prefix><relative path>`, in path order.
 *
 * Symbolic links are followed (the context must stand alone). Executable bits are kept, and
 * shell scripts are always executable so a missing `chmod +x` in the sources cannot break a
 * container's entrypoint.
 */
export async function collectFiles(
  dir: string,
  prefix: string,
  exclude: (relPath: string) => boolean = () => false,
): Promise<TarFileEntry[]> {
  const out: TarFileEntry[] = [];
  const walk = async (rel: string): Promise<void> => {
    const names = (await readdir(path.join(dir, rel))).sort();
    for (const name of names) {
      const relPath = rel === '' ? name : `${rel}/${name}`;
      if (exclude(relPath)) continue;
      const full = path.join(dir, relPath);
      const st = await stat(full);
      if (st.isDirectory()) {
        await walk(relPath);
      } else if (st.isFile()) {
        const executable = (st.mode & 0o111) !== 0 || name.endsWith('.sh');
        out.push({ path: prefix + relPath, mode: executable ? 0o755 : 0o644, data: await readFile(full) });
      }
    }
  };
  await walk('');
  return out;
}

/** Files and folders the benchmark image's Dockerfile copies; checked before building. */
export const REQUIRED_SAMPLE_PATHS: readonly string[] = [
  'runtime/make-repo.sh',
  'runtime/setup_task.sh',
  'runtime/run.sh',
  'runtime/run_tests.sh',
  'runtime/utils/',
  'issues/',
];

/** The paths of {@link REQUIRED_SAMPLE_PATHS} that are missing under `sampleDir`. */
export function missingSamplePaths(sampleDir: string): string[] {
  return REQUIRED_SAMPLE_PATHS.filter((p) => {
    const full = path.join(sampleDir, p);
    if (!existsSync(full)) return true;
    return p.endsWith('/') ? !statSync(full).isDirectory() : !statSync(full).isFile();
  });
}

/**
 * The folder of the playwright-core package the project depends on, resolved the way Node
 * would from the project root (so a hoisted or nested install both work).
 */
export function resolvePlaywrightCore(projectRoot: string): string {
  const require = createRequire(path.join(projectRoot, 'package.json'));
  try {
    return path.dirname(require.resolve('playwright-core/package.json'));
  } catch {
    throw new Error(`playwright-core is not installed under ${projectRoot}; run npm install`);
  }
}
