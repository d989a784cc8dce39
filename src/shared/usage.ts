/**
 * What an agent's attempt spent, and the arithmetic on it. Apart from agents.ts, which builds
 * zod schemas when it loads: the renderer imports these, and its bundle then carries no zod.
 */

/** Tokens and dollars, as the metering proxy counted them (authoritative). */
export interface UsageSummary {
  requests: number;
  inputTokens: number;
  cachedTokens: number;
  outputTokens: number;
  reasoningTokens: number;
  costUsd: number;
  /** Some server sent no usage: these counts are estimates. */
  estimated: boolean;
}

/** Nothing spent. */
export const NO_USAGE: UsageSummary = { requests: 0, inputTokens: 0, cachedTokens: 0, outputTokens: 0, reasoningTokens: 0, costUsd: 0, estimated: false };

/** Two usages added (a run's total is the sum of its tries'; an estimate makes the sum one). */
export function sumUsage(a: UsageSummary, b: UsageSummary): UsageSummary {
  return {
    requests: a.requests + b.requests,
    inputTokens: a.inputTokens + b.inputTokens,
    cachedTokens: a.cachedTokens + b.cachedTokens,
    outputTokens: a.outputTokens + b.outputTokens,
    reasoningTokens: a.reasoningTokens + b.reasoningTokens,
    costUsd: a.costUsd + b.costUsd,
    estimated: a.estimated || b.estimated,
  };
}

/**
 * Tokens as a CLI agent's own log counts them (input includes cached input, as OpenAI counts).
 * Kept beside the proxy's count, which is authoritative.
 */
export interface AgentOwnUsage {
  inputTokens: number;
  cachedTokens: number;
  outputTokens: number;
  reasoningTokens: number;
}

/**
 * Whether an agent's own count disagrees with the proxy's: input or output tokens apart by
 * more than 2% (and more than 16 tokens, so rounding in small runs is not flagged).
 */
export function tokensDisagree(proxy: UsageSummary, own: AgentOwnUsage): boolean {
  const apart = (a: number, b: number): boolean => Math.abs(a - b) > Math.max(16, 0.02 * Math.max(a, b));
  return apart(proxy.inputTokens, own.inputTokens) || apart(proxy.outputTokens, own.outputTokens);
}
