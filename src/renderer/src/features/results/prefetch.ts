/**
 * Results' first answer, asked for while its code still loads. The page's chunk (Plot and d3)
 * takes a few hundred milliseconds to arrive and run; the run list and the report of the newest
 * finished run (what the page shows first) are asked for at once instead of after it. In the
 * main chunk on purpose: it must not wait for the page's code.
 */
import type { Report } from '../../../../shared/reports';
import type { RunSummary } from '../../../../shared/runs';
import { invoke } from '../../api';
import { useRunsStore } from '../runs/runs-store';

/** Newest first: the finish time where there is one. */
export function byNewest(a: RunSummary, b: RunSummary): number {
  return (b.finishedAt ?? b.createdAt).localeCompare(a.finishedAt ?? a.createdAt);
}

/** The run Results picks to begin with. */
export function newestFinishedRun(runs: readonly RunSummary[]): string | undefined {
  return [...runs].filter((r) => r.status === 'finished').sort(byNewest)[0]?.id;
}

/** The identity of a report question (use-report.ts asks by the same key). */
export function reportKey(runIds: readonly string[], excludeSuspect: boolean, round: number): string {
  return JSON.stringify({ runIds, excludeSuspect, round });
}

let pending: { key: string; report: Promise<Report> } | null = null;

/**
 * Starts asking for the first report (called when the Results code starts to load). The run
 * list goes into the runs store the page reads, so the page draws its picker at once too.
 */
export function prefetchFirstReport(): void {
  const store = useRunsStore.getState();
  void store.loadRuns().then(() => {
    const first = newestFinishedRun(useRunsStore.getState().runs ?? []);
    if (!first) return;
    const report = invoke('reports.get', { runIds: [first], excludeSuspect: false });
    report.catch(() => undefined); // whoever takes it handles the error; nobody may, then it is dropped
    pending = { key: reportKey([first], false, 0), report };
  });
}

/** The prefetched answer to this question, once; null when there is none for it. */
export function takePrefetchedReport(key: string): Promise<Report> | null {
  if (pending?.key !== key) return null;
  const { report } = pending;
  pending = null;
  return report;
}
