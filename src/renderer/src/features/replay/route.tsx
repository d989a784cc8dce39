/**
 * Mounts the replay and compare views: the shell asks `useReplayRoute()` whether the hash names
 * one, and renders `<ReplayRouteView>` instead of the current section when it does.
 */
import { useSyncExternalStore, type ReactElement } from 'react';
import { assertNever } from '../../../../shared/result';
import { ComparePage } from './compare-page';
import { replayRouteFromHash, type ReplayRoute } from './links';
import { ReplayPage } from './replay-page';
import { prefetchReplay } from './use-replay';

function subscribe(listener: () => void): () => void {
  window.addEventListener('hashchange', listener);
  return () => window.removeEventListener('hashchange', listener);
}

/**
 * A replay's data is asked for the moment its hash appears (this listener is added at start-up,
 * before React's, and the page's own link is checked at once), not once React has rendered the
 * view and run its effects: opening a replay waits on that request first.
 */
function prefetchRoute(): void {
  const route = replayRouteFromHash(location.hash);
  if (route?.kind === 'replay') prefetchReplay(route.attemptId);
}
window.addEventListener('hashchange', prefetchRoute);
prefetchRoute();

let cached: { hash: string; route: ReplayRoute | null } | undefined;

/** The route as a stable object per hash, for useSyncExternalStore. */
function snapshot(): ReplayRoute | null {
  if (cached?.hash !== location.hash) cached = { hash: location.hash, route: replayRouteFromHash(location.hash) };
  return cached.route;
}

/** The replay or compare route in the address bar, or null on any other page. */
export function useReplayRoute(): ReplayRoute | null {
  return useSyncExternalStore(subscribe, snapshot);
}

/** The label of the main region while a replay route is shown. */
export function replayRouteLabel(route: ReplayRoute): string {
  return route.kind === 'replay' ? 'Replay' : 'Compare';
}

export function ReplayRouteView({ route }: { route: ReplayRoute }): ReactElement {
  switch (route.kind) {
    case 'replay':
      return <ReplayPage key={route.attemptId} attemptId={route.attemptId} />;
    case 'compare':
      return <ComparePage key={`${route.a}\n${route.b}`} a={route.a} b={route.b} />;
    default:
      return assertNever(route, 'replay route');
  }
}
