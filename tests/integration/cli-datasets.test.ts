/**
 * The `lancer` CLI end to end on a real SQLite file: import, datasets, tasks, errors.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../helpers/temp-dir';
import { repoRoot } from '../helpers/workbench-server';
import { lancerIn } from '../helpers/cli';

const { dir, cleanup } = makeTempDir('lancer-cli-');
const lite = path.resolve(repoRoot, '../shared/data/swelancer/swelancer_tasks_lite.csv');
const liteIssues = path.resolve(repoRoot, '../shared/data/swelancer/issues');

const lancer = lancerIn(dir);

describe('lancer import / datasets / tasks', () => {
  afterAll(() => cleanup());

  it('imports fixtures in both schemas and lists them with --json', () => {
    const a = lancer('import', path.join(repoRoot, 'tests/fixtures/tasks-current.csv'), '--issues', path.join(repoRoot, 'tests/fixtures/issues'), '--json');
    expect(a.code, a.stderr).toBe(0);
    expect(JSON.parse(a.stdout)).toMatchObject({ datasetId: 'tasks-current', taskCount: 6, created: true, issuesLinked: 2 });
    expect(a.stderr).toContain('import: done 100%');
    const b = lancer('import', path.join(repoRoot, 'tests/fixtures/tasks-legacy.csv'), '--name', 'Legacy Fixture');
    expect(b.code, b.stderr).toBe(0);
    expect(b.stdout).toContain('Imported 6 tasks ($8,000) as legacy-fixture v1 (legacy schema)');
    const list = JSON.parse(lancer('datasets', '--json').stdout) as { id: string; taskCount: number }[];
    expect(list.map((d) => [d.id, d.taskCount])).toEqual([['legacy-fixture', 6], ['tasks-current', 6]]);
  });

  it('prints manager tasks with their proposals and the correct id', () => {
    const r = lancer('tasks', '--dataset', 'tasks-current', '--variant', 'swe_manager', '--min-price', '1000', '--json');
    expect(r.code, r.stderr).toBe(0);
    const tasks = JSON.parse(r.stdout) as { questionId: string; correctProposalId: number; proposals: { id: number; author: string }[] }[];
    expect(tasks.map((t) => t.questionId)).toEqual(['501-manager-0', '502-manager-0']);
    expect(tasks[0]?.correctProposalId).toBe(0);
    expect(tasks[0]?.proposals.map((p) => p.author)).toEqual(['alice-dev', 'bob_codes', 'carol']);
  });

  it('searches title and description', () => {
    const r = lancer('tasks', '--search', 'unterminated', '--json');
    expect(JSON.parse(r.stdout)).toEqual([]);
    const hit = JSON.parse(lancer('tasks', '--dataset', 'tasks-current', '--search', 'avatar', '--json').stdout) as { questionId: string }[];
    expect(hit.map((t) => t.questionId)).toEqual(['503-manager-0']);
  });

  it('fails with a message on stderr and a non-zero exit', () => {
    const missing = lancer('import', path.join(dir, 'nope.csv'));
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/^lancer: .*nope\.csv: no such file/m);
    expect(missing.stdout).toBe('');
    const badFlag = lancer('tasks', '--min-price', 'cheap');
    expect(badFlag.code).toBe(2);
    expect(badFlag.stderr).toContain('--min-price must be a number');
    const unknownDataset = lancer('tasks', '--dataset', 'nope');
    expect(unknownDataset.code).toBe(1);
    expect(unknownDataset.stderr).toContain('no dataset "nope"');
  });

  it.skipIf(!existsSync(lite))('reads the Lite CSV as 174 tasks and $377,000', () => {
    const issueArgs = existsSync(liteIssues) ? ['--issues', liteIssues] : [];
    const r = lancer('import', lite, ...issueArgs, '--json');
    expect(r.code, r.stderr).toBe(0);
    const d = (JSON.parse(lancer('datasets', '--json').stdout) as { id: string; taskCount: number; totalDollars: number; byVariant: unknown }[])
      .find((x) => x.id === 'swelancer_tasks_lite');
    expect(d).toMatchObject({
      taskCount: 174,
      totalDollars: 377000,
      byVariant: { ic_swe: { count: 61, dollars: 175000 }, swe_manager: { count: 113, dollars: 202000 } },
    });
    const again = lancer('import', lite, ...issueArgs, '--json');
    expect(JSON.parse(again.stdout)).toMatchObject({ created: false });
  });
});
