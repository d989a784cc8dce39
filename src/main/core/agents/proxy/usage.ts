/**
 * Token usage and cost: the one place that turns what a server reported (in any of the three
 * wire formats) into the numbers a run reports, so the UI, the CLI and exports agree.
 */

/** Prices in dollars per million tokens; reasoning tokens are billed as output. */
export interface Prices {
  inputPerM: number;
  cachedInputPerM: number;
  outputPerM: number;
}

/** Token counts of one or more model calls. */
export interface TokenCounts {
  /** All prompt tokens, cached ones included. */
  inputTokens: number;
  /** The part of inputTokens read from a prompt cache. */
  cachedTokens: number;
  /** All completion tokens, reasoning ones included. */
  outputTokens: number;
  /** The part of outputTokens spent reasoning (informational; already priced as output). */
  reasoningTokens: number;
}

/** What a set of model calls used and cost. */
export interface Usage extends TokenCounts {
  /** Model calls forwarded upstream (generation endpoints only; /v1/models is not counted). */
  requests: number;
  costUsd: number;
  /** True when any part was estimated because a server reported no usage. */
  estimated: boolean;
}

/** The wire format of an endpoint, which decides how its usage is read. */
export type WireApi = 'chat' | 'responses' | 'messages';

/** A Usage of nothing. */
export function zeroUsage(): Usage {
  return { requests: 0, inputTokens: 0, cachedTokens: 0, outputTokens: 0, reasoningTokens: 0, costUsd: 0, estimated: false };
}

/**
 * Dollars for some tokens: uncached input at the input price, cached input at the cached price,
 * output (reasoning included) at the output price.
 */
export function costUsd(t: TokenCounts, p: Prices): number {
  const cached = Math.min(t.cachedTokens, t.inputTokens);
  return ((t.inputTokens - cached) * p.inputPerM + cached * p.cachedInputPerM + t.outputTokens * p.outputPerM) / 1e6;
}

/** Adds `b` into `a` (mutates `a`). */
export function addUsage(a: Usage, b: Usage): void {
  a.requests += b.requests;
  a.inputTokens += b.inputTokens;
  a.cachedTokens += b.cachedTokens;
  a.outputTokens += b.outputTokens;
  a.reasoningTokens += b.reasoningTokens;
  a.costUsd += b.costUsd;
  a.estimated = a.estimated || b.estimated;
}

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : 0);
const obj = (v: unknown): Record<string, unknown> | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;

/**
 * Reads a server's `usage` object. Returns null when it holds no token counts, so the caller
 * estimates instead of recording zeros as if they were real.
 *
 * Anthropic reports `input_tokens` without cache reads and cache writes, so those are added back
 * to make inputTokens the whole prompt as in the OpenAI formats. Cache writes are priced as
 * plain input (the price table has no field for Anthropic's surcharge).
 */
export function readUsage(api: WireApi, raw: unknown): TokenCounts | null {
  const u = obj(raw);
  if (!u) return null;
  // Some servers answer one API with another's usage shape; the field names tell them apart.
  if ('prompt_tokens' in u || 'completion_tokens' in u) {
    return {
      inputTokens: num(u.prompt_tokens),
      cachedTokens: num(obj(u.prompt_tokens_details)?.cached_tokens),
      outputTokens: num(u.completion_tokens),
      reasoningTokens: num(obj(u.completion_tokens_details)?.reasoning_tokens),
    };
  }
  if (!('input_tokens' in u) && !('output_tokens' in u)) return null;
  if (api === 'messages' || 'cache_read_input_tokens' in u || 'cache_creation_input_tokens' in u) {
    const read = num(u.cache_read_input_tokens);
    return {
      inputTokens: num(u.input_tokens) + num(u.cache_creation_input_tokens) + read,
      cachedTokens: read,
      outputTokens: num(u.output_tokens),
      reasoningTokens: 0,
    };
  }
  return {
    inputTokens: num(u.input_tokens),
    cachedTokens: num(obj(u.input_tokens_details)?.cached_tokens),
    outputTokens: num(u.output_tokens),
    reasoningTokens: num(obj(u.output_tokens_details)?.reasoning_tokens),
  };
}

/** A rough token count for text when a server reports none: four characters a token. */
export function estimateTokens(chars: number): number {
  return Math.ceil(chars / 4);
}

/**
 * Characters of every string in a request body except the model name, as the estimate's
 * prompt size: messages, system prompt and tool definitions all cost prompt tokens.
 */
export function requestChars(body: unknown): number {
  let n = 0;
  const walk = (v: unknown, key: string | null): void => {
    if (typeof v === 'string') {
      if (key !== 'model') n += v.length;
    } else if (Array.isArray(v)) {
      for (const x of v) walk(x, null);
    } else if (typeof v === 'object' && v !== null) {
      for (const [k, x] of Object.entries(v)) walk(x, k);
    }
  };
  walk(body, null);
  return n;
}
