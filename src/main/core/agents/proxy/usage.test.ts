import { describe, expect, it } from 'vitest';
import { SseSplitter } from './sse-splitter';
import { costUsd, readUsage } from './usage';

describe('readUsage', () => {
  it('reads each wire format into the same counts', () => {
    expect(
      readUsage('chat', { prompt_tokens: 100, completion_tokens: 50, prompt_tokens_details: { cached_tokens: 40 }, completion_tokens_details: { reasoning_tokens: 20 } }),
    ).toEqual({ inputTokens: 100, cachedTokens: 40, outputTokens: 50, reasoningTokens: 20 });
    expect(
      readUsage('responses', { input_tokens: 100, output_tokens: 50, input_tokens_details: { cached_tokens: 40 }, output_tokens_details: { reasoning_tokens: 20 } }),
    ).toEqual({ inputTokens: 100, cachedTokens: 40, outputTokens: 50, reasoningTokens: 20 });
    // Anthropic: input_tokens excludes cache reads and writes.
    expect(readUsage('messages', { input_tokens: 10, cache_creation_input_tokens: 50, cache_read_input_tokens: 40, output_tokens: 50 })).toEqual({
      inputTokens: 100,
      cachedTokens: 40,
      outputTokens: 50,
      reasoningTokens: 0,
    });
  });

  it('returns null when there are no counts, so the caller estimates', () => {
    expect(readUsage('chat', null)).toBeNull();
    expect(readUsage('chat', {})).toBeNull();
    expect(readUsage('responses', { total_tokens: 5 })).toBeNull();
  });
});

describe('costUsd', () => {
  it('prices uncached input, cached input and output apart', () => {
    const p = { inputPerM: 3, cachedInputPerM: 0.3, outputPerM: 15 };
    expect(costUsd({ inputTokens: 2_000_000, cachedTokens: 1_000_000, outputTokens: 100_000, reasoningTokens: 50_000 }, p)).toBeCloseTo(3 + 0.3 + 1.5, 12);
    expect(costUsd({ inputTokens: 10, cachedTokens: 0, outputTokens: 0, reasoningTokens: 0 }, { inputPerM: 0, cachedInputPerM: 0, outputPerM: 0 })).toBe(0);
  });
});

describe('SseSplitter', () => {
  const stream = 'event: a\r\ndata: {"x":"é"}\r\n\r\n: comment\ndata: one\ndata: two\n\ndata: [DONE]\n\n';

  it('yields the same events wherever the chunks are cut, keeping their exact text', () => {
    const bytes = Buffer.from(stream);
    for (let cut = 1; cut < bytes.length; cut += 1) {
      const s = new SseSplitter();
      const events = [...s.push(bytes.subarray(0, cut)), ...s.push(bytes.subarray(cut)), ...s.end()];
      expect(events.map((e) => [e.event, e.data])).toEqual([
        ['a', '{"x":"é"}'],
        [null, 'one\ntwo'],
        [null, '[DONE]'],
      ]);
      expect(events.map((e) => e.raw).join('')).toBe(stream);
    }
  });
});
