/**
 * Asks `reports.get` for the picked runs and keeps the newest answer. A slower answer to an
 * older question never replaces a newer one: each answer is kept with the question it answers,
 * and only the current question's answer is shown.
 */
import { useEffect, useState } from 'react';
import type { Report } from '../../../../shared/reports';
import { invoke } from '../../api';
import { errorText } from '../runs/format';
import { reportKey, takePrefetchedReport } from './prefetch';

export type ReportState =
  | { status: 'idle' }
  /** `previous`: the last report shown, kept (dimmed) while the next one comes, so the page does not jump. */
  | { status: 'loading'; previous?: Report }
  | { status: 'ready'; report: Report }
  | { status: 'error'; error: string };

interface Question {
  runIds: readonly string[];
  excludeSuspect: boolean;
  /** Bumped by "Refresh" to ask again (a new gold run can change which tasks are suspect). */
  round: number;
}

export function useReport(runIds: readonly string[], excludeSuspect: boolean, round: number): ReportState {
  const key = reportKey(runIds, excludeSuspect, round);
  const [answer, setAnswer] = useState<{ key: string; state: ReportState }>();

  useEffect(() => {
    const question = JSON.parse(key) as Question;
    if (question.runIds.length === 0) return undefined;
    let live = true;
    (takePrefetchedReport(key) ?? invoke('reports.get', { runIds: [...question.runIds], excludeSuspect: question.excludeSuspect })).then(
      (report) => live && setAnswer({ key, state: { status: 'ready', report } }),
      (e: unknown) => live && setAnswer({ key, state: { status: 'error', error: errorText(e) } }),
    );
    return () => {
      live = false;
    };
  }, [key]);

  if (runIds.length === 0) return { status: 'idle' };
  if (answer?.key === key) return answer.state;
  return answer?.state.status === 'ready' ? { status: 'loading', previous: answer.state.report } : { status: 'loading' };
}
