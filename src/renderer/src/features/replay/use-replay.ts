/**
 * Loading what the replay and compare views show: the attempt's replay, where it ran (run and
 * solver, for labels), and the other attempts of the same task to compare with.
 *
 * Each hook loads once per id; the views are keyed by id, so a new id starts from a clean state.
 */
import { useEffect, useState } from 'react';
import type { AttemptReplay } from '../../../../shared/replay';
import { solverName as solverNameOf, type AttemptDetail, type AttemptSummary, type RunSummary } from '../../../../shared/runs';
import { invoke } from '../../api';

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export type Loaded<T> = { status: 'loading' } | { status: 'ready'; value: T } | { status: 'error'; error: string };

/** Everything to replay an attempt's grading runs. */
export function useAttemptReplay(attemptId: string): Loaded<AttemptReplay> {
  const [state, setState] = useState<Loaded<AttemptReplay>>({ status: 'loading' });
  useEffect(() => {
    let live = true;
    invoke('replay.get', { attemptId }).then(
      (value) => live && setState({ status: 'ready', value }),
      (error: unknown) => live && setState({ status: 'error', error: errorText(error) }),
    );
    return () => {
      live = false;
    };
  }, [attemptId]);
  return state;
}

export interface AttemptContext {
  attempt: AttemptDetail;
  run: RunSummary | undefined;
}

/** The attempt's ledger row and its run's summary (solver, dataset); undefined until known or when unavailable. */
export function useAttemptContext(attemptId: string): AttemptContext | undefined {
  const [context, setContext] = useState<AttemptContext>();
  useEffect(() => {
    let live = true;
    void Promise.all([invoke('attempts.get', { attemptId }), invoke('runs.list', {})]).then(
      ([attempt, runs]) => live && setContext({ attempt, run: runs.find((r) => r.id === attempt.runId) }),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [attemptId]);
  return context;
}

export interface Sibling {
  attempt: AttemptSummary;
  run: RunSummary;
}

/** How many of the latest runs are searched for other attempts of the same task. */
const RUNS_SEARCHED = 40;

/**
 * Other attempts of the same task, newest run first, for the compare picker. Reads the latest
 * runs one by one (`runs.get`), since no channel lists attempts by task yet.
 */
export function useSiblingAttempts(questionId: string, excludeId: string): Sibling[] | undefined {
  const [siblings, setSiblings] = useState<Sibling[]>();
  useEffect(() => {
    let live = true;
    const load = async (): Promise<Sibling[]> => {
      const runs = (await invoke('runs.list', {})).slice().sort((a, b) => b.createdAt.localeCompare(a.createdAt)).slice(0, RUNS_SEARCHED);
      const found: Sibling[] = [];
      for (let i = 0; i < runs.length && live; i += 4) {
        const batch = runs.slice(i, i + 4);
        const details = await Promise.all(batch.map((run) => invoke('runs.get', { runId: run.id }).catch(() => null)));
        details.forEach((detail, j) => {
          const run = batch[j];
          if (!detail || !run) return;
          for (const attempt of detail.attempts) {
            if (attempt.questionId === questionId && attempt.id !== excludeId) found.push({ attempt, run });
          }
        });
      }
      return found;
    };
    load().then(
      (value) => live && setSiblings(value),
      () => live && setSiblings([]),
    );
    return () => {
      live = false;
    };
  }, [questionId, excludeId]);
  return siblings;
}

/** The run's solver in short ("gold", a predictions file, "agent <model>"), or a dash. */
export function solverName(run: RunSummary | undefined): string {
  return run ? solverNameOf(run.solver) : '—';
}

/** The run id without its `run-` prefix, which is still unique. */
export function shortRunId(id: string): string {
  return id.replace(/^run-/, '');
}
