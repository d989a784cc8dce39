import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  collectFiles,
  icTaskIds,
  missingSamplePaths,
  parseTasksCsv,
  readSampleTasks,
  resolvePlaywrightCore,
} from './sample-tasks';
import { selectTargets } from './sample-images';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'sample-tasks-test-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const write = (rel: string, text: string): void => {
  mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
  writeFileSync(path.join(dir, rel), text);
};

describe('parseTasksCsv', () => {
  it('reads question_id, variant and manager_commit, whatever else the row holds', () => {
    const csv = [
      'question_id,variant,price,prompt,manager_data,manager_commit,cwd',
      '9001,ic_swe,250,"a prompt, with a comma\nand a newline",,,/app/sample',
      '9101-manager-0,swe_manager,1000,"x","{\'game\': 1}",abc123,/app/sample',
    ].join('\n');
    const tasks = parseTasksCsv(csv);
    expect(tasks).toEqual([
      { questionId: '9001', variant: 'ic_swe' },
      { questionId: '9101-manager-0', variant: 'swe_manager', managerCommit: 'abc123' },
    ]);
    expect(icTaskIds(tasks)).toEqual(['9001']);
  });

  it('says which row lacks an id', () => {
    expect(() => parseTasksCsv('question_id,variant\n,ic_swe\n')).toThrow(/row 2/);
  });
});

describe('readSampleTasks', () => {
  it('uses the issues/ folders when there is no tasks.csv', async () => {
    write('issues/9002/issue_data.json', '{}');
    write('issues/9001/issue_data.json', '{}');
    write('issues/README', 'not a task');
    expect(await readSampleTasks(dir)).toEqual([
      { questionId: '9001', variant: 'ic_swe' },
      { questionId: '9002', variant: 'ic_swe' },
    ]);
  });

  it('prefers tasks.csv', async () => {
    write('issues/9001/x', '');
    write('tasks.csv', 'question_id,variant\n9003,ic_swe\n');
    expect(icTaskIds(await readSampleTasks(dir))).toEqual(['9003']);
  });
});

describe('collectFiles', () => {
  it('lists files in path order with a prefix, keeps exec bits, makes scripts executable, honours excludes', async () => {
    write('b.txt', 'b');
    write('a/run.sh', 'echo');
    write('a/tool', 'bin');
    chmodSync(path.join(dir, 'a/tool'), 0o755);
    write('docker/README.md', 'skip me');
    const files = await collectFiles(dir, 'sample/', (rel) => rel === 'docker');
    expect(files.map((f) => [f.path, f.mode.toString(8), f.data.toString()])).toEqual([
      ['sample/a/run.sh', '755', 'echo'],
      ['sample/a/tool', '755', 'bin'],
      ['sample/b.txt', '644', 'b'],
    ]);
  });
});

describe('missingSamplePaths', () => {
  it('names what the benchmark Dockerfile needs and is not there', () => {
    write('runtime/make-repo.sh', '');
    write('runtime/run.sh', '');
    write('issues/9001/x', '');
    expect(missingSamplePaths(dir)).toEqual(['runtime/setup_task.sh', 'runtime/run_tests.sh', 'runtime/utils/']);
  });
});

describe('resolvePlaywrightCore', () => {
  it('finds the installed package from the project root, and says so when missing', () => {
    const projectRoot = path.resolve(import.meta.dirname, '../../../..');
    expect(resolvePlaywrightCore(projectRoot)).toMatch(/playwright-core$/);
    write('package.json', '{}');
    expect(() => resolvePlaywrightCore(dir)).toThrow(/npm install/);
  });
});

describe('selectTargets', () => {
  const all = ['9001', '9002', '9003'];
  it('builds everything by default', () => {
    expect(selectTargets(all, undefined)).toEqual({ taskIds: all, monolith: true });
    expect(selectTargets(all, [])).toEqual({ taskIds: all, monolith: true });
  });
  it('builds only what is asked, in task order, monolith included only by name', () => {
    expect(selectTargets(all, ['9003', '9001'])).toEqual({ taskIds: ['9001', '9003'], monolith: false });
    expect(selectTargets(all, ['monolith'])).toEqual({ taskIds: [], monolith: true });
  });
  it('rejects unknown ids instead of skipping them', () => {
    expect(() => selectTargets(all, ['9009'])).toThrow(/unknown IC task id\(s\): 9009/);
  });
});
