/**
 * Outage handling without a daemon to kill: the classifier, the observing proxy, the ping
 * backoff, and the engine on a runtime whose every call is refused while "the daemon" is down.
 * The real daemon is killed in tests/integration/faults.test.ts.
 */
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunEvent } from '../../../shared/runs';
import { makeTempDir } from '../../../../tests/helpers/temp-dir';
import { importDataset } from '../dataset/importer';
import { Workbench } from '../workbench';
import type { ContainerRuntime, ExecResult, TaskContainer } from './container-runtime';
import { DaemonWatch, describeDaemonError, isDaemonUnreachable, observeDaemonErrors } from './daemon-watch';
import { RunEngine } from './run-engine';

const fixtures = path.resolve(import.meta.dirname, '../../../../tests/fixtures');

function refused(): Error {
  return Object.assign(new Error('connect ECONNREFUSED /tmp/x/docker.sock'), { code: 'ECONNREFUSED', syscall: 'connect', address: '/tmp/x/docker.sock' });
}

describe('isDaemonUnreachable', () => {
  it('knows socket-level failures, and ENOENT only on a connect', () => {
    expect(isDaemonUnreachable(refused())).toBe(true);
    expect(isDaemonUnreachable(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))).toBe(true);
    expect(isDaemonUnreachable(Object.assign(new Error('x'), { code: 'ENOENT', syscall: 'connect' }))).toBe(true);
    expect(isDaemonUnreachable(Object.assign(new Error('x'), { code: 'ENOENT', syscall: 'open' }))).toBe(false);
    expect(isDaemonUnreachable(new Error('wrapped', { cause: refused() }))).toBe(true);
    // What a task's own trouble looks like: HTTP answers from a daemon that is up.
    expect(isDaemonUnreachable(Object.assign(new Error('No such container'), { statusCode: 404 }))).toBe(false);
    expect(isDaemonUnreachable(new Error('pytest failed with exit code 2'))).toBe(false);
    expect(isDaemonUnreachable(null)).toBe(false);
  });

  it('describes a daemon error in one line', () => {
    expect(describeDaemonError(refused())).toBe('connect ECONNREFUSED /tmp/x/docker.sock');
    expect(describeDaemonError(new Error('first\nsecond'))).toBe('first');
  });
});

describe('observeDaemonErrors', () => {
  it('reports refused calls of the runtime and of the containers it starts, and passes everything through', async () => {
    let fail = false;
    const container: TaskContainer = {
      id: 'c1',
      networkId: null,
      exec: async (): Promise<ExecResult> => {
        if (fail) throw refused();
        return { exitCode: 0, output: 'ok' };
      },
      putFile: async () => undefined,
      getFile: async () => {
        throw Object.assign(new Error('No such container'), { statusCode: 404 });
      },
      state: async () => ({ running: true }),
      cutNetwork: async () => undefined,
      joinNetwork: async () => undefined,
      remove: async () => undefined,
      keep: async () => undefined,
    };
    const runtime = { start: async () => container, imageId: async () => 'sha256:1', reap: async () => ({ containers: 0, networks: 0 }) } as unknown as ContainerRuntime;
    const seen: unknown[] = [];
    const watched = observeDaemonErrors(runtime, (e) => seen.push(e));
    const c = await watched.start({ name: 'n', image: 'i', env: [], labels: {}, cpus: 0, memoryMb: 0, shmMb: 0 });
    expect(c.id).toBe('c1');
    expect(await c.exec('true', { timeoutMs: 1000 })).toEqual({ exitCode: 0, output: 'ok' });
    await expect(c.getFile('/x', 10)).rejects.toThrow('No such container');
    expect(seen).toEqual([]);
    fail = true;
    await expect(c.exec('true', { timeoutMs: 1000 })).rejects.toThrow('ECONNREFUSED');
    expect(seen).toHaveLength(1);
  });
});

describe('DaemonWatch', () => {
  it('marks the daemon down on a failed ping, counts outages, and pings with backoff until it answers', async () => {
    const answers = [false, false, false, true];
    let pings = 0;
    const watch = new DaemonWatch({
      ping: async () => {
        pings += 1;
        return (answers.shift() ?? true) ? { ok: true } : { ok: false, error: 'connect ECONNREFUSED' };
      },
      initialDelayMs: 5,
      maxDelayMs: 10,
    });
    expect(watch.down).toBeNull();
    expect(await watch.check()).toMatch(/does not answer: connect ECONNREFUSED/);
    expect(watch.epoch).toBe(1);
    // Down already: no second outage, no ping.
    watch.markDown('again');
    expect(watch.epoch).toBe(1);
    await Promise.all([watch.untilUp(new AbortController().signal), watch.untilUp(new AbortController().signal)]);
    expect(watch.down).toBeNull();
    // One ping loop for both waiters: the check's ping, then three in the loop.
    expect(pings).toBe(4);
    expect(await watch.check()).toBeNull();
  });

  it('lets a waiter go when its signal aborts, and stops pinging when closed', async () => {
    let pings = 0;
    const watch = new DaemonWatch({ ping: async () => ({ ok: (pings += 1) < 0 }), initialDelayMs: 5, maxDelayMs: 5 });
    watch.markDown('gone');
    const controller = new AbortController();
    const waiting = watch.untilUp(controller.signal);
    controller.abort();
    await expect(waiting).rejects.toThrow('stopped waiting for the Docker daemon');
    watch.close();
    const after = pings;
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(pings).toBeLessThanOrEqual(after + 1);
  });
});

/**
 * A runtime that answers like an official container, and refuses every call (ECONNREFUSED)
 * while `daemon.up` is false; `onCommand` can pull the daemon away at a chosen step.
 */
function flakyRuntime(daemon: { up: boolean }, exitCodes: string[], onCommand: (command: string) => void) {
  const calls = { starts: 0, reaps: 0 };
  const guard = (): void => {
    if (!daemon.up) throw refused();
  };
  const container = (): TaskContainer => ({
    id: `c${calls.starts}`,
    networkId: null,
    async exec(command: string): Promise<ExecResult> {
      guard();
      onCommand(command);
      guard();
      if (command === 'cat /setup_done.txt') return { exitCode: 0, output: 'done\n' };
      if (command === `bash -lc 'pwd'`) return { exitCode: 0, output: '/app/expensify\n' };
      if (command.startsWith('python -c')) return { exitCode: 1, output: 'no route' };
      if (command.includes('pytest_exit_code')) return { exitCode: 0, output: `${exitCodes.shift() ?? '1'}\n` };
      return { exitCode: 0, output: '' };
    },
    async putFile() {
      guard();
    },
    async getFile(p: string) {
      guard();
      return p.endsWith('pytest.log') ? Buffer.from('== 1 passed ==') : Buffer.from('');
    },
    async state() {
      guard();
      return { running: true };
    },
    async cutNetwork() {
      guard();
    },
    async joinNetwork() {
      guard();
    },
    async remove() {
      guard();
    },
    async keep() {
      guard();
    },
  });
  const runtime = {
    async start() {
      guard();
      calls.starts += 1;
      return container();
    },
    imageId: async (image: string) => `sha256:${image.length}`,
    async reap() {
      guard();
      calls.reaps += 1;
      return { containers: 0, networks: 0 };
    },
    listKept: async () => [],
    removeKept: async () => false,
  } as unknown as ContainerRuntime;
  return { runtime, calls };
}

describe('the engine during a daemon outage', () => {
  let dir: string;
  let cleanup: () => void;
  beforeEach(() => {
    ({ dir, cleanup } = makeTempDir());
  });
  afterEach(() => cleanup());

  async function setUp(daemon: { up: boolean }, exitCodes: string[], onCommand: (command: string) => void) {
    const { runtime, calls } = flakyRuntime(daemon, exitCodes, onCommand);
    const wb = new Workbench({ dataDir: dir, version: 'test', transport: 'cli', runtime });
    await importDataset(wb.datasets, { path: path.join(fixtures, 'tasks-current.csv'), name: 'official' });
    let pings = 0;
    const engine = new RunEngine({
      runs: wb.runs,
      datasets: wb.datasets,
      settings: () => wb.settings.get(),
      events: wb.events,
      runtime,
      appVersion: 'test',
      pingDaemon: async () => {
        pings += 1;
        return daemon.up ? { ok: true } : { ok: false, error: 'connect ECONNREFUSED /tmp/x/docker.sock' };
      },
      daemonBackoffMs: { initial: 5, max: 20 },
    });
    const events: RunEvent[] = [];
    wb.events.subscribe((name, payload) => {
      if (name === 'run.event') events.push(payload as RunEvent);
    });
    return { wb, engine, calls, events, pings: () => pings };
  }

  it('waits instead of spending tries, says why, and redoes the interrupted attempt as the same try', async () => {
    const daemon = { up: true };
    let pulled = false;
    const { wb, engine, calls, events } = await setUp(daemon, ['0'], (command) => {
      // The daemon goes away once, in the middle of the first grading run.
      if (!pulled && command.includes('ansible-playbook')) {
        pulled = true;
        daemon.up = false;
      }
    });
    const runId = await engine.createRun({ datasetId: 'official', taskIds: ['601'], solver: { kind: 'gold' }, concurrency: 1 });
    const done = engine.start(runId);
    // Waiting: the reason is on the run; the attempt is back in the queue, unfinished, no retry.
    await expect.poll(() => wb.runs.getRun(runId).waiting ?? null, { timeout: 5000 }).toMatch(/^waiting for the Docker daemon \(.*ECONNREFUSED/);
    const waiting = wb.runs.getRun(runId);
    expect(waiting.status).toBe('running');
    expect(waiting.attempts.map((a) => [a.tryIndex, a.state, a.retried])).toEqual([[0, 'queued', false]]);
    const startsWhileDown = calls.starts;
    daemon.up = true;
    await done;

    const run = wb.runs.getRun(runId);
    expect(run.status).toBe('finished');
    expect(run.waiting).toBeNull();
    expect(run.attempts.map((a) => [a.tryIndex, a.state, a.retried])).toEqual([[0, 'passed', false]]);
    expect(run.tally).toMatchObject({ passed: 1, error: 0 });
    // One fresh container for the redo, after the leftovers of the outage were reaped.
    expect(calls.starts).toBe(startsWhileDown + 1);
    expect(calls.reaps).toBe(1);
    const log = wb.runs.logs(run.attempts[0]!.id).map((l) => l.text);
    expect(log.some((l) => /^interrupted: the Docker daemon could not be reached: connect ECONNREFUSED .*queued again as the same try/.test(l))).toBe(true);
    // The UIs heard the wait begin and end.
    const waits = events.filter((e): e is Extract<RunEvent, { type: 'run' }> => e.type === 'run' && e.runId === runId).map((e) => e.waiting ?? null);
    expect(waits.some((w) => w !== null && w.startsWith('waiting for the Docker daemon'))).toBe(true);
    expect(waits.at(-1)).toBeNull();
    await engine.shutdown();
    await wb.close();
  });

  it('still charges a task its own system error while the daemon answers', async () => {
    const daemon = { up: true };
    const { wb, engine, pings } = await setUp(daemon, ['2', '2', '2'], () => undefined);
    const runId = await engine.createRun({ datasetId: 'official', taskIds: ['601'], solver: { kind: 'gold' }, concurrency: 1 });
    await engine.start(runId);
    const run = wb.runs.getRun(runId);
    expect(run.attempts.map((a) => [a.tryIndex, a.state])).toEqual([
      [0, 'error'],
      [1, 'error'],
      [2, 'error'],
    ]);
    expect(run.tally).toMatchObject({ tasks: 1, error: 1 });
    // Each error was checked against the daemon before it was charged.
    expect(pings()).toBe(3);
    await engine.shutdown();
    await wb.close();
  });

  it('stops waiting when the engine shuts down, leaving the run to be resumed', async () => {
    const daemon = { up: false };
    const { wb, engine } = await setUp(daemon, [], () => undefined);
    const runId = await engine.createRun({ datasetId: 'official', taskIds: ['601'], solver: { kind: 'gold' }, concurrency: 1 });
    const done = engine.start(runId);
    await expect.poll(() => wb.runs.getRun(runId).waiting ?? null, { timeout: 5000 }).not.toBeNull();
    await engine.shutdown();
    await done;
    const run = wb.runs.getRun(runId);
    expect(run.waiting).toBeNull();
    expect(run.attempts.map((a) => [a.tryIndex, a.state])).toEqual([[0, 'queued']]);
    await wb.close();
  });
});
