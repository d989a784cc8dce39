import { describe, expect, it } from 'vitest';
import type { AgentStepRecord, UsageSummary } from '../../../../shared/agents';
import { addUsage, formatSpentPerEarned, formatTokens, formatUsd, runUsageOf, spentPerEarned, stepsUsage, stopReasonLabel, tokenBreakdown } from './usage-format';

const usage = (over: Partial<UsageSummary> = {}): UsageSummary => ({
  requests: 1,
  inputTokens: 1000,
  cachedTokens: 0,
  outputTokens: 100,
  reasoningTokens: 0,
  costUsd: 0.0042,
  estimated: false,
  ...over,
});

describe('usage formats', () => {
  it('keeps the significant digits of fractions of a cent', () => {
    expect(formatUsd(0)).toBe('$0');
    expect(formatUsd(0.0042)).toBe('$0.0042');
    expect(formatUsd(0.000315)).toBe('$0.000315');
    expect(formatUsd(0.0000001)).toBe('<$0.000001');
    expect(formatUsd(12.345)).toBe('$12.35');
    expect(formatUsd(0.25)).toBe('$0.25');
    expect(formatUsd(1234.5)).toBe('$1235');
  });

  it('shortens token counts', () => {
    expect(formatTokens(812)).toBe('812');
    expect(formatTokens(1200)).toBe('1.2k');
    expect(formatTokens(12_345)).toBe('12.3k');
    expect(formatTokens(4_560_000)).toBe('4.56M');
    expect(tokenBreakdown(usage({ cachedTokens: 200, reasoningTokens: 30 }))).toBe('in 1k (200 cached) · out 100 (30 reasoning)');
  });

  it('divides dollars spent by dollars earned, and says so when nothing was earned', () => {
    expect(spentPerEarned(0.5, 250)).toBe(0.002);
    expect(spentPerEarned(0.5, 0)).toBeNull();
    expect(formatSpentPerEarned(0.5, 250)).toBe('$0.002 per $ earned');
    expect(formatSpentPerEarned(0.5, 0)).toBe('nothing earned');
    expect(stopReasonLabel('budget')).toBe('budget spent');
  });

  it("sums a run's tries, and a transcript's steps while it runs", () => {
    expect(addUsage(null, undefined)).toBeNull();
    expect(runUsageOf({ usage: null, attempts: [{ usage: usage() }, { usage: null }, { usage: usage({ estimated: true }) }] })).toMatchObject({
      requests: 2,
      inputTokens: 2000,
      costUsd: 0.0084,
      estimated: true,
    });
    expect(runUsageOf({ usage: usage({ requests: 7 }), attempts: [{ usage: null }] })?.requests).toBe(7);
    const steps = [
      { usage: { inputTokens: 10, cachedTokens: 0, outputTokens: 5, reasoningTokens: 0 }, costUsd: 0.001 },
      { usage: null, costUsd: null },
      { usage: { inputTokens: 20, cachedTokens: 4, outputTokens: 1, reasoningTokens: 1 }, costUsd: 0.002 },
    ] as AgentStepRecord[];
    expect(stepsUsage(steps)).toMatchObject({ requests: 2, inputTokens: 30, cachedTokens: 4, outputTokens: 6, reasoningTokens: 1 });
    expect(stepsUsage(steps).costUsd).toBeCloseTo(0.003, 9);
  });
});
