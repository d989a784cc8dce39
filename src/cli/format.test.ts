import { describe, expect, it } from 'vitest';
import { attemptLabel, formatDollarsCli } from './format';

/** What the CLI printed before: Intl's own formatting, the reference the hand-written one must equal. */
const intl = (n: number, decimals: number): string => `$${n.toLocaleString('en-US', { maximumFractionDigits: decimals })}`;

describe('formatDollarsCli', () => {
  it('prints what Intl prints, for edges of rounding, grouping and sign', () => {
    const values = [
      0, -0, 1, -1, 0.5, 1.5, 2.5, -2.5, 0.005, 0.0049, 1.005, 2.675, 1.015, 0.045, 9.995, 99.995, 999.995, 999_999.995,
      -0.001, -0.004, 1234.5, 1_000, 999, 12_345_678.9, 123_456_789.125, 0.1 + 0.2, 33_547, 1e-7, 1e21, 2 ** 53, Number.MAX_SAFE_INTEGER,
    ];
    for (const decimals of [0, 2, 4]) for (const n of values) expect(formatDollarsCli(n, decimals), `${n} with ${decimals} decimals`).toBe(intl(n, decimals));
  });

  it('prints what Intl prints for many amounts with cents and fractions of cents', () => {
    // A fixed sequence (no seed needed): prices, sums of prices, means over attempts.
    let x = 0.37;
    for (let i = 0; i < 5_000; i++) {
      x = (x * 7919.13 + i / 3) % 2_500_000;
      const n = i % 2 ? -x : x;
      for (const decimals of [0, 2]) expect(formatDollarsCli(n, decimals), `${n} with ${decimals} decimals`).toBe(intl(n, decimals));
      const cents = Math.round(x * 100) / 100;
      expect(formatDollarsCli(cents)).toBe(intl(cents, 2));
    }
  });
});

describe('attemptLabel', () => {
  it('names the attempt and the try only when there is more than one, counted from 1', () => {
    expect(attemptLabel({ questionId: '9001', attemptIndex: 0, tryIndex: 0 })).toBe('9001');
    expect(attemptLabel({ questionId: '9001', attemptIndex: 0, tryIndex: 1 })).toBe('9001 (try 2)');
    expect(attemptLabel({ questionId: '9001', attemptIndex: 2, tryIndex: 0 })).toBe('9001 (attempt 3)');
    expect(attemptLabel({ questionId: '9001', attemptIndex: 1, tryIndex: 1 })).toBe('9001 (attempt 2, try 2)');
  });
});
