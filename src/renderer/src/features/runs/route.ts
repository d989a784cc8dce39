/**
 * The Runs page's place in the URL: `#/runs`, `#/runs/<runId>`, `#/runs/<runId>/<attemptId>`,
 * so a reload or a shared link opens the same run and attempt.
 */
import { useSyncExternalStore } from 'react';

export interface RunsRoute {
  runId: string | null;
  attemptId: string | null;
}

function decode(part: string | undefined): string | null {
  if (!part) return null;
  try {
    return decodeURIComponent(part);
  } catch {
    return null;
  }
}

export function routeFromHash(hash: string): RunsRoute {
  const parts = hash.replace(/^#\/?/, '').split('/');
  if (parts[0] !== 'runs') return { runId: null, attemptId: null };
  const runId = decode(parts[1]);
  return { runId, attemptId: runId === null ? null : decode(parts[2]) };
}

export function runsHash(runId: string | null, attemptId: string | null = null): string {
  if (runId === null) return '#/runs';
  return attemptId === null
    ? `#/runs/${encodeURIComponent(runId)}`
    : `#/runs/${encodeURIComponent(runId)}/${encodeURIComponent(attemptId)}`;
}

export function navigateRuns(runId: string | null, attemptId: string | null = null): void {
  location.hash = runsHash(runId, attemptId);
}

function subscribe(listener: () => void): () => void {
  window.addEventListener('hashchange', listener);
  return () => window.removeEventListener('hashchange', listener);
}

let cached: { hash: string; route: RunsRoute } | undefined;

/** The route as a stable object per hash, for useSyncExternalStore. */
function snapshot(): RunsRoute {
  if (cached?.hash !== location.hash) cached = { hash: location.hash, route: routeFromHash(location.hash) };
  return cached.route;
}

export function useRunsRoute(): RunsRoute {
  return useSyncExternalStore(subscribe, snapshot);
}
