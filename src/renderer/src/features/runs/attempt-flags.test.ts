import { describe, expect, it } from 'vitest';
import { NO_USAGE, type UsageSummary } from '../../../../shared/agents';
import type { GradingRecord } from '../../../../shared/runs';
import { attemptFlags, countedGrading, flagCounts, flagCountText, flagLabel } from './attempt-flags';

const proxy: UsageSummary = { ...NO_USAGE, requests: 3, inputTokens: 10_000, outputTokens: 1_000 };
const differs: GradingRecord = {
  mode: 'both',
  official: { outcome: 'passed', earned: 250, exitCodes: [0] },
  clean: { outcome: 'failed', earned: 0, exitCodes: [1] },
  differs: true,
};

describe('attemptFlags', () => {
  it('flags nothing on an attempt of a run made before these records existed', () => {
    expect(attemptFlags({})).toEqual([]);
    expect(attemptFlags({ grading: null, outsideRepoChanges: null, processesLeft: null, usage: null, agentUsage: null })).toEqual([]);
  });

  it('flags gradings that differ, but not two that agree', () => {
    expect(attemptFlags({ grading: differs })).toEqual(['grading-differs']);
    expect(attemptFlags({ grading: { ...differs, clean: differs.official, differs: false } })).toEqual([]);
  });

  it('flags changes outside the repository and processes left running only when there are some', () => {
    expect(attemptFlags({ outsideRepoChanges: [], processesLeft: [] })).toEqual([]);
    expect(
      attemptFlags({ outsideRepoChanges: [{ path: '/app/tests/test_x.py', area: 'tests', change: 'modified' }], processesLeft: [{ pid: 42, command: 'sleep 1000' }] }),
    ).toEqual(['outside-changes', 'processes-left']);
  });

  it("flags an agent's own token count only when it is off the proxy's by more than tokensDisagree allows", () => {
    const own = { inputTokens: 10_000, cachedTokens: 0, outputTokens: 1_000, reasoningTokens: 0 };
    expect(attemptFlags({ usage: proxy, agentUsage: own })).toEqual([]);
    expect(attemptFlags({ usage: proxy, agentUsage: { ...own, inputTokens: 10_150 } })).toEqual([]);
    expect(attemptFlags({ usage: proxy, agentUsage: { ...own, inputTokens: 12_000 } })).toEqual(['tokens-disagree']);
    // Without both counts there is nothing to compare.
    expect(attemptFlags({ usage: null, agentUsage: { ...own, inputTokens: 12_000 } })).toEqual([]);
  });
});

describe('flagCounts', () => {
  it("counts each flag over a run's attempts, in a fixed order, leaving out flags nobody has", () => {
    const counts = flagCounts([
      { processesLeft: [{ pid: 1, command: 'node server.js' }] },
      { grading: differs },
      { grading: differs, processesLeft: [] },
      {},
    ]);
    expect(counts).toEqual([
      { flag: 'grading-differs', count: 2 },
      { flag: 'processes-left', count: 1 },
    ]);
    expect(counts.map(flagCountText)).toEqual(['2 attempts: grading differs', '1 attempt: left processes running']);
    expect(flagCounts([{}, {}])).toEqual([]);
  });

  it('labels every flag', () => {
    expect(flagLabel('grading-differs')).toBe('grading differs');
    expect(flagLabel('tokens-disagree')).toBe('tokens disagree');
  });
});

describe('countedGrading', () => {
  it('says the clean grading counted whenever it ran, else the official one', () => {
    expect(countedGrading(differs)).toBe('clean');
    expect(countedGrading({ mode: 'clean', official: null, clean: differs.clean, differs: false })).toBe('clean');
    expect(countedGrading({ mode: 'both', official: differs.official, clean: null, differs: false })).toBe('official');
    expect(countedGrading({ mode: 'both', official: null, clean: null, differs: false })).toBeNull();
  });
});
