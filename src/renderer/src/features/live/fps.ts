/**
 * Frame timing for the large live view: a bounded record of when frames were shown, and the
 * frames per second measured over the last moments. Pure, unit-tested in fps.test.ts.
 */

/** Appends `time`, dropping the oldest entries beyond `limit` (in place; returns the array). */
export function pushBounded(times: number[], time: number, limit: number): number[] {
  times.push(time);
  if (times.length > limit) times.splice(0, times.length - limit);
  return times;
}

/**
 * Frames per second over the `windowMs` before `now`: the intervals between the frames in that
 * window, so a stream that just started is not under-counted. 0 with fewer than two frames.
 */
export function measuredFps(times: readonly number[], now: number, windowMs = 2000): number {
  let first = -1;
  let count = 0;
  let last = 0;
  for (const t of times) {
    if (t < now - windowMs || t > now) continue;
    if (first < 0) first = t;
    last = t;
    count += 1;
  }
  // The stream stalled: no frame for a while means nothing is moving now.
  if (count < 2 || now - last > windowMs / 2) return 0;
  return ((count - 1) * 1000) / (last - first || 1);
}
