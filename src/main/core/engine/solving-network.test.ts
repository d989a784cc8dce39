/**
 * A solver on the agents' network (CLI agents): the container joins that network to solve and is
 * cut from it after, and the cut takes the container's own name out of /etc/hosts, so the name
 * must go back before grading, also when the solver ran out of the phase's time. Checked against
 * a runtime that records every call in order (the real thing: cli-agents-docker.test.ts).
 */
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../../../tests/helpers/temp-dir';
import { importDataset } from '../dataset/importer';
import type { Solver } from '../solvers/solver';
import { Workbench } from '../workbench';
import { runAttempt, type AttemptLimits } from './attempt-runner';
import type { ContainerRuntime, ExecResult, TaskContainer } from './container-runtime';
import { profileForImage } from './profiles';

const fixtures = path.resolve(import.meta.dirname, '../../../../tests/fixtures');
const IMAGE = 'swelancer/swelancer_x86_monolith:releasev1';
const OWN_NAME = /^h=\$\(hostname\) && /;

/** A container that answers like the official one and notes commands, joins and cuts in order. */
function recordingRuntime(events: string[]): ContainerRuntime {
  const container: TaskContainer = {
    id: 'c1',
    networkId: 'n1',
    async exec(command: string): Promise<ExecResult> {
      events.push(command);
      if (command === `bash -lc 'pwd'`) return { exitCode: 0, output: '/app/expensify\n' };
      if (command === profileForImage(IMAGE).internetProbe) return { exitCode: 1, output: 'URLError: no route' };
      return { exitCode: 0, output: '' };
    },
    putFile: async () => undefined,
    getFile: async () => null,
    state: async () => ({ running: true }),
    async cutNetwork() {
      events.push('<cut>');
    },
    async joinNetwork(name: string) {
      events.push(`<join ${name}>`);
    },
    remove: async () => undefined,
    keep: async () => undefined,
  };
  return {
    start: async () => container,
    imageId: async () => 'sha256:1',
    reap: async () => ({ containers: 0, networks: 0 }),
    listKept: async () => [],
    removeKept: async () => false,
  };
}

describe('solving on the agents network', () => {
  let cleanup: () => void;
  let wb: Workbench;
  beforeEach(async () => {
    const temp = makeTempDir();
    cleanup = temp.cleanup;
    wb = new Workbench({ dataDir: temp.dir, version: 'test', transport: 'cli', runtime: recordingRuntime([]) });
    await importDataset(wb.datasets, { path: path.join(fixtures, 'tasks-current.csv'), name: 'official' });
  });
  afterEach(async () => {
    await wb.close();
    cleanup();
  });

  /** One manager attempt whose solver returns only when its phase's signal aborts (or at once). */
  async function attempt(solve: 'until-aborted' | 'at-once', solveTimeoutSec: number): Promise<{ events: string[]; logs: string[] }> {
    const events: string[] = [];
    const logs: string[] = [];
    const solver: Solver = {
      name: 'agent on the agents network',
      solvingNetwork: async () => 'agents',
      solve: (ctx) =>
        solve === 'at-once'
          ? Promise.resolve({ note: 'done' })
          : new Promise((resolve) => ctx.signal.addEventListener('abort', () => resolve({ note: 'stopped at the time limit' }), { once: true })),
    };
    const limits: AttemptLimits = { setupTimeoutSec: 60, solveTimeoutSec, gradeTimeoutSec: 60, testRuns: 1, cpus: 0, memoryMb: 0, shmMb: 64, keepFailedContainers: false };
    await runAttempt({
      attemptId: 'a1',
      runId: 'r1',
      task: wb.datasets.getTask('official/501-manager-0'),
      image: IMAGE,
      profile: profileForImage(IMAGE),
      solver,
      limits,
      runtime: recordingRuntime(events),
      signal: new AbortController().signal,
      onPhase: () => undefined,
      onContainer: () => undefined,
      log: (_phase, text) => logs.push(text),
    });
    return { events, logs };
  }

  for (const [solve, seconds, when] of [
    ['at-once', 60, 'the solver is done'],
    ['until-aborted', 0.3, 'the solver ran out of the phase time'],
  ] as const) {
    it(`puts the container's name back after each cut, the one after solving included, when ${when}`, async () => {
      const { events, logs } = await attempt(solve, seconds);
      const join = events.indexOf('<join agents>');
      const lastCut = events.lastIndexOf('<cut>');
      expect(join).toBeGreaterThan(events.indexOf('<cut>'));
      expect(lastCut).toBeGreaterThan(join);
      // After the set-up's cut, and after leaving the agents' network, before grading's unzip.
      expect(events.filter((e) => OWN_NAME.test(e))).toHaveLength(2);
      const after = events.slice(lastCut + 1);
      expect(OWN_NAME.test(after[0] ?? ''), after.join('\n')).toBe(true);
      expect(after.some((e) => e.startsWith('unzip '))).toBe(true);
      expect(logs.join('')).not.toContain('was not put back');
    });
  }
});
