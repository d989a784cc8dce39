/**
 * The statistics behind earnings analytics: a seeded bootstrap for the intervals, the unbiased
 * pass@k and pass^k estimators for repeated attempts, and McNemar's exact test for comparing two
 * runs on the same tasks. Pure functions, no I/O: the same ledger must give the same report.
 */
import type { Interval } from '../../../shared/reports';

const TWO_POW_32 = 4294967296;
/** 2^32 / φ: the Weyl increment, odd, so the state visits all 2^32 values before repeating. */
const GOLDEN_GAMMA = 0x9e3779b9;

/**
 * The murmur3 32-bit finalizer: a bijection on 32-bit integers that spreads every input bit over
 * the output, turning the evenly spaced Weyl states into well-mixed values. Returns an unsigned
 * integer in [0, 2^32). A plain function (no captured state) so V8 inlines it into hot loops.
 */
function mix32(state: number): number {
  let z = Math.imul(state ^ (state >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/**
 * A seeded PRNG returning floats in [0, 1): a Weyl sequence (adding the 32-bit golden-ratio
 * constant) pushed through `mix32`. It is not cryptographic; it is small, fast and well enough
 * mixed for resampling, and — the point — the same seed always gives the same sequence, so a
 * report's intervals do not move between runs. The seed is taken as a 32-bit unsigned integer
 * (fractional parts dropped, other values wrapped modulo 2^32).
 */
export function createRng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + GOLDEN_GAMMA) | 0;
    return mix32(state) / TWO_POW_32;
  };
}

/**
 * The q-quantile (q in [0, 1]) of an ascending array, by linear interpolation between order
 * statistics: with m values, the position is h = (m − 1)·q and the result is
 * sorted[⌊h⌋] + (h − ⌊h⌋)·(sorted[⌊h⌋ + 1] − sorted[⌊h⌋]) (Hyndman & Fan type 7, numpy's
 * default), so q = 0 is the minimum and q = 1 the maximum. The bootstrap uses the same rule.
 */
export function percentile(sorted: Float64Array | number[], q: number): number {
  if (sorted.length === 0) throw new RangeError('percentile: sorted must not be empty');
  if (!(q >= 0 && q <= 1)) throw new RangeError(`percentile: q must be in [0, 1], got ${q}`);
  const h = (sorted.length - 1) * q;
  const below = Math.floor(h);
  const lo = sorted[below]!;
  if (below === sorted.length - 1) return lo;
  const hi = sorted[below + 1]!;
  const fraction = h - below;
  // Equal neighbours give exactly that value (no rounding from the interpolation).
  return fraction === 0 || lo === hi ? lo : lo + fraction * (hi - lo);
}

export interface BootstrapOptions {
  /** Number of resamples (a positive integer). */
  resamples: number;
  /** Seed for the resampling, so the same data give the same intervals. */
  seed: number;
  /** Confidence level in (0, 1); 0.95 (the 2.5th and 97.5th percentiles) when omitted. */
  level?: number;
}

/**
 * Percentile-bootstrap intervals for the SUM of each column, resampling rows (tasks) with
 * replacement. Every resample draws one set of n row indices shared by all columns, so the
 * intervals of several columns come from the same resamples (pass them in one call rather than
 * one call each: the draw is the costly part, and related statistics stay consistent).
 *
 * Returns one [lo, hi] per column, the (1 − level)/2 and (1 + level)/2 quantiles of the resampled
 * sums under the rule of `percentile`. For the interval of a MEAN, divide both ends by n. With no
 * rows every interval is [0, 0]. The rows drawn are ⌊u · n⌋ for the successive values u of
 * `createRng(seed)`, so a slow reference implementation can reproduce the intervals exactly.
 */
export function bootstrapSums(columns: readonly Float64Array[], opts: BootstrapOptions): Interval[] {
  const { resamples, seed, level = 0.95 } = opts;
  if (!Number.isInteger(resamples) || resamples < 1) throw new RangeError(`bootstrapSums: resamples must be a positive integer, got ${resamples}`);
  if (!(level > 0 && level < 1)) throw new RangeError(`bootstrapSums: level must be in (0, 1), got ${level}`);
  if (columns.length === 0) return [];
  const n = columns[0]!.length;
  columns.forEach((column, i) => {
    if (column.length !== n) throw new Error(`bootstrapSums: every column must have the same length; column 0 has ${n} rows, column ${i} has ${column.length}`);
  });
  if (n === 0) return columns.map((): Interval => [0, 0]);

  // Allocated once: the index buffer is refilled for each resample and each column's sums are
  // written in place, so the loop allocates nothing.
  const indices = new Int32Array(n);
  const sums = columns.map(() => new Float64Array(resamples));
  const firstColumn = columns[0]!;
  const firstSums = sums[0]!;
  // The generator of `createRng`, stepped inline: calling its closure per draw measured two to
  // three times slower, and the draws dominate the cost. A row is ⌊u · n / 2^32⌋ for a uniform
  // 32-bit u (off from 1/n by at most n/2^32 per row, far below resampling noise).
  const rowScale = n / TWO_POW_32;
  let state = seed >>> 0;
  for (let r = 0; r < resamples; r++) {
    // The first column is summed while drawing (saves a pass over the indices); the others reuse
    // the same indices, which is what makes their intervals come from the same resamples.
    let firstSum = 0;
    for (let j = 0; j < n; j++) {
      state = (state + GOLDEN_GAMMA) | 0;
      const row = (mix32(state) * rowScale) | 0;
      indices[j] = row;
      firstSum += firstColumn[row]!;
    }
    firstSums[r] = firstSum;
    for (let c = 1; c < columns.length; c++) {
      const column = columns[c]!;
      let sum = 0;
      for (let j = 0; j < n; j++) sum += column[indices[j]!]!;
      sums[c]![r] = sum;
    }
  }

  const tail = (1 - level) / 2;
  return sums.map((columnSums): Interval => {
    // Float64Array#sort is numeric and in place: one sort per column, no comparator calls.
    columnSums.sort();
    return [percentile(columnSums, tail), percentile(columnSums, 1 - tail)];
  });
}

/** Shared argument rules of pass@k and pass^k: integers with n ≥ 1, 0 ≤ c ≤ n, 1 ≤ k ≤ n. */
function checkAttemptCounts(name: string, n: number, c: number, k: number): void {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`${name}: n must be an integer ≥ 1, got ${n}`);
  if (!Number.isInteger(c) || c < 0 || c > n) throw new RangeError(`${name}: c must be an integer in [0, n = ${n}], got ${c}`);
  if (!Number.isInteger(k) || k < 1 || k > n) throw new RangeError(`${name}: k must be an integer in [1, n = ${n}], got ${k}`);
}

/**
 * The unbiased pass@k estimate for a task with n graded attempts of which c passed: the chance
 * that k attempts drawn without replacement include at least one pass, 1 − C(n−c, k)/C(n, k).
 * The ratio is computed as Π_{i=n−c+1..n} (1 − k/i), whose factors are all in [0, 1], so nothing
 * overflows the way the binomial coefficients would for n in the hundreds.
 */
export function passAtK(n: number, c: number, k: number): number {
  checkAttemptCounts('passAtK', n, c, k);
  // Fewer than k failures: every draw of k attempts contains a pass.
  if (n - c < k) return 1;
  let allFail = 1;
  for (let i = n - c + 1; i <= n; i++) allFail *= 1 - k / i;
  return 1 - allFail;
}

/**
 * pass^k for a task with n graded attempts of which c passed: the chance that k attempts drawn
 * without replacement ALL pass, C(c, k)/C(n, k) = Π_{i=0..k−1} (c − i)/(n − i), a product of
 * factors in [0, 1] so it cannot overflow.
 */
export function passHatK(n: number, c: number, k: number): number {
  checkAttemptCounts('passHatK', n, c, k);
  if (c < k) return 0;
  let allPass = 1;
  for (let i = 0; i < k; i++) allPass *= (c - i) / (n - i);
  return allPass;
}

/**
 * McNemar's exact test for two paired runs: onlyA tasks passed only by A, onlyB only by B (the
 * discordant pairs; the concordant ones carry no information about a difference). Under the null
 * each discordant pair is a fair coin, so the two-sided p is
 * min(1, 2 · P(X ≤ min(b, c))) for X ~ Binomial(b + c, 1/2); with no discordant pairs it is 1.
 *
 * The tail is summed relative to its largest term, pmf(m) with m = min(b, c) ≤ N/2 (the pmf rises
 * up to the mode), walking down with pmf(i−1)/pmf(i) = i/(N−i+1); log pmf(m) is built from a sum
 * of logs. Nothing there overflows for N in the hundreds of thousands, and a tiny p underflows to
 * 0 rather than to NaN.
 */
export function mcnemarExactP(onlyA: number, onlyB: number): number {
  if (!Number.isInteger(onlyA) || onlyA < 0) throw new RangeError(`mcnemarExactP: onlyA must be a non-negative integer, got ${onlyA}`);
  if (!Number.isInteger(onlyB) || onlyB < 0) throw new RangeError(`mcnemarExactP: onlyB must be a non-negative integer, got ${onlyB}`);
  const total = onlyA + onlyB;
  if (total === 0) return 1;
  const m = Math.min(onlyA, onlyB);

  // log C(N, m) − N·log 2: the log of the largest term of the tail.
  let logTop = -total * Math.LN2;
  for (let j = 0; j < m; j++) logTop += Math.log(total - j) - Math.log(j + 1);

  // Σ_{i=0..m} pmf(i)/pmf(m); the terms fall at least geometrically once i is well below the
  // mode, so stop when they no longer change the sum.
  let term = 1;
  let relativeSum = 1;
  for (let i = m; i > 0; i--) {
    term *= i / (total - i + 1);
    relativeSum += term;
    if (term < relativeSum * 1e-17) break;
  }
  return Math.min(1, 2 * Math.exp(logTop + Math.log(relativeSum)));
}
