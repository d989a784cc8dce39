/**
 * The public types of the built-in model agent: its configuration, the hooks the engine gives it,
 * the steps it reports as it works, and what solve() returns.
 */
import type { SolveContext, SolveResult, Solver } from '../../solvers/solver';

/**
 * How the agent talks to the model.
 * - `official`: the reference agent's text protocol (harness doc §5.1): the first ```python block
 *   of each reply runs, `<user-tool>` runs the user tool, a reply of exactly "done" ends.
 * - `tools`: native function calling (bash, python, edit_file, write_file, user_tool,
 *   submit_decision, finish), with a fallback for models that write calls as text.
 */
export type AgentProtocol = 'official' | 'tools';

/** Why an attempt's agent loop stopped. None of them is a system error. */
export type StopReason = 'finished' | 'turns' | 'tokens' | 'budget' | 'time' | 'model_error' | 'cancelled';

/** Token counts of one model reply, as the server reported them. */
export interface StepUsage {
  inputTokens: number;
  cachedTokens: number;
  outputTokens: number;
  reasoningTokens: number;
}

/**
 * One entry of an agent's transcript, reported to hooks.onStep as it happens.
 * - `model`: a reply (its text, the first tool call, usage, latency);
 * - `tool`: a tool or code run and what it returned to the model;
 * - `user_tool`: a run of the official user tool;
 * - `note`: something the loop decided (a retry, a context trim, a protocol switch, a warning
 *   sent to the model).
 */
export interface AgentStep {
  index: number;
  /** ISO time the step started. */
  at: string;
  kind: 'model' | 'tool' | 'user_tool' | 'note';
  /** Assistant text. */
  message?: string;
  toolCall?: { name: string; arguments: unknown; raw?: string };
  /** What the model was sent back, possibly truncated. */
  observation?: string;
  /** Size in UTF-8 bytes of the full output before truncation. */
  observationBytes?: number;
  exitCode?: number | null;
  durationMs: number;
  usage?: StepUsage;
  costUsd?: number;
  /** The call was read from the reply's text (a code block, `<tool_call>` text), not a native tool call. */
  fallback: boolean;
  note?: string;
}

/** Retry policy for model calls (429, 5xx, timeouts, connection errors, unreadable replies). */
export interface RetryPolicy {
  /** Retries after the first try; default 6. */
  maxRetries: number;
  /** First backoff; doubles each retry (with jitter); default 1000. */
  baseDelayMs: number;
  /** Longest single wait, also the cap on a server's Retry-After; default 60000. */
  maxDelayMs: number;
}

export interface BuiltinAgentConfig {
  protocol: AgentProtocol;
  /** OpenAI-compatible base URL including /v1; in production the metering proxy. */
  baseUrl: string;
  apiKey: string;
  model: string;
  params?: { temperature?: number; reasoningEffort?: string; maxTokens?: number };
  /** The context size the history is trimmed to (estimated tokens); default 110000 as the reference agent. */
  contextTokens?: number;
  limits: {
    /** Model calls; the reference agent makes 40. */
    maxTurns: number;
    /** Per code run or tool call; the reference agent allows 300 s. */
    actionTimeoutSec: number;
    /** Longer outputs keep their head and tail, with a line saying how much was cut. */
    observationMaxChars: number;
    wallTimeSec?: number;
    /** Input plus output tokens of the whole attempt. */
    maxTokens?: number;
    maxUsd?: number;
    /** One HTTP request to the model; default 600 (the openai client's default). */
    requestTimeoutSec?: number;
  };
  /**
   * Replaces the text appended to the task prompt (default: OFFICIAL_ADDITIONAL_INSTRUCTIONS or
   * TOOLS_ADDITIONAL_INSTRUCTIONS for the protocol). Applies to the configured protocol only: if
   * a server rejects tools and the attempt falls back to `official`, the official default is used.
   */
  additionalInstructions?: string;
  /** A file whose text replaces the additional instructions (read when the agent is created). */
  additionalInstructionsFile?: string;
  /** The interpreter of the official protocol's `python -c` and of the python tool; default `python`. */
  pythonCommand?: string;
  retry?: Partial<RetryPolicy>;
}

export interface AgentHooks {
  onStep(step: AgentStep): void;
  /** Tokens and $ so far from the proxy, for limits. */
  usage?(): { inputTokens: number; outputTokens: number; costUsd: number };
  /** Runs the official user tool for IC tasks in the container (the engine supplies it). */
  runUserTool?(signal: AbortSignal): Promise<{ ok: boolean; output: string }>;
}

/** What solve() returns: the engine reads `stopReason`; `note` says why in words. */
export interface AgentSolveResult extends SolveResult {
  stopReason: StopReason;
  note: string;
  /** The protocol the attempt ended with (`tools` may have switched to `official`). */
  protocol: AgentProtocol;
  /** Model calls made. */
  turns: number;
  /** Sums of the usage the server reported in its replies. */
  usage: StepUsage;
}

/** A Solver whose solve() also says why it stopped. */
export interface BuiltinAgent extends Solver {
  solve(ctx: SolveContext): Promise<AgentSolveResult>;
}
