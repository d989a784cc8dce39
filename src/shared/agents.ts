/**
 * Model agents as every front door sees them: the built-in agent's run settings, what an attempt
 * spent, why it stopped, and its transcript. (The agent itself lives in main/core/agents.)
 */
import { z } from 'zod';
import { cliAgentNames, type CliAgentName } from './cli-agents';

export const agentProtocols = ['official', 'tools'] as const;
export type AgentProtocol = (typeof agentProtocols)[number];

/** Why an attempt's agent stopped. None of them is a system error. */
export const stopReasons = ['finished', 'turns', 'tokens', 'budget', 'time', 'model_error', 'cancelled'] as const;
export type StopReason = (typeof stopReasons)[number];

// Apart, so the renderer can use them without loading this module's schemas (and zod).
export { NO_USAGE, sumUsage, tokensDisagree, type AgentOwnUsage, type UsageSummary } from './usage';
export { customAgentEnvNames } from './agent-env';

/** One step of an agent's transcript, as stored in the ledger. */
export interface AgentStepRecord {
  index: number;
  at: string;
  kind: 'model' | 'tool' | 'user_tool' | 'note';
  message: string | null;
  toolCall: { name: string; arguments: unknown; raw?: string } | null;
  /** The observation, or its first part when the whole is in the artifact store. */
  observation: string | null;
  observationBytes: number | null;
  /** The whole observation's artifact when it was too long to keep inline. */
  observationSha256: string | null;
  exitCode: number | null;
  durationMs: number;
  usage: { inputTokens: number; cachedTokens: number; outputTokens: number; reasoningTokens: number } | null;
  costUsd: number | null;
  fallback: boolean;
  note: string | null;
}

/** Prices in dollars per million tokens; reasoning tokens count as output. */
export const pricesSchema = z
  .object({
    inputPerM: z.number().min(0).max(10_000),
    cachedInputPerM: z.number().min(0).max(10_000),
    outputPerM: z.number().min(0).max(10_000),
  })
  .strict();
export type Prices = z.infer<typeof pricesSchema>;

export const agentParamsSchema = z
  .object({
    temperature: z.number().min(0).max(5).optional(),
    reasoningEffort: z.string().regex(/^[a-z_-]{1,32}$/).optional(),
    maxTokens: z.number().int().min(1).max(10_000_000).optional(),
  })
  .strict();

/** The agents a run can use: the built-in one, the CLI agents, a custom command line. */
export const agentNames = ['builtin', ...cliAgentNames, 'custom'] as const;
export type AgentName = (typeof agentNames)[number];

/** An environment variable's name (where an API key is read from at run time). */
export const envNameSchema = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, 'must be an environment variable name');

/**
 * The built-in agent as a run's solver, as a front door asks for it: a saved endpoint by name,
 * or a base URL and model given inline (with the key from an environment variable, if any).
 */
export const builtinSolverInputSchema = z
  .object({
    kind: z.literal('builtin'),
    endpoint: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/).optional(),
    baseUrl: z.string().url().regex(/^https?:\/\//, 'must be an http(s) URL').max(2000).optional(),
    model: z.string().min(1).max(300).optional(),
    apiKeyEnv: envNameSchema.optional(),
    protocol: z.enum(agentProtocols).optional(),
    prices: pricesSchema.optional(),
    params: agentParamsSchema.optional(),
    contextTokens: z.number().int().min(1000).max(100_000_000).optional(),
    maxTurns: z.number().int().min(1).max(1000).optional(),
    maxTokens: z.number().int().min(1).optional(),
    attemptBudgetUsd: z.number().positive().max(1_000_000).optional(),
    budgetUsd: z.number().positive().max(10_000_000).optional(),
    wallTimeSec: z.number().int().min(10).max(7 * 86_400).optional(),
    actionTimeoutSec: z.number().int().min(1).max(86_400).optional(),
    observationMaxChars: z.number().int().min(200).max(10_000_000).optional(),
    /** Which agent solves: the built-in one (default), a CLI agent run in the container, or a custom command line. */
    agent: z.enum(agentNames).optional(),
    /** A custom agent's command line, run by bash in the repository (see customAgentEnvNames). */
    agentCommand: z.string().min(1).max(10_000).optional(),
    /** A custom agent's extra environment. Recorded in the manifest: never put a key here. */
    agentEnv: z.record(envNameSchema, z.string().max(10_000)).optional(),
  })
  .strict()
  .refine((s) => (s.endpoint !== undefined ? s.baseUrl === undefined && s.model === undefined : s.baseUrl !== undefined && s.model !== undefined), {
    message: 'give a saved endpoint, or a base URL and a model (not both)',
  })
  .refine((s) => (s.agent === 'custom') === (s.agentCommand !== undefined), {
    message: 'a custom agent needs its command line (agentCommand), and only a custom agent takes one',
    path: ['agentCommand'],
  })
  .refine((s) => s.agent === 'custom' || s.agentEnv === undefined, { message: 'only a custom agent takes agentEnv', path: ['agentEnv'] });

export type BuiltinSolverInput = z.infer<typeof builtinSolverInputSchema>;

/** Which agent a run's attempts use, as the manifest records it. */
export type AgentChoice =
  | { name: 'builtin' }
  | { name: CliAgentName; version: string }
  | { name: 'custom'; command: string; env: Record<string, string> };

/** A model agent as recorded in a run's manifest: everything but the key. */
export interface BuiltinSolverSpec {
  kind: 'builtin';
  /** Absent in runs made before CLI agents existed: the built-in agent. */
  agent?: AgentChoice;
  endpoint: {
    /** The saved endpoint's name, or null for one given inline. */
    name: string | null;
    baseUrl: string;
    model: string;
    /** Where the key came from (never the key): an environment variable, the secret store, none. */
    apiKey: { source: 'env'; name: string } | { source: 'stored' } | { source: 'none' };
    prices: Prices;
    contextTokens: number | null;
    params: z.infer<typeof agentParamsSchema>;
  };
  protocol: AgentProtocol;
  limits: {
    maxTurns: number;
    maxTokens: number | null;
    attemptBudgetUsd: number | null;
    wallTimeSec: number;
    actionTimeoutSec: number;
    observationMaxChars: number;
  };
  /** The run's dollar cap: no new attempt starts once it is spent. */
  budgetUsd: number | null;
}
