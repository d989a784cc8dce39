/**
 * The live page's data and surroundings: the attempts running now, a ticking clock for elapsed
 * times, whether the page is visible at all, and the large view's place in the URL.
 */
import { useEffect, useState, useSyncExternalStore } from 'react';
import type { AttemptSummary, RunStatus } from '../../../../shared/runs';
import { invoke, on } from '../../api';
import { applyEvent, applySnapshot, dropRuns, emptyLiveState, runningList, type LiveState } from './live-state';

/** How often the list is re-read even when events flow (a dropped socket misses some). */
const REFRESH_MS = 15_000;

const liveStatuses: readonly RunStatus[] = ['queued', 'running', 'paused'];

export interface RunningAttempts {
  attempts: AttemptSummary[];
  loaded: boolean;
  error: string | null;
}

/** The attempts running now, from run snapshots kept current by `run.event`. */
export function useRunningAttempts(): RunningAttempts {
  const [state, setState] = useState<LiveState>(emptyLiveState);
  const [loaded, setLoaded] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let active = true;
    const known = new Set<string>();
    let listed = new Set<string>();
    const refreshRun = async (runId: string): Promise<void> => {
      const detail = await invoke('runs.get', { runId });
      if (active) setState((s) => applySnapshot(s, runId, detail.seq, detail.attempts));
    };
    const refreshAll = async (): Promise<void> => {
      try {
        const runs = await invoke('runs.list', {});
        if (!active) return;
        const live = runs.filter((r) => liveStatuses.includes(r.status));
        const ids = new Set(runs.map((r) => r.id));
        // Ended runs, and runs deleted since the last listing, have nothing running.
        const gone = new Set([...runs.filter((r) => !liveStatuses.includes(r.status)).map((r) => r.id), ...[...listed].filter((id) => !ids.has(id))]);
        listed = ids;
        setState((s) => dropRuns(s, gone));
        for (const run of live) known.add(run.id);
        await Promise.all(live.map((run) => refreshRun(run.id)));
        if (active) {
          setLoaded(true);
          setError(null);
        }
      } catch (e) {
        if (active) setError(e instanceof Error ? e.message : String(e));
      }
    };
    const off = on('run.event', (event) => {
      setState((s) => applyEvent(s, event));
      // A run started after the listing: its snapshot brings attempts claimed before we heard.
      if (event.type === 'run' && !known.has(event.runId) && liveStatuses.includes(event.status)) {
        known.add(event.runId);
        void refreshRun(event.runId).catch(() => undefined);
      }
    });
    void refreshAll();
    const timer = setInterval(() => void refreshAll(), REFRESH_MS);
    return () => {
      active = false;
      off();
      clearInterval(timer);
    };
  }, []);

  return { attempts: runningList(state), loaded, error };
}

/** `Date.now()`, refreshed every `everyMs` while mounted. */
export function useNow(everyMs = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}

function subscribeVisibility(listener: () => void): () => void {
  document.addEventListener('visibilitychange', listener);
  return () => document.removeEventListener('visibilitychange', listener);
}

/** False while the tab or window is hidden: nobody is watching then. */
export function usePageVisible(): boolean {
  return useSyncExternalStore(subscribeVisibility, () => document.visibilityState !== 'hidden');
}

/** `#/live/<attemptId>` opens the large view of one attempt. */
export function liveHref(attemptId: string | null): string {
  return attemptId === null ? '#/live' : `#/live/${encodeURIComponent(attemptId)}`;
}

export function liveAttemptFromHash(hash: string): string | null {
  const parts = hash.replace(/^#\/?/, '').split('/');
  if (parts[0] !== 'live' || !parts[1]) return null;
  try {
    return decodeURIComponent(parts[1]);
  } catch {
    return null;
  }
}

function subscribeHash(listener: () => void): () => void {
  window.addEventListener('hashchange', listener);
  return () => window.removeEventListener('hashchange', listener);
}

/** The attempt whose large view is open, from the URL. */
export function useLiveAttemptRoute(): string | null {
  return useSyncExternalStore(subscribeHash, () => liveAttemptFromHash(location.hash));
}
