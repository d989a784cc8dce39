import { describe, expect, it } from 'vitest';
import { bootstrapSums, createRng, mcnemarExactP, passAtK, passHatK, percentile } from './stats';

/** Every k-subset of {0, …, n−1}, as index arrays: the brute force the estimators must match. */
function subsets(n: number, k: number): number[][] {
  if (k === 0) return [[]];
  if (n < k) return [];
  // Either n−1 is left out, or it is in and the rest is a (k−1)-subset of the first n−1.
  return [...subsets(n - 1, k), ...subsets(n - 1, k - 1).map((s) => [...s, n - 1])];
}

/** Attempts 0..c−1 passed, c..n−1 failed; the share of k-subsets that satisfy `accept`. */
function bruteForce(n: number, c: number, k: number, accept: (passes: number) => boolean): number {
  const all = subsets(n, k);
  return all.filter((s) => accept(s.filter((attempt) => attempt < c).length)).length / all.length;
}

function binomialBig(n: number, k: number): bigint {
  let result = 1n;
  for (let i = 1; i <= k; i++) result = (result * BigInt(n - k + i)) / BigInt(i);
  return result;
}

/** The McNemar p by exact integer arithmetic: 2 · Σ_{i ≤ min} C(N, i) / 2^N, capped at 1. */
function mcnemarBig(b: number, c: number): number {
  const total = b + c;
  let tail = 0n;
  for (let i = 0; i <= Math.min(b, c); i++) tail += binomialBig(total, i);
  // 2^N ≤ 2^60 and the tail ≤ 2^60 are exact doubles, so only the final division rounds.
  return Math.min(1, Number(2n * tail) / Number(2n ** BigInt(total)));
}

describe('createRng', () => {
  it('gives the same sequence for the same seed and another for another seed', () => {
    const draw = (seed: number) => {
      const rng = createRng(seed);
      return Array.from({ length: 20 }, () => rng());
    };
    expect(draw(42)).toEqual(draw(42));
    expect(draw(43)).not.toEqual(draw(42));
  });

  it('stays in [0, 1) and is roughly uniform', () => {
    const rng = createRng(7);
    const draws = 100_000;
    let sum = 0;
    let outOfRange = 0;
    const deciles = new Array<number>(10).fill(0);
    for (let i = 0; i < draws; i++) {
      const u = rng();
      if (!(u >= 0 && u < 1)) outOfRange++;
      else deciles[Math.floor(u * 10)]!++;
      sum += u;
    }
    expect(outOfRange).toBe(0);
    expect(Math.abs(sum / draws - 0.5)).toBeLessThan(0.01);
    // Each tenth expects 10,000 draws (sd ≈ 95); a broken mixer piles them up far beyond this.
    for (const count of deciles) expect(Math.abs(count - draws / 10)).toBeLessThan(600);
  });

  it('leaves consecutive draws uncorrelated', () => {
    // The state only steps by a constant, so poor mixing shows up as successive values that
    // move together; with 100k pairs the sample correlation of independent draws has sd ≈ 0.003.
    const rng = createRng(11);
    const draws = Array.from({ length: 100_001 }, () => rng());
    let cross = 0;
    let square = 0;
    for (let i = 0; i < draws.length - 1; i++) {
      cross += (draws[i]! - 0.5) * (draws[i + 1]! - 0.5);
      square += (draws[i]! - 0.5) ** 2;
    }
    expect(Math.abs(cross / square)).toBeLessThan(0.015);
  });
});

describe('percentile', () => {
  it('interpolates linearly between order statistics', () => {
    const sorted = [10, 20, 30, 40, 50];
    expect(percentile(sorted, 0)).toBe(10);
    expect(percentile(sorted, 1)).toBe(50);
    expect(percentile(sorted, 0.5)).toBe(30);
    // h = 4 · 0.1 = 0.4: 10 + 0.4 · (20 − 10).
    expect(percentile(sorted, 0.1)).toBeCloseTo(14, 12);
    // h = 4 · 0.975 = 3.9: 40 + 0.9 · 10.
    expect(percentile(Float64Array.from(sorted), 0.975)).toBeCloseTo(49, 12);
    expect(percentile([3], 0.3)).toBe(3);
  });

  it('rejects an empty array and q outside [0, 1]', () => {
    expect(() => percentile([], 0.5)).toThrow(RangeError);
    expect(() => percentile([1, 2], 1.5)).toThrow(/q must be in \[0, 1\]/);
    expect(() => percentile([1, 2], Number.NaN)).toThrow(RangeError);
  });
});

describe('passAtK', () => {
  it('matches the subset enumeration for every n ≤ 8, c and k', () => {
    for (let n = 1; n <= 8; n++)
      for (let c = 0; c <= n; c++)
        for (let k = 1; k <= n; k++) expect(passAtK(n, c, k), `n=${n} c=${c} k=${k}`).toBeCloseTo(bruteForce(n, c, k, (passes) => passes >= 1), 12);
  });

  it('gives hand-worked values', () => {
    // 1 − C(3,2)/C(5,2) = 1 − 3/10.
    expect(passAtK(5, 2, 2)).toBeCloseTo(0.7, 12);
    // One attempt: pass@1 is the pass rate c/n.
    expect(passAtK(4, 1, 1)).toBeCloseTo(0.25, 12);
    // Fewer failures than k: every draw holds a pass, exactly.
    expect(passAtK(5, 4, 2)).toBe(1);
    expect(passAtK(5, 0, 3)).toBe(0);
  });

  it('stays finite and exact enough for a thousand attempts', () => {
    expect(passAtK(1000, 1, 1)).toBeCloseTo(0.001, 12);
    const p = passAtK(1000, 500, 10);
    expect(Number.isFinite(p)).toBe(true);
    expect(p).toBeGreaterThan(0);
    expect(p).toBeLessThan(1);
    // 1 − Π_{i=0..9} (500 − i)/(1000 − i) ≈ 1 − 2^−10: close to but below that.
    expect(p).toBeGreaterThan(1 - 1 / 1024);
  });

  it('names the bad argument', () => {
    expect(() => passAtK(0, 0, 1)).toThrow(/n must be/);
    expect(() => passAtK(3, 4, 1)).toThrow(/c must be/);
    expect(() => passAtK(3, -1, 1)).toThrow(RangeError);
    expect(() => passAtK(3, 1, 0)).toThrow(/k must be/);
    expect(() => passAtK(3, 1, 4)).toThrow(/k must be/);
    expect(() => passAtK(3, 1.5, 1)).toThrow(/c must be/);
  });
});

describe('passHatK', () => {
  it('matches the subset enumeration for every n ≤ 8, c and k', () => {
    for (let n = 1; n <= 8; n++)
      for (let c = 0; c <= n; c++)
        for (let k = 1; k <= n; k++) expect(passHatK(n, c, k), `n=${n} c=${c} k=${k}`).toBeCloseTo(bruteForce(n, c, k, (passes) => passes === k), 12);
  });

  it('gives hand-worked values', () => {
    // C(3,2)/C(5,2) = 3/10.
    expect(passHatK(5, 3, 2)).toBeCloseTo(0.3, 12);
    expect(passHatK(5, 1, 2)).toBe(0);
    expect(passHatK(5, 5, 5)).toBe(1);
  });

  it('stays finite for a thousand attempts', () => {
    expect(passHatK(1000, 999, 1)).toBeCloseTo(0.999, 12);
    const p = passHatK(1000, 500, 10);
    expect(p).toBeGreaterThan(0);
    // Just under 2^−10: each factor (500 − i)/(1000 − i) is at most 1/2.
    expect(p).toBeLessThan(1 / 1024);
  });

  it('names the bad argument', () => {
    expect(() => passHatK(2, 3, 1)).toThrow(/passHatK: c must be/);
    expect(() => passHatK(2, 1, 3)).toThrow(/passHatK: k must be/);
  });
});

describe('mcnemarExactP', () => {
  it('gives hand-worked values', () => {
    expect(mcnemarExactP(0, 0)).toBe(1);
    // N = 6, min = 1: 2 · (C(6,0) + C(6,1)) / 2^6 = 2 · 7 / 64.
    expect(mcnemarExactP(1, 5)).toBeCloseTo(0.21875, 12);
    expect(mcnemarExactP(5, 1)).toBeCloseTo(0.21875, 12);
    // N = 6, min = 0: 2 · 1 / 64.
    expect(mcnemarExactP(0, 6)).toBeCloseTo(0.03125, 12);
    // N = 6, min = 3: 2 · (1 + 6 + 15 + 20) / 64 = 84/64, capped.
    expect(mcnemarExactP(3, 3)).toBe(1);
    // N = 12, min = 2: 2 · (C(12,0) + C(12,1) + C(12,2)) / 2^12 = 2 · (1 + 12 + 66) / 4096
    // = 158/4096 = 0.03857421875.
    expect(mcnemarExactP(2, 10)).toBeCloseTo(0.03857421875, 12);
  });

  it('matches exact integer arithmetic for every table with b + c ≤ 60', () => {
    for (let total = 1; total <= 60; total++)
      for (let b = 0; b <= total; b++) {
        const expected = mcnemarBig(b, total - b);
        const actual = mcnemarExactP(b, total - b);
        // Relative: the smallest p here is 2^−59, which an absolute tolerance would not see.
        expect(Math.abs(actual - expected), `b=${b} c=${total - b}`).toBeLessThanOrEqual(expected * 1e-9);
      }
  });

  it('stays a number in [0, 1] for huge tables', () => {
    const p = mcnemarExactP(40_000, 40_500);
    expect(Number.isFinite(p)).toBe(true);
    expect(p).toBeGreaterThanOrEqual(0);
    expect(p).toBeLessThanOrEqual(1);
    // z ≈ 500 / √80500 ≈ 1.76: a two-sided p near 0.08, not 0 and not 1.
    expect(p).toBeGreaterThan(0.05);
    expect(p).toBeLessThan(0.1);
    expect(mcnemarExactP(50_000, 50_000)).toBe(1);
    // A p below the smallest double underflows to 0, not to NaN.
    expect(mcnemarExactP(0, 100_000)).toBe(0);
  });

  it('rejects negative or fractional counts', () => {
    expect(() => mcnemarExactP(-1, 2)).toThrow(/onlyA/);
    expect(() => mcnemarExactP(1, 2.5)).toThrow(/onlyB/);
  });
});

describe('bootstrapSums', () => {
  const typical = (n: number, seed: number): Float64Array => {
    const rng = createRng(seed);
    // Task prices: most fail (0), some earn a few hundred to a few thousand dollars.
    return Float64Array.from({ length: n }, () => (rng() < 0.35 ? 250 + Math.floor(rng() * 40) * 100 : 0));
  };
  const sumOf = (column: Float64Array) => column.reduce((a, b) => a + b, 0);

  it('matches a naive bootstrap driven by createRng(seed)', () => {
    // The bootstrap steps createRng's generator inline; redo it the slow, obvious way: draw each
    // row as ⌊u · n⌋, sum, sort, and read the quantiles at h = (m − 1) · q.
    const naive = (column: Float64Array, resamples: number, seed: number, level: number): [number, number] => {
      const rng = createRng(seed);
      const sums: number[] = [];
      for (let r = 0; r < resamples; r++) {
        let sum = 0;
        for (let j = 0; j < column.length; j++) sum += column[Math.floor(rng() * column.length)]!;
        sums.push(sum);
      }
      sums.sort((a, b) => a - b);
      const quantile = (q: number) => {
        const h = (sums.length - 1) * q;
        const i = Math.floor(h);
        return i + 1 < sums.length ? sums[i]! + (h - i) * (sums[i + 1]! - sums[i]!) : sums[i]!;
      };
      return [quantile((1 - level) / 2), quantile((1 + level) / 2)];
    };
    const column = typical(50, 12);
    for (const level of [0.95, 0.9, 0.5]) {
      const [[lo, hi]] = bootstrapSums([column], { resamples: 301, seed: 5, level }) as [[number, number]];
      const [expectedLo, expectedHi] = naive(column, 301, 5, level);
      expect(lo, `level ${level}`).toBeCloseTo(expectedLo, 6);
      expect(hi, `level ${level}`).toBeCloseTo(expectedHi, 6);
    }
    const [defaultLevel] = bootstrapSums([column], { resamples: 301, seed: 5 });
    expect(defaultLevel).toEqual(bootstrapSums([column], { resamples: 301, seed: 5, level: 0.95 })[0]);
  });

  it('is reproducible with the same seed and moves with another', () => {
    const column = typical(300, 1);
    const once = bootstrapSums([column], { resamples: 500, seed: 9 });
    expect(bootstrapSums([column], { resamples: 500, seed: 9 })).toEqual(once);
    expect(bootstrapSums([column], { resamples: 500, seed: 10 })).not.toEqual(once);
  });

  it('brackets the sample sum for typical data', () => {
    for (const seed of [1, 2, 3]) {
      const column = typical(400, seed);
      const [[lo, hi]] = bootstrapSums([column], { resamples: 1000, seed }) as [[number, number]];
      expect(lo).toBeLessThan(sumOf(column));
      expect(hi).toBeGreaterThan(sumOf(column));
    }
  });

  it('narrows with the level', () => {
    const column = typical(400, 4);
    const [[lo95, hi95]] = bootstrapSums([column], { resamples: 1000, seed: 4 }) as [[number, number]];
    const [[lo50, hi50]] = bootstrapSums([column], { resamples: 1000, seed: 4, level: 0.5 }) as [[number, number]];
    expect(lo50).toBeGreaterThan(lo95);
    expect(hi50).toBeLessThan(hi95);
  });

  it('can draw every row', () => {
    // Two rows [0, 1]: a resampled sum is 0, 1 or 2 with chances 1/4, 1/2, 1/4, so the 95%
    // interval spans all three; a draw that never reached the last row would give [0, 0].
    expect(bootstrapSums([Float64Array.from([0, 1])], { resamples: 2000, seed: 1 })).toEqual([[0, 2]]);
    for (let row = 0; row < 5; row++) {
      const oneHot = new Float64Array(5);
      oneHot[row] = 1;
      const [[, hi]] = bootstrapSums([oneHot], { resamples: 500, seed: 2 }) as [[number, number]];
      expect(hi, `row ${row}`).toBeGreaterThanOrEqual(1);
    }
  });

  it('draws rows uniformly', () => {
    // Column = row number 0..99: the resampled sum has mean 4950 and sd √100 · 28.9 ≈ 289, so the
    // middle of its 50% interval sits within a few dollars of 4950 (the median of 2000 resampled
    // sums has sd ≈ 8). Rows drawn 10% short of the top would centre it near 4455.
    const rows = Float64Array.from({ length: 100 }, (_, i) => i);
    const [[lo, hi]] = bootstrapSums([rows], { resamples: 2000, seed: 8, level: 0.5 }) as [[number, number]];
    expect(Math.abs((lo + hi) / 2 - 4950)).toBeLessThan(60);
  });

  it('gives a zero-width interval at n × value for a constant column', () => {
    const [interval] = bootstrapSums([new Float64Array(37).fill(250)], { resamples: 200, seed: 1 });
    expect(interval).toEqual([37 * 250, 37 * 250]);
  });

  it("narrows the mean's interval as n grows", () => {
    const width = (n: number) => {
      const [[lo, hi]] = bootstrapSums([typical(n, 5)], { resamples: 1000, seed: 5 }) as [[number, number]];
      return (hi - lo) / n;
    };
    const ratio = width(1600) / width(400);
    // The standard error of a mean falls as 1/√n: four times the rows, about half the width.
    expect(ratio).toBeGreaterThan(0.35);
    expect(ratio).toBeLessThan(0.65);
  });

  it('draws one set of rows per resample for all columns', () => {
    const column = typical(250, 6);
    const doubled = column.map((v) => 2 * v);
    const [single, pairFirst, pairSecond] = [
      ...bootstrapSums([column], { resamples: 400, seed: 3 }),
      ...bootstrapSums([column, doubled], { resamples: 400, seed: 3 }),
    ] as [[number, number], [number, number], [number, number]];
    // Adding a column does not change the first one's draws, and doubling is exact in floating
    // point, so only shared resamples give exactly twice the interval.
    expect(pairFirst).toEqual(single);
    expect(pairSecond).toEqual([2 * single[0], 2 * single[1]]);
    // A column drawn on its own rows would not line up: reverse the rows and the link is gone.
    const [, reversed] = bootstrapSums([column, doubled.slice().reverse()], { resamples: 400, seed: 3 });
    expect(reversed).not.toEqual([2 * single[0], 2 * single[1]]);
  });

  it('throws on columns of different lengths', () => {
    expect(() => bootstrapSums([new Float64Array(3), new Float64Array(4)], { resamples: 10, seed: 1 })).toThrow(/same length/);
  });

  it('rejects bad options', () => {
    expect(() => bootstrapSums([new Float64Array(3)], { resamples: 0, seed: 1 })).toThrow(/resamples/);
    expect(() => bootstrapSums([new Float64Array(3)], { resamples: 10, seed: 1, level: 1 })).toThrow(/level/);
  });

  it('gives [0, 0] per column with no rows', () => {
    expect(bootstrapSums([new Float64Array(0), new Float64Array(0)], { resamples: 100, seed: 1 })).toEqual([
      [0, 0],
      [0, 0],
    ]);
    expect(bootstrapSums([], { resamples: 100, seed: 1 })).toEqual([]);
  });

  it('covers a Bernoulli(0.3) mean sensibly', () => {
    const rng = createRng(2024);
    const n = 200;
    const column = Float64Array.from({ length: n }, () => (rng() < 0.3 ? 1 : 0));
    const [[lo, hi]] = bootstrapSums([column], { resamples: 2000, seed: 11 }) as [[number, number]];
    const meanLo = lo / n;
    const meanHi = hi / n;
    expect(meanLo).toBeGreaterThan(0.2);
    expect(meanHi).toBeLessThan(0.4);
    // Expected width ≈ 2 · 1.96 · √(0.21 / 200) ≈ 0.127.
    expect(meanHi - meanLo).toBeGreaterThan(0.05);
    expect(meanHi - meanLo).toBeLessThan(0.2);
  });
});
