/**
 * Loading what the replay and compare views show: the attempt's replay, where it ran (run and
 * solver, for labels), and the other attempts of the same task to compare with.
 *
 * Each hook loads once per id; the views are keyed by id, so a new id starts from a clean state.
 */
import { useEffect, useState } from 'react';
import type { AttemptReplay } from '../../../../shared/replay';
import type { AttemptDetail, AttemptSummary, RunSummary } from '../../../../shared/runs';
import { solverName as solverNameOf } from '../../../../shared/solver-name';
import { artifactUrl, invoke } from '../../api';
import { firstFrame } from './agent-timeline';

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export type Loaded<T> = { status: 'loading' } | { status: 'ready'; value: T } | { status: 'error'; error: string };

/**
 * Replays asked for before their view mounted (the route saw the hash change, or the page opened
 * on a replay link): the view takes the answer in flight instead of asking again. Taken once, so
 * a later visit reads a fresh replay (a running attempt's keeps growing).
 */
const prefetched = new Map<string, Promise<AttemptReplay>>();

/** The replay's own request plus, as soon as it answers, the first frame the view will show. */
function loadReplay(attemptId: string): Promise<AttemptReplay> {
  return invoke('replay.get', { attemptId }).then((replay) => {
    preloadFirstFrame(replay);
    return replay;
  });
}

/** Starts loading an attempt's replay now, for a view about to mount. */
export function prefetchReplay(attemptId: string): void {
  if (prefetched.has(attemptId)) return;
  const pending = loadReplay(attemptId);
  // A view that never comes (the hash changed again) must not leave an unhandled rejection.
  pending.catch(() => undefined);
  prefetched.set(attemptId, pending);
  // Not kept for a view that mounts much later: that one reads the replay as it is then.
  setTimeout(() => {
    if (prefetched.get(attemptId) === pending) prefetched.delete(attemptId);
  }, 10_000);
}

function takeReplay(attemptId: string): Promise<AttemptReplay> {
  const pending = prefetched.get(attemptId);
  prefetched.delete(attemptId);
  return pending ?? loadReplay(attemptId);
}

/** Held until loaded: an Image nobody references may be collected, and its request with it. */
const preloading = new Set<HTMLImageElement>();

/**
 * The frame the view shows first (agent-timeline's `firstFrame`) is asked for as soon as the
 * replay's data arrives, while React still renders the view: its <img> then finds it loaded, or
 * on its way, in the browser's memory cache (frames are served immutable), instead of asking only
 * after render and layout.
 */
function preloadFirstFrame(replay: AttemptReplay): void {
  const first = firstFrame(replay);
  if (!first) return;
  const img = new Image();
  img.fetchPriority = 'high';
  const done = (): void => void preloading.delete(img);
  img.onload = done;
  img.onerror = done;
  preloading.add(img);
  img.src = artifactUrl(first.sha256, first.entry);
}

/** Everything to replay an attempt's grading runs. */
export function useAttemptReplay(attemptId: string): Loaded<AttemptReplay> {
  const [state, setState] = useState<Loaded<AttemptReplay>>({ status: 'loading' });
  useEffect(() => {
    let live = true;
    takeReplay(attemptId).then(
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
 * runs one by one (`runs.get`), since no channel lists attempts by task yet; not before `enabled`.
 */
export function useSiblingAttempts(questionId: string, excludeId: string, enabled = true): Sibling[] | undefined {
  const [siblings, setSiblings] = useState<Sibling[]>();
  useEffect(() => {
    if (!enabled) return undefined;
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
  }, [questionId, excludeId, enabled]);
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
