import { describe, expect, it } from 'vitest';
import type { AttemptSummary } from '../../../shared/runs';
import { runsToResultsCsv } from './results-csv';

const attempt = (questionId: string, state: AttemptSummary['state'], earned: number, extra: Partial<AttemptSummary> = {}): AttemptSummary => ({
  id: `r.${questionId}`, runId: 'r', questionId, attemptIndex: 0, tryIndex: 0, retried: false, state, phase: null,
  image: 'img', price: 500, earned, queuedAt: '', startedAt: null, finishedAt: null, error: null, containerId: null, ...extra,
});

describe('results.csv', () => {
  it('writes the official columns, one row per final try, Python spellings', () => {
    const csv = runsToResultsCsv([
      attempt('9002', 'failed', 0),
      attempt('9001', 'error', 0, { retried: true }),
      attempt('9001', 'passed', 1234.5, { tryIndex: 1 }),
      attempt('9003', 'error', 0),
    ]);
    expect(csv).toBe(
      'question_id,attempt_id,correct,input_tokens,output_tokens,reasoning_tokens,earned\n' +
        '9001,0,True,0,0,0,1234.5\n9002,0,False,0,0,0,0.0\n9003,0,False,0,0,0,0.0\n',
    );
  });

  it("writes an agent attempt's real token counts, as the metering proxy counted them", () => {
    const usage = { requests: 3, inputTokens: 5400, cachedTokens: 200, outputTokens: 61, reasoningTokens: 4, costUsd: 0.02, estimated: false };
    const csv = runsToResultsCsv([attempt('9001', 'passed', 250, { usage })]);
    expect(csv.split('\n')[1]).toBe('9001,0,True,5400,61,4,250.0');
  });
});
