/**
 * Faults, for real: the Docker daemon dies mid-run (a daemon of the test's own, killed and
 * restarted), the data dir's disk fills while artifacts are written (a small tmpfs), the X
 * server dies under a grading test (Xvfb killed inside the container), and `lancer run` exits
 * non-zero when a task ends in a system error.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunEvent } from '../../src/shared/runs';
import { importDataset } from '../../src/main/core/dataset/importer';
import { databasePath } from '../../src/main/core/paths';
import { storeIdFor, Workbench } from '../../src/main/core/workbench';
import { canRunSample, dockerCli, ensureSampleImages, sampleCsv, sampleIssues } from '../helpers/sample-images';
import { startTestDaemon, testDaemonUnavailable, type TestDaemon } from '../helpers/test-daemon';
import { makeTempDir } from '../helpers/temp-dir';
import { canMountTmpfs, mountTmpfs, type Tmpfs } from '../helpers/tmpfs';
import { repoRoot } from '../helpers/workbench-server';
import { required } from '../helpers/requirements';

const MINUTE = 60_000;
const runnable = await canRunSample();

async function openWorkbench(dataDir: string, docker?: TestDaemon['docker']): Promise<Workbench> {
  const wb = new Workbench({ dataDir, version: 'test', transport: 'cli', docker });
  await importDataset(wb.datasets, { path: sampleCsv, issuesDir: sampleIssues, name: 'sample' });
  return wb;
}

/** Resolves with the first value of `probe` that is not undefined, polling; names `what` on timeout. */
async function until<T>(what: string, probe: () => T | undefined, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe.skipIf(!runnable)('faults (real Docker)', () => {
  beforeAll(async () => {
    await ensureSampleImages();
  }, 25 * MINUTE);

  describe.skipIf(!required(`a test Docker daemon (${testDaemonUnavailable() ?? ''})`, testDaemonUnavailable() === null))('the Docker daemon dies mid-run', () => {
    let dir: string;
    let cleanup: () => void;
    let daemon: TestDaemon;
    let wb: Workbench;

    beforeAll(async () => {
      ({ dir, cleanup } = makeTempDir('lancer-outage-'));
      // The data root stays between test runs, so the images are loaded once, not every time.
      daemon = await startTestDaemon({ dataRoot: path.join(repoRoot, '.lancer-test', 'outage-dockerd') });
      daemon.loadImages(['lancer-sample_9001:latest', 'lancer-sample_monolith:latest']);
      wb = await openWorkbench(dir, daemon.docker);
    }, 5 * MINUTE);
    afterAll(async () => {
      await wb?.close();
      await daemon?.destroy();
      cleanup?.();
    }, 2 * MINUTE);

    it('waits without spending tries, says why, and finishes by itself once the daemon is back', async () => {
      // `lancer run` on the test daemon (DOCKER_HOST), the ledger read beside it. One attempt is
      // in its container when the daemon dies, one is still queued behind it: neither may be
      // spent (the bug this guards against burned every queued attempt's tries in seconds).
      const child = spawn(
        process.execPath,
        [path.join(repoRoot, 'bin/lancer.js'), 'run', '--dataset', 'sample', '--tasks', '9001,9101-manager-0', '--solver', 'gold', '--concurrency', '1', '--json', '--data-dir', dir],
        { cwd: repoRoot, env: { ...process.env, DOCKER_HOST: daemon.host }, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      try {
        const runId = await until('the run to start', () => /run (run-[\w-]+)/.exec(stderr)?.[1], MINUTE);
        await until('9001 inside its container', () => {
          const a = wb.runs.attempts(runId).find((x) => x.questionId === '9001');
          return a && ['setup', 'solving', 'grading'].includes(a.state) ? true : undefined;
        }, 2 * MINUTE);
        await daemon.kill();

        // The run waits: the reason is on it; the interrupted attempt is back in the queue as the
        // same try, and the queued one was never started.
        const reason = await until('the run to wait', () => wb.runs.getRun(runId).waiting ?? undefined, MINUTE);
        expect(reason).toMatch(/^waiting for the Docker daemon \(the Docker daemon (could not be reached: \w+ E[A-Z]+|does not answer)/);
        const waiting = await until('9001 queued again', () => {
          const attempts = wb.runs.attempts(runId);
          return attempts.every((a) => a.state === 'queued') ? attempts : undefined;
        }, MINUTE);
        expect(waiting.map((a) => [a.questionId, a.tryIndex, a.retried, a.startedAt])).toEqual([
          ['9001', 0, false, null],
          ['9101-manager-0', 0, false, null],
        ]);
        expect(wb.runs.getRun(runId)).toMatchObject({ status: 'running', tally: { pending: 2, error: 0 } });
        expect(wb.runs.logs(waiting[0]!.id).map((l) => l.text)).toContainEqual(
          expect.stringMatching(/^interrupted: the Docker daemon could not be reached: .*; queued again as the same try/),
        );
        // The CLI says why it waits.
        await until('the waiting line', () => (stderr.includes(`${runId}: ${reason}`) ? true : undefined), MINUTE);
        // While it waits nothing is started, however many times it pings (1 s, then 2 s, …).
        await new Promise((resolve) => setTimeout(resolve, 3000));
        expect(wb.runs.attempts(runId).map((a) => [a.tryIndex, a.state])).toEqual([
          [0, 'queued'],
          [0, 'queued'],
        ]);

        await daemon.start();
        expect(await exited, stderr).toBe(0);
        expect(stderr).toContain(`${runId}: the Docker daemon answers again; carrying on`);
        expect(JSON.parse(stdout)).toMatchObject({ runId, tasks: 2, passed: 2, error: 0 });
        const run = wb.runs.getRun(runId);
        expect(run.status).toBe('finished');
        expect(run.waiting).toBeNull();
        // No try was charged for the outage: still one row per task, try 0.
        expect(run.attempts.map((a) => [a.questionId, a.tryIndex, a.state, a.retried])).toEqual([
          ['9001', 0, 'passed', false],
          ['9101-manager-0', 0, 'passed', false],
        ]);
        // What the outage left on the daemon (the killed attempt's container, its network) was reaped.
        const label = `label=lancer.store=${storeIdFor(dir)}`;
        expect(daemon.cli(['ps', '-aq', '--filter', label]).trim()).toBe('');
        expect(daemon.cli(['network', 'ls', '-q', '--filter', label]).trim()).toBe('');
      } finally {
        if (child.exitCode === null) child.kill('SIGKILL');
      }
    }, 6 * MINUTE);
  });

  describe.skipIf(!required('a tmpfs mount (root)', canMountTmpfs()))('the data dir fills up while artifacts are written', () => {
    let disk: Tmpfs;
    let wb: Workbench;

    beforeAll(async () => {
      disk = mountTmpfs(32 * 1024 * 1024);
      wb = await openWorkbench(disk.dir);
    }, MINUTE);
    afterAll(async () => {
      await wb?.close();
      disk?.unmount();
    });

    it('ends the attempt in a clear system error, keeps the verdict, the ledger and no partial file', async () => {
      const runId = await wb.engine.createRun({ datasetId: 'sample', taskIds: ['9001'], solver: { kind: 'gold' } });
      // When grading starts, leave 512 kB: room for the ledger's last writes (some pages of
      // WAL), not for the video (~0.4 MB) or the trace (~1 MB) of a headful browser session.
      let filled = false;
      wb.events.subscribe((name, payload) => {
        const e = payload as RunEvent;
        if (!filled && name === 'run.event' && e.type === 'attempt' && e.attempt.state === 'grading') {
          filled = true;
          wb.db.pragma('wal_checkpoint(TRUNCATE)');
          disk.fillLeaving(512 * 1024);
        }
      });
      await wb.engine.start(runId);
      expect(filled).toBe(true);

      const run = wb.runs.getRun(runId);
      expect(run.attempts).toHaveLength(1);
      const [attempt] = run.attempts;
      // A system error, not retried (the next try would meet the same full disk), earning nothing.
      expect(attempt).toMatchObject({ state: 'error', tryIndex: 0, earned: 0 });
      expect(attempt!.error).toMatch(/^no space to store artifact (video|trace)-run1[\w.-]* \([\d.]+ [kM]B\) under .*artifacts: [\d.]+ (B|kB|MB) free \(ENOSPC\)/);
      expect(attempt!.error).toContain('the verdict was "passed"');
      // The grade itself is kept.
      expect(wb.runs.attemptDetail(attempt!.id).grader).toMatchObject({ variant: 'ic_swe', testRuns: [{ exitCode: 0 }] });
      expect(run.tally).toMatchObject({ error: 1, passed: 0, earned: 0 });

      // No temp file (nor any half-written artifact) is left in the store.
      const root = path.join(disk.dir, 'artifacts');
      const files = existsSync(root) ? readdirSync(root, { recursive: true }).map(String) : [];
      expect(files.filter((f) => f.endsWith('.tmp'))).toEqual([]);
      for (const a of wb.runs.attemptDetail(attempt!.id).artifacts) {
        expect(readFileSync(wb.artifacts.pathOf(a.sha256)).length).toBe(a.bytes);
      }

      // The ledger is intact and readable by another connection.
      const db = new Database(databasePath(disk.dir), { readonly: true });
      try {
        expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
        expect(db.prepare('SELECT state, error FROM attempts WHERE run_id = ?').get(runId)).toMatchObject({ state: 'error' });
      } finally {
        db.close();
      }
    }, 4 * MINUTE);
  });

  describe('the X server dies under a grading test', () => {
    let cleanup: () => void;
    let wb: Workbench;

    beforeAll(async () => {
      let dir: string;
      ({ dir, cleanup } = makeTempDir('lancer-xvfb-'));
      wb = await openWorkbench(dir);
    });
    afterAll(async () => {
      await wb?.close();
      cleanup?.();
    });

    it('is a system error with its logs kept, retried, never the model\'s failure', async () => {
      const runId = await wb.engine.createRun({ datasetId: 'sample', taskIds: ['9001'], solver: { kind: 'gold' } });
      const done = wb.engine.start(runId);
      // Once the first try's test has its browser up (it opens the app), kill Xvfb under it.
      const containerId = await until('the first try\'s test to open the app', () => {
        const a = wb.runs.attempts(runId)[0];
        if (a?.state !== 'grading' || !a.containerId) return undefined;
        const log = dockerCli(['exec', a.containerId, 'cat', '/app/tests/logs/9001/pytest.log']) ?? '';
        return /open the app as/.test(log) ? a.containerId : undefined;
      }, 3 * MINUTE);
      execFileSync('docker', ['exec', containerId, 'sh', '-c', 'for p in /proc/[0-9]*; do [ "$(cat $p/comm 2>/dev/null)" = Xvfb ] && kill -9 ${p#/proc/}; done; true']);
      await done;

      const run = wb.runs.getRun(runId);
      expect(run.attempts.map((a) => [a.tryIndex, a.state, a.retried])).toEqual([
        [0, 'error', true],
        [1, 'passed', false],
      ]);
      expect(run.tally).toMatchObject({ tasks: 1, passed: 1, failed: 0, error: 0 });
      const first = run.attempts[0]!;
      expect(first.error).toMatch(/^test run 1: the X server \(Xvfb on :99\) died during the test.*\(exit code [12]; a system error, not the model's failure\)$/);
      // The test log is kept: in the artifact store and, line for line, in the ledger's log.
      const detail = wb.runs.attemptDetail(first.id);
      const log = detail.artifacts.find((a) => a.name === 'pytest-run1.log');
      expect(log).toBeDefined();
      const testLog = readFileSync(wb.artifacts.pathOf(log!.sha256), 'utf8');
      expect(testLog).toMatch(/\] 9001: /);
      const lines = wb.runs.logs(first.id).map((l) => l.text);
      expect(lines).toContainEqual(expect.stringMatching(/^test run 1: the X server .* its test log follows$/));
      const lastTestLine = testLog.split('\n').filter((l) => l.trim() !== '').at(-1)!;
      expect(lines).toContain(`  ${lastTestLine}`);
    }, 5 * MINUTE);
  });

  it('`lancer run` exits 3 and says how many attempts ended in a system error', async () => {
    const { dir, cleanup } = makeTempDir('lancer-exit-');
    // An image that is not a task image: its container exits before set-up, every try.
    const tag = `lancer-sample_9001:fault-${process.pid}`;
    execFileSync('docker', ['build', '-q', '-t', tag, '-'], { input: 'FROM lancer-sample-os:trixie\nENTRYPOINT ["false"]\n' });
    try {
      // The data dir is made in-process (one CLI start is enough); one try, no retries.
      const wb = await openWorkbench(dir);
      wb.settings.update({ maxRetries: 0 });
      await wb.close();
      const result = spawnSync(
        process.execPath,
        [path.join(repoRoot, 'bin/lancer.js'), 'run', '--dataset', 'sample', '--tasks', '9001', '--solver', 'gold', '--image-tag', `fault-${process.pid}`, '--json', '--data-dir', dir],
        { cwd: repoRoot, encoding: 'utf8', timeout: 5 * MINUTE },
      );
      expect(result.status, result.stderr).toBe(3);
      expect(JSON.parse(result.stdout)).toMatchObject({ tasks: 1, error: 1 });
      expect(result.stderr).toMatch(/lancer: 1 of 1 attempts ended in a system error \(outcome error\); see `lancer results run-[\w-]+`/);
    } finally {
      execFileSync('docker', ['rmi', tag]);
      cleanup();
    }
  }, 5 * MINUTE);
});
