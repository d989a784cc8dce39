import { describe, expect, it, vi } from 'vitest';
import type { RunSummary } from '../../../../shared/runs';

const calls: { channel: string; input: unknown }[] = [];
const run = (id: string, status: RunSummary['status'], finishedAt: string | null): RunSummary =>
  ({ id, status, createdAt: '2026-11-01T00:00:00Z', finishedAt, datasetId: 'd', solver: { kind: 'gold' }, concurrency: 1 }) as RunSummary;

vi.mock('../../api', () => ({
  invoke: (channel: string, input: unknown) => {
    calls.push({ channel, input });
    if (channel === 'runs.list') return Promise.resolve([run('old', 'finished', '2026-11-02T00:00:00Z'), run('new', 'finished', '2026-11-03T00:00:00Z'), run('live', 'running', null)]);
    return Promise.resolve({ runs: [{ runId: (input as { runIds: string[] }).runIds[0] }] });
  },
}));

const { prefetchFirstReport, reportKey, takePrefetchedReport } = await import('./prefetch');

describe('the first report, asked for while the Results code loads', () => {
  it('asks for the newest finished run and hands the answer over once, to the same question only', async () => {
    prefetchFirstReport();
    await vi.waitFor(() => expect(calls.map((c) => c.channel)).toEqual(['runs.list', 'reports.get']));
    expect(calls[1]!.input).toEqual({ runIds: ['new'], excludeSuspect: false });
    expect(takePrefetchedReport(reportKey(['old'], false, 0))).toBeNull();
    expect(takePrefetchedReport(reportKey(['new'], true, 0))).toBeNull();
    const taken = takePrefetchedReport(reportKey(['new'], false, 0));
    expect(await taken).toEqual({ runs: [{ runId: 'new' }] });
    // Once: a later question (a refresh, a return to the page) asks the server again.
    expect(takePrefetchedReport(reportKey(['new'], false, 0))).toBeNull();
  });
});
