/**
 * The engine on the sample benchmark with real containers (the validation runs of the official
 * harness, §5.2): gold passes every task, null fails every task, a predictions file with one
 * right and one wrong patch scores one of two, and a SIGKILL mid-run followed by a restart
 * loses no finished result, leaves no orphan container and completes the run.
 */
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importDataset } from '../../src/main/core/dataset/importer';
import { storeIdFor, Workbench } from '../../src/main/core/workbench';
import { canRunSample, ensureSampleImages, sampleCsv, sampleIssues } from '../helpers/sample-images';
import { makeTempDir } from '../helpers/temp-dir';
import { repoRoot } from '../helpers/workbench-server';

const MINUTE = 60_000;
const runnable = await canRunSample();

/**
 * Containers and networks this store made for attempts that still exist, and network holders
 * (spare-holders.ts) of any process (the store's shared network carries no attempt label: it
 * stays until the workbench closes).
 */
function leftovers(dataDir: string): string[] {
  const store = ['--filter', `label=lancer.store=${storeIdFor(dataDir)}`];
  const labels = [...store, '--filter', 'label=lancer.attempt'];
  const ps = spawnSync('docker', ['ps', '-aq', ...labels], { encoding: 'utf8' }).stdout.trim();
  const holders = spawnSync('docker', ['ps', '-aq', ...store, '--filter', 'label=lancer.holder-of-pid'], { encoding: 'utf8' }).stdout.trim();
  const nets = spawnSync('docker', ['network', 'ls', '-q', ...labels], { encoding: 'utf8' }).stdout.trim();
  return [...ps.split('\n'), ...holders.split('\n'), ...nets.split('\n')].filter(Boolean);
}

describe.skipIf(!runnable)('engine on the sample benchmark (real Docker)', () => {
  const { dir, cleanup } = makeTempDir('lancer-engine-');
  let wb: Workbench;
  let goldPatch9001 = '';

  beforeAll(async () => {
    await ensureSampleImages();
    wb = new Workbench({ dataDir: dir, version: 'test', transport: 'cli' });
    wb.settings.update({ concurrency: 2 });
    await importDataset(wb.datasets, { path: sampleCsv, issuesDir: sampleIssues, name: 'sample' });
  }, 25 * MINUTE);
  afterAll(async () => {
    await wb?.close();
    cleanup();
  });

  it('gold passes every task and earns every dollar', async () => {
    const runId = await wb.engine.createRun({ datasetId: 'sample', solver: { kind: 'gold' } });
    await wb.engine.start(runId);
    const run = wb.runs.getRun(runId);
    const final = run.attempts.filter((a) => !a.retried);
    expect(final.length).toBe(wb.datasets.listTasks({ datasetId: 'sample' }).length);
    expect(final.filter((a) => a.state !== 'passed').map((a) => `${a.questionId}: ${a.state} ${a.error ?? ''}`)).toEqual([]);
    expect(run.tally.earned).toBe(run.tally.available);
    // Every gold solver acted once its container was set up and cut off.
    expect(final.filter((a) => !(Number(a.firstActionMs) > 0)).map((a) => a.questionId)).toEqual([]);
    expect(run.status).toBe('finished');
    expect(run.manifest).toMatchObject({ dataset: { id: 'sample' }, solver: { kind: 'gold' }, concurrency: 2, testRuns: 3 });
    expect(run.manifest.images['9001']?.id).toMatch(/^sha256:/);
    goldPatch9001 = wb.runs.attemptDetail(final.find((a) => a.questionId === '9001')!.id).patch ?? '';
    expect(goldPatch9001).toContain('diff --git');
    expect(leftovers(dir)).toEqual([]);
  }, 20 * MINUTE);

  it('null fails every task, with no system error', async () => {
    // One test run per task: a failing sample test waits out its timeouts, and three of them
    // per task made this the slowest test in CI. Repeated runs (a task passing on its third)
    // are covered by the official profile's recording test.
    wb.settings.update({ testRuns: 1 });
    const runId = await wb.engine.createRun({ datasetId: 'sample', solver: { kind: 'null' } });
    await wb.engine.start(runId);
    wb.settings.update({ testRuns: 3 });
    const run = wb.runs.getRun(runId);
    expect(run.tally).toMatchObject({ passed: 0, error: 0, timeout: 0, earned: 0 });
    expect(run.tally.failed).toBe(run.tally.tasks);
    const ic = run.attempts.find((a) => a.questionId === '9001')!;
    // Its test run: the broken app failing its test (exit 1).
    expect(wb.runs.attemptDetail(ic.id).grader?.testRuns?.map((r) => r.exitCode)).toEqual([1]);
    expect(leftovers(dir)).toEqual([]);
  }, 20 * MINUTE);

  it('grades imported predictions as they are: one right, one wrong', async () => {
    const file = path.join(dir, 'predictions.jsonl');
    const wrong = 'diff --git a/notes.txt b/notes.txt\nnew file mode 100644\n--- /dev/null\n+++ b/notes.txt\n@@ -0,0 +1 @@\n+not a fix\n';
    writeFileSync(file, [{ question_id: '9001', patch: goldPatch9001 }, { question_id: '9002', patch: wrong }].map((p) => JSON.stringify(p)).join('\n'));
    const runId = await wb.engine.createRun({ datasetId: 'sample', taskIds: ['9001', '9002'], solver: { kind: 'predictions', file } });
    await wb.engine.start(runId);
    const run = wb.runs.getRun(runId);
    expect(run.tally).toMatchObject({ tasks: 2, passed: 1, failed: 1, error: 0 });
    expect(run.attempts.find((a) => a.questionId === '9001')?.state).toBe('passed');
    // As in the official harness, the recorded patch is `git diff HEAD`: a new untracked file
    // is applied (and would count in grading) but is not part of the model patch.
    const wrongAttempt = run.attempts.find((a) => a.questionId === '9002')!;
    expect(wb.runs.attemptDetail(wrongAttempt.id).patch).toBe('');
    expect(wb.runs.logs(wrongAttempt.id).map((l) => l.text).join('\n')).toContain('git apply --whitespace=nowarn /tmp/prediction.patch');
  }, 10 * MINUTE);

  it('survives a SIGKILL mid-run: nothing finished is lost or redone, no orphans, the run completes', async () => {
    const lancer = (args: string[]): ReturnType<typeof spawn> =>
      spawn(process.execPath, [path.join(repoRoot, 'bin/lancer.js'), ...args, '--data-dir', dir], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    const child = lancer(['run', '--dataset', 'sample', '--tasks', '9001,9002,9003', '--solver', 'gold', '--concurrency', '1']);
    let stderr = '';
    const killedAfterFirst = new Promise<string>((resolve, reject) => {
      child.stderr?.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        const runId = /run (run-[\w-]+)/.exec(stderr)?.[1];
        // Kill once one task passed and the next one is inside its container.
        if (runId && /passed/.test(stderr) && /9002\s+(setup|solving|grading)/.test(stderr)) resolve(runId);
      });
      child.on('exit', () => reject(new Error(`the run ended before it could be killed:\n${stderr}`)));
    });
    const runId = await killedAfterFirst;
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));

    const before = wb.runs.getRun(runId);
    const finishedBefore = before.attempts.filter((a) => a.state === 'passed');
    expect(finishedBefore.length).toBeGreaterThanOrEqual(1);
    expect(leftovers(dir).length).toBeGreaterThan(0);

    const resumed = spawnSync(process.execPath, [path.join(repoRoot, 'bin/lancer.js'), 'run', '--resume', runId, '--json', '--data-dir', dir], {
      cwd: repoRoot,
      encoding: 'utf8',
      timeout: 10 * MINUTE,
    });
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(/recovery: 1 interrupted attempts queued again, [1-9]\d* orphaned containers removed/);
    const summary = JSON.parse(resumed.stdout) as { runId: string; tasks: number; passed: number; earned: number; available: number };
    expect(summary).toMatchObject({ runId, tasks: 3, passed: 3 });
    expect(summary.earned).toBe(summary.available);
    const after = wb.runs.getRun(runId);
    expect(after.status).toBe('finished');
    expect(after.attempts.filter((a) => !a.retried).every((a) => a.state === 'passed')).toBe(true);
    // The results finished before the kill are the same rows, untouched.
    for (const a of finishedBefore) {
      expect(after.attempts.find((b) => b.id === a.id)).toMatchObject({ state: 'passed', finishedAt: a.finishedAt });
    }
    expect(after.attempts).toHaveLength(3);
    expect(leftovers(dir)).toEqual([]);
  }, 15 * MINUTE);
});
