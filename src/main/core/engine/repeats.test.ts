/**
 * Repeats and suspect tasks in the ledger (real SQLite; the runtime is never asked to start a
 * container): N independent attempts per task, queued attempt-major; gold failures across gold
 * runs make a task suspect, and a run can leave suspect tasks out with the exclusion recorded.
 */
import { describe, expect, it } from 'vitest';
import type { AttemptOutcome, SolverSpec } from '../../../shared/runs';
import { useLedgerWorkbench } from '../../../../tests/helpers/ledger-workbench';
import type { Workbench } from '../workbench';

describe('repeats and suspect tasks', () => {
  let wb: Workbench;
  useLedgerWorkbench((made) => (wb = made));

  /** A finished run written straight into the ledger, one outcome per (task, attempt). */
  function finishedRun(id: string, solver: SolverSpec, outcomes: [string, number, AttemptOutcome][]): void {
    const dataset = wb.datasets.listDatasets().find((d) => d.id === 'official')!;
    wb.runs.insertFinishedRun(
      {
        id,
        datasetId: 'official',
        versionId: dataset.versionId,
        solver,
        manifest: { dataset: { id: 'official', versionId: dataset.versionId, version: 1, contentHash: 'x' }, taskIds: [], solver } as never,
        at: '2026-11-29T00:00:00.000Z',
      },
      outcomes.map(([questionId, attemptIndex, state]) => ({ questionId, attemptIndex, state, image: 'i', price: 100, earned: state === 'passed' ? 100 : 0, usage: null })),
    );
  }

  it('queues N independent attempts of every task, first attempts before second ones', async () => {
    const runId = await wb.engine.createRun({ datasetId: 'official', taskIds: ['601', '602_1'], solver: { kind: 'gold' }, attempts: 3 });
    const run = wb.runs.getRun(runId);
    expect(run.manifest.attemptsPerTask).toBe(3);
    expect(run.tally).toMatchObject({ tasks: 2, attempts: 6, pending: 6 });
    expect(run.attempts.map((a) => `${a.questionId}#${a.attemptIndex}.${a.tryIndex}`).sort()).toEqual(['601#0.0', '601#1.0', '601#2.0', '602_1#0.0', '602_1#1.0', '602_1#2.0']);
    // A run stopped early has one attempt at each task rather than every attempt at one.
    const firstTwo = wb.runs.claim(runId, 2, process.pid).map((a) => a.attemptIndex);
    expect(firstTwo).toEqual([0, 0]);
  });

  it('marks a task suspect when gold failed it in any repeat of any gold run, and leaves it out on request', async () => {
    finishedRun('gold-a', { kind: 'gold' }, [
      ['601', 0, 'passed'],
      ['601', 1, 'failed'],
      ['601', 2, 'passed'],
      ['602_1', 0, 'passed'],
      ['603', 0, 'error'], // a system error says nothing about the task
    ]);
    finishedRun('gold-b', { kind: 'gold' }, [['602_1', 0, 'passed']]);
    finishedRun('null-run', { kind: 'null' }, [['602_1', 0, 'failed']]); // only gold decides
    expect(wb.runs.goldRecord('official').get('601')).toEqual({ graded: 3, passed: 2, failedIn: ['gold-a'] });
    expect([...wb.runs.suspectTasks('official')]).toEqual([['601', ['gold-a']]]);

    const all = await wb.engine.createRun({ datasetId: 'official', taskIds: ['601', '602_1', '603'], solver: { kind: 'null' } });
    expect(wb.runs.getRun(all).manifest.taskIds).toEqual(['601', '602_1', '603']);
    const clean = await wb.engine.createRun({ datasetId: 'official', taskIds: ['601', '602_1', '603'], solver: { kind: 'null' }, excludeSuspect: true });
    const manifest = wb.runs.getRun(clean).manifest;
    expect(manifest.taskIds).toEqual(['602_1', '603']);
    expect(manifest.excludedSuspect).toEqual([{ questionId: '601', goldRuns: ['gold-a'] }]);
    await expect(wb.engine.createRun({ datasetId: 'official', taskIds: ['601'], solver: { kind: 'null' }, excludeSuspect: true })).rejects.toThrow(
      /every selected task is suspect/,
    );
  });

  it('refuses a repeat count out of range at the contract', async () => {
    await expect(wb.engine.createRun({ datasetId: 'official', taskIds: ['601'], solver: { kind: 'gold' }, attempts: 0 })).rejects.toThrow(/attempts/);
    await expect(wb.engine.createRun({ datasetId: 'official', taskIds: ['601'], solver: { kind: 'gold' }, attempts: 101 })).rejects.toThrow(/attempts/);
  });
});
