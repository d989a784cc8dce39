/**
 * Where two attempts part ways: the first step at which their traces' actions differ.
 *
 * Actions are compared by title ("frame.click #send", "page.goto http://…"), which names both
 * the call and its target; durations, times and errors are ignored, since two runs of the same
 * step never take exactly as long. Pure, unit-tested in diverge.test.ts.
 */

export interface Divergence {
  /** The step (0-based) at which the sequences first differ. */
  step: number;
  /** Position of the differing action in each sequence; null on the side that ended before it. */
  a: number | null;
  b: number | null;
}

/** A title with its whitespace runs collapsed, so a wrapped selector still matches. */
export function normalizeTitle(title: string): string {
  return title.trim().replace(/\s+/g, ' ');
}

/**
 * The first point where two action sequences differ, or null when they are the same.
 *
 * When one sequence is a prefix of the other, they differ at the first step the shorter one
 * lacks: that side's position is null (it stopped there, typically on a failed assertion).
 */
export function firstDivergence(a: readonly { title: string }[], b: readonly { title: string }[]): Divergence | null {
  const shared = Math.min(a.length, b.length);
  for (let i = 0; i < shared; i++) {
    if (normalizeTitle((a[i] as { title: string }).title) !== normalizeTitle((b[i] as { title: string }).title)) return { step: i, a: i, b: i };
  }
  if (a.length === b.length) return null;
  return { step: shared, a: a.length > shared ? shared : null, b: b.length > shared ? shared : null };
}
