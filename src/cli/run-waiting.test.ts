/**
 * `lancer run`'s stderr lines about a run waiting for the Docker daemon: one when the wait
 * begins, one when it ends, nothing for other runs or repeated states.
 */
import { describe, expect, it } from 'vitest';
import type { RunEvent, Tally } from '../shared/runs';
import { waitingReporter } from './run-waiting';

const tally: Tally = { tasks: 1, attempts: 1, passed: 0, failed: 0, timeout: 0, error: 0, cancelled: 0, pending: 1, earned: 0, available: 250 };
const run = (seq: number, waiting: string | null | undefined, status: 'running' | 'paused' = 'running', runId = 'run-1'): RunEvent => ({
  type: 'run',
  runId,
  seq,
  status,
  tally,
  waiting,
});

describe('waitingReporter', () => {
  it('says when the wait begins, with the reason, and when the run carries on', () => {
    const lines: string[] = [];
    const report = waitingReporter('run-1', (l) => lines.push(l));
    report('run.event', run(1, null));
    report('run.event', run(2, 'waiting for the Docker daemon (gone)'));
    report('run.event', run(3, 'waiting for the Docker daemon (gone)'));
    report('run.event', run(4, 'waiting for something', 'running', 'run-2'));
    report('run.event', run(5, undefined));
    report('run.event', run(6, null));
    expect(lines).toEqual(['run-1: waiting for the Docker daemon (gone)', 'run-1: the Docker daemon answers again; carrying on']);
  });

  it('names the state a run that stops waiting without carrying on is in', () => {
    const lines: string[] = [];
    const report = waitingReporter('run-1', (l) => lines.push(l));
    report('run.event', run(1, 'waiting for the Docker daemon (gone)'));
    report('run.event', run(2, null, 'paused'));
    expect(lines.at(-1)).toBe('run-1: no longer waiting for the Docker daemon (the run is paused)');
  });

  it('names what the run waited for: an agent run waits for its model server', () => {
    const lines: string[] = [];
    const report = waitingReporter('run-1', (l) => lines.push(l));
    const why = 'waiting for the model server (GET http://127.0.0.1:8080/v1/models: connection failed: ECONNREFUSED); nothing is started until it answers';
    report('run.event', run(1, why));
    report('run.event', run(2, null));
    report('run.event', run(3, why));
    report('run.event', run(4, null, 'paused'));
    expect(lines).toEqual([
      `run-1: ${why}`,
      'run-1: the model server answers again; carrying on',
      `run-1: ${why}`,
      'run-1: no longer waiting for the model server (the run is paused)',
    ]);
  });
});
