/**
 * An agent run on a model server that gives no answer is refused, when it is made and when it is
 * resumed (the engine, the front doors' handler, the resume at start-up), so that no attempt
 * ends model_error for a server that is not there. Real SQLite and the scripted model server
 * (real HTTP); the runtime never starts a container.
 */
import { describe, expect, it } from 'vitest';
import { useLedgerWorkbench } from '../../../../tests/helpers/ledger-workbench';
import { startScriptedModelServer } from '../../../../tests/helpers/scripted-model-server';
import { createHandlers } from '../handlers/handlers';
import { dispatch } from '../handlers/dispatch';
import type { Workbench } from '../workbench';

describe('an agent run whose model server does not answer', () => {
  let wb: Workbench;
  useLedgerWorkbench((made) => (wb = made));

  it('is made while the server answers; once it is gone, neither a new run nor a resume starts', async () => {
    const server = await startScriptedModelServer({ script: [] });
    const { url } = server;
    const solver = { kind: 'builtin' as const, baseUrl: url, model: 'm' };
    const runId = await wb.engine.createRun({ datasetId: 'official', taskIds: ['601'], solver });
    await server.close();

    await expect(wb.engine.createRun({ datasetId: 'official', taskIds: ['601'], solver })).rejects.toThrow(`the model server does not answer (GET ${url}/models: connection failed: ECONNREFUSED)`);
    expect(wb.runs.listRuns().map((r) => r.id)).toEqual([runId]);

    await expect(wb.engine.resume(runId)).rejects.toThrow('the model server does not answer');
    // Through the front doors' handler: refused with the reason, the run left as it was.
    const answer = await dispatch(createHandlers(wb), 'runs.resume', { runId });
    expect(answer).toMatchObject({ ok: false, error: { code: 'unavailable', message: expect.stringContaining(`GET ${url}/models`) } });
    expect(wb.runs.runSettings(runId).status).toBe('queued');
    expect(wb.runs.getRun(runId).tally).toMatchObject({ pending: 1 });

    // At start-up (the window, serve mode), a run no live process drives is resumed; this one is
    // paused instead, its attempt still queued, for Resume once the server is back.
    expect(await wb.recoverRuns({ resume: true })).toEqual([runId]);
    await expect.poll(() => wb.runs.runSettings(runId).status).toBe('paused');
    expect(wb.runs.getRun(runId).tally).toMatchObject({ pending: 1 });
  });

  it('a run of another solver resumes without asking any server; an ended run cannot resume', async () => {
    const runId = await wb.engine.createRun({ datasetId: 'official', taskIds: ['601'], solver: { kind: 'gold' } });
    await expect(wb.engine.checkResume(runId)).resolves.toBeUndefined();
    wb.engine.cancel(runId);
    await expect(wb.engine.checkResume(runId)).rejects.toThrow(`run ${runId} is cancelled`);
  });
});
