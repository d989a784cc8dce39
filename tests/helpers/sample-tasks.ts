/**
 * The sample benchmark's tasks as the engine sees them (imported into a throwaway store), for
 * the agent's unit tests.
 */
import path from 'node:path';
import { beforeAll } from 'vitest';
import type { TaskDetail } from '../../src/shared/tasks';
import { makeTempDir } from './temp-dir';
import { importDataset } from '../../src/main/core/dataset/importer';
import { openDatabase } from '../../src/main/core/store/database';
import { DatasetRepo } from '../../src/main/core/store/dataset-repo';

const sampleDir = path.resolve(import.meta.dirname, '../../resources/sample-benchmark');

/** Every sample task by question id, imported from resources/sample-benchmark/tasks.csv. */
export async function loadSampleTasks(): Promise<Map<string, TaskDetail>> {
  const { dir, cleanup } = makeTempDir('lancer-agent-tasks-');
  const db = openDatabase(path.join(dir, 'lancer.db'));
  try {
    const repo = new DatasetRepo(db);
    const report = await importDataset(repo, { path: path.join(sampleDir, 'tasks.csv'), issuesDir: path.join(sampleDir, 'issues'), name: 'sample' });
    const rows = repo.listTasks({ datasetId: report.datasetId });
    return new Map(rows.map((row) => [row.questionId, repo.getTask(row.id)]));
  } finally {
    db.close();
    cleanup();
  }
}

/**
 * For a test file: loads the sample tasks before its tests and returns the lookup by question id
 * (a missing id throws, naming it).
 */
export function useSampleTasks(): (id: string) => TaskDetail {
  let tasks: Map<string, TaskDetail> | undefined;
  beforeAll(async () => {
    tasks = await loadSampleTasks();
  });
  return (id) => {
    const t = tasks?.get(id);
    if (!t) throw new Error(`no sample task ${id}`);
    return t;
  };
}
