/**
 * Where the replay and compare views live in the URL, for links from other pages:
 * `#/replay/<attemptId>` and `#/compare/<attemptIdA>/<attemptIdB>`.
 *
 * Kept free of React and of the transport so any page can import it cheaply.
 */

/** The hash of an attempt's replay (its video, trace timeline and logs). */
export function replayHref(attemptId: string): string {
  return `#/replay/${encodeURIComponent(attemptId)}`;
}

/** The hash of two attempts replayed side by side in sync. */
export function compareHref(a: string, b: string): string {
  return `#/compare/${encodeURIComponent(a)}/${encodeURIComponent(b)}`;
}

export type ReplayRoute = { kind: 'replay'; attemptId: string } | { kind: 'compare'; a: string; b: string };

function decode(part: string | undefined): string | null {
  if (!part) return null;
  try {
    return decodeURIComponent(part);
  } catch {
    return null;
  }
}

/** The replay or compare route a hash names, or null for any other page (or a malformed one). */
export function replayRouteFromHash(hash: string): ReplayRoute | null {
  const parts = hash.replace(/^#\/?/, '').split('/');
  if (parts[0] === 'replay') {
    const attemptId = decode(parts[1]);
    return attemptId ? { kind: 'replay', attemptId } : null;
  }
  if (parts[0] === 'compare') {
    const a = decode(parts[1]);
    const b = decode(parts[2]);
    return a && b ? { kind: 'compare', a, b } : null;
  }
  return null;
}
