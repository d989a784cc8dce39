/**
 * The built-in agent as the engine uses it: turns a run's solver choice into a manifest entry
 * (no key), holds the metering proxy that every model call goes through (only the proxy holds
 * the real key; the agent gets the run's own key), and makes each attempt's solver.
 */
import type { AgentChoice, AgentOwnUsage, BuiltinSolverInput, BuiltinSolverSpec, Prices, StopReason, UsageSummary } from '../../../shared/agents';
import { AppError } from '../../../shared/result';
import type { SolveContext, Solver } from '../solvers/solver';
import { createBuiltinAgent, type AgentStep } from './builtin/builtin-agent';
import type { RetryPolicy } from './builtin/types';
import { solveWithCliAgent } from './cli/cli-agent-solver';
import { containerCacheDir, profileOf } from './cli/profiles';
import { MeteringProxy } from './proxy';
import type { ResolvedEndpoint } from './endpoints';

/** A saved endpoint with its key, as the endpoint store resolves it (the key only there and here). */
export type { ResolvedEndpoint };

export interface AgentServiceDeps {
  /** Looks a saved endpoint up by name, key included; throws AppError('not_found'). */
  resolveEndpoint?: (name: string) => ResolvedEndpoint;
  env?: NodeJS.ProcessEnv;
  /** Keeps an attempt's raw model exchanges (gzipped JSONL, keys removed) as an artifact. */
  storeRaw?: (attemptId: string, name: string, gzipped: Buffer) => void;
  /** The CLI agents' binaries on the host (see AgentCache). */
  agentCache?: { dirOf(name: string): string; status(name: string): Promise<{ state: string; problem?: string }> };
  /** The network CLI agents solve on, where only the proxy answers (see ContainerRuntime.egressNetwork). */
  egressNetwork?: () => Promise<{ name: string; gateway: string }>;
  /** Tests: how long checkReady waits for the model server; {@link SERVER_CHECK_TIMEOUT_MS} otherwise. */
  serverCheckTimeoutMs?: number;
  /** Tests: the built-in agent's retries of a failed model call (its defaults otherwise). */
  modelRetry?: Partial<RetryPolicy>;
}

/** The attempt a proxy pass id (`<attemptId>@<n>`) belongs to. */
function attemptOfPass(passId: string): string {
  return passId.replace(/@\d+$/, '');
}

/** What an attempt's agent did, for the ledger. */
export interface AgentAttemptEnd {
  usage: UsageSummary;
  stopReason: StopReason | null;
  /** CLI agents: the tokens their own log counted. */
  agentUsage?: AgentOwnUsage | null;
}

/** How long a run's creation waits for the model server to answer at all (checkReady). */
const SERVER_CHECK_TIMEOUT_MS = 10_000;

/** The defaults of the reference agent (harness doc §5.1), where a run does not say. */
export const AGENT_DEFAULTS = { maxTurns: 40, actionTimeoutSec: 300, observationMaxChars: 100_000, wallTimeSec: 3600 } as const;

const FREE: Prices = { inputPerM: 0, cachedInputPerM: 0, outputPerM: 0 };

export class AgentService {
  private proxy: MeteringProxy | undefined;
  private starting: Promise<MeteringProxy> | undefined;
  private readonly openRuns = new Set<string>();
  /** Numbers each attempt's pass through the proxy (see solverFor). */
  private passes = 0;

  constructor(private readonly deps: AgentServiceDeps = {}) {}

  private get env(): NodeJS.ProcessEnv {
    return this.deps.env ?? process.env;
  }

  /**
   * The run's solver as its manifest records it: the endpoint (without its key), protocol,
   * prices and limits. Refuses a run whose key cannot be found now rather than at the first call.
   */
  specFor(input: BuiltinSolverInput): BuiltinSolverSpec {
    let endpoint: BuiltinSolverSpec['endpoint'];
    let protocol = input.protocol;
    if (input.endpoint !== undefined) {
      if (!this.deps.resolveEndpoint) throw new AppError('unavailable', 'no endpoint store here: give --base-url and --model');
      const saved = this.deps.resolveEndpoint(input.endpoint);
      endpoint = {
        name: saved.name,
        baseUrl: saved.baseUrl,
        model: saved.model,
        apiKey: saved.apiKeySource,
        prices: input.prices ?? saved.prices,
        contextTokens: input.contextTokens ?? saved.contextTokens,
        params: { ...saved.params, ...input.params },
      };
      protocol ??= saved.protocol;
    } else {
      endpoint = {
        name: null,
        baseUrl: input.baseUrl!.replace(/\/+$/, ''),
        model: input.model!,
        apiKey: input.apiKeyEnv ? { source: 'env', name: input.apiKeyEnv } : { source: 'none' },
        prices: input.prices ?? FREE,
        contextTokens: input.contextTokens ?? null,
        params: input.params ?? {},
      };
    }
    const spec: BuiltinSolverSpec = {
      kind: 'builtin',
      agent: agentChoiceOf(input),
      endpoint,
      // As the endpoints' default: the reference agent's text protocol works with any chat server.
      protocol: protocol ?? 'official',
      limits: {
        maxTurns: input.maxTurns ?? AGENT_DEFAULTS.maxTurns,
        maxTokens: input.maxTokens ?? null,
        attemptBudgetUsd: input.attemptBudgetUsd ?? null,
        wallTimeSec: input.wallTimeSec ?? AGENT_DEFAULTS.wallTimeSec,
        actionTimeoutSec: input.actionTimeoutSec ?? AGENT_DEFAULTS.actionTimeoutSec,
        observationMaxChars: input.observationMaxChars ?? AGENT_DEFAULTS.observationMaxChars,
      },
      budgetUsd: input.budgetUsd ?? null,
    };
    this.keyFor(spec); // a missing key is an error at creation, naming where it was looked for
    return spec;
  }

  /**
   * Refuses a run that cannot start: its CLI agent's binaries not fetched (or damaged), no
   * network for agents on this runtime, or a model server that does not answer.
   */
  async checkReady(spec: BuiltinSolverSpec): Promise<void> {
    const agent = spec.agent?.name ?? 'builtin';
    if (agent !== 'builtin' && !this.deps.egressNetwork) throw new AppError('unavailable', 'agents in containers need the Docker runtime (a network where only the proxy answers)');
    if (agent !== 'builtin' && agent !== 'custom') {
      if (!this.deps.agentCache) throw new AppError('unavailable', 'no agent cache here');
      const status = await this.deps.agentCache.status(agent);
      if (status.state !== 'ready') {
        throw new AppError('unavailable', `the ${agent} binaries are ${status.state}${status.problem ? ` (${status.problem})` : ''}: fetch them first (lancer agents fetch ${agent}, or Agents in the New run form)`);
      }
    }
    await this.checkServerAnswers(spec);
  }

  /**
   * Refuses a run whose model server gives no answer at all: not started yet, a wrong host or
   * port, a certificate the machine does not trust. A model that keeps failing during an attempt
   * is the model's failure (the attempt stops with model_error and is graded), so a run started
   * on a server that is not there would fill with failures that say nothing about the model.
   * GET {baseUrl}/models, without the key: any HTTP answer will do (many servers list no models,
   * and an Anthropic-style server wants its key in another header); only no answer refuses.
   */
  private async checkServerAnswers(spec: BuiltinSolverSpec): Promise<void> {
    const why = await this.serverSilence(spec);
    if (why === null) return;
    const name = spec.endpoint.name;
    const fix = name ? `start the server or fix the endpoint's address (its Test in Settings, or \`lancer endpoints test ${name}\`, says more)` : 'start the server or fix the base URL';
    throw new AppError('unavailable', `${name ? `endpoint ${name}` : 'the model server'} does not answer (${why}): ${fix}`);
  }

  /**
   * Null when the run's model server gives any HTTP answer to GET {baseUrl}/models (without the
   * key), else why not: `GET <url>: connection failed: ECONNREFUSED`, `… no answer within 10 s`.
   */
  async serverSilence(spec: BuiltinSolverSpec): Promise<string | null> {
    const url = `${spec.endpoint.baseUrl}/models`;
    const timeoutMs = this.deps.serverCheckTimeoutMs ?? SERVER_CHECK_TIMEOUT_MS;
    const deadline = AbortSignal.timeout(timeoutMs);
    const ask = async (): Promise<void> => {
      const res = await fetch(url, { headers: { accept: 'application/json' }, redirect: 'manual', signal: deadline });
      await res.body?.cancel();
    };
    try {
      // Once more on a failure before the deadline: the first ask may have gone over a kept-alive
      // connection of an earlier one that the server has closed since (it restarted, say).
      await ask().catch((error: unknown) => {
        if (deadline.aborted) throw error;
        return ask();
      });
      return null;
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      const why = deadline.aborted ? `no answer within ${timeoutMs >= 1000 ? `${Math.round(timeoutMs / 1000)} s` : `${timeoutMs} ms`}` : `connection failed: ${cause?.code ?? cause?.message ?? (error as Error).message}`;
      return `GET ${url}: ${why}`;
    }
  }

  /** The real key, at run time; never logged, never returned to a front door. */
  private keyFor(spec: BuiltinSolverSpec): string | null {
    const source = spec.endpoint.apiKey;
    switch (source.source) {
      case 'none':
        return null;
      case 'env': {
        const value = this.env[source.name];
        if (!value) throw new AppError('invalid_input', `the API key's environment variable ${source.name} is not set`);
        return value;
      }
      case 'stored': {
        const name = spec.endpoint.name;
        if (!name || !this.deps.resolveEndpoint) throw new AppError('not_found', 'the endpoint of this run is no longer saved');
        const key = this.deps.resolveEndpoint(name).apiKey;
        if (!key) throw new AppError('not_found', `endpoint ${name} has no stored API key any more`);
        return key;
      }
    }
  }

  private async ensureProxy(): Promise<MeteringProxy> {
    if (this.proxy) return this.proxy;
    this.starting ??= (async () => {
      const storeRaw = this.deps.storeRaw;
      const proxy = new MeteringProxy({
        // The proxy knows each pass of an attempt by its own id (see solverFor); the artifact belongs to the attempt.
        storeRaw: storeRaw ? (passId, name, gzipped) => storeRaw(attemptOfPass(passId), name, gzipped) : undefined,
      });
      await proxy.start();
      this.proxy = proxy;
      return proxy;
    })();
    return this.starting;
  }

  /**
   * Opens the run on the proxy (once per process): its key, upstream and dollar cap. `spentBefore`
   * is what earlier processes spent on this run (a resumed run): the proxy enforces what is left.
   */
  async openRun(runId: string, spec: BuiltinSolverSpec, spentBefore: number): Promise<void> {
    const proxy = await this.ensureProxy();
    if (this.openRuns.has(runId)) return;
    proxy.openRun(
      runId,
      { baseUrl: spec.endpoint.baseUrl, apiKey: this.keyFor(spec), model: spec.endpoint.model, prices: spec.endpoint.prices },
      { budgetUsd: spec.budgetUsd === null ? undefined : Math.max(0, spec.budgetUsd - spentBefore) },
    );
    this.openRuns.add(runId);
  }

  /**
   * Whether the run's dollar cap is spent, so no new attempt may start: the proxy's count once
   * the run is open here, else what the ledger holds (`spent`).
   */
  runBudgetSpent(runId: string, spec: BuiltinSolverSpec, spent: () => number): boolean {
    if (spec.budgetUsd === null) return false;
    if (this.proxy && this.openRuns.has(runId)) return this.proxy.runBudgetExceeded(runId);
    return spent() >= spec.budgetUsd;
  }

  /**
   * The solver of one attempt: the built-in agent talking to the proxy with the run's key.
   * `onEnd` gets the proxy's count of what the attempt spent, however solve() ends.
   */
  solverFor(
    runId: string,
    attemptId: string,
    spec: BuiltinSolverSpec,
    hooks: {
      onStep(step: AgentStep): void;
      /** What the ledger says the run spent so far (read when the run opens on the proxy). */
      spentBefore(): number;
      runUserTool(ctx: SolveContext, signal: AbortSignal): Promise<{ ok: boolean; output: string }>;
      onEnd(end: AgentAttemptEnd): void;
      /** Keeps a file of the attempt's (a CLI agent's stdout and logs) as a log artifact. */
      keep?(name: string, data: Buffer): void;
    },
  ): Solver {
    const agent = spec.agent ?? { name: 'builtin' };
    if (agent.name !== 'builtin') return this.cliSolverFor(runId, attemptId, spec, agent, hooks);
    return {
      name: `builtin:${spec.endpoint.model}`,
      solve: async (ctx) => {
        await this.openRun(runId, spec, hooks.spentBefore());
        const proxy = await this.ensureProxy();
        // A pass of its own on the proxy: an attempt redone after a Docker outage runs again
        // under the same attempt id.
        const passId = `${attemptId}@${++this.passes}`;
        const access = proxy.openAttempt(runId, passId, {
          maxTokens: spec.limits.maxTokens ?? undefined,
          maxUsd: spec.limits.attemptBudgetUsd ?? undefined,
        });
        let stopReason: StopReason | null = null;
        try {
          const agent = createBuiltinAgent(
            {
              protocol: spec.protocol,
              baseUrl: access.baseUrl,
              apiKey: access.apiKey,
              model: spec.endpoint.model,
              params: spec.endpoint.params,
              contextTokens: spec.endpoint.contextTokens ?? undefined,
              ...(this.deps.modelRetry ? { retry: this.deps.modelRetry } : {}),
              limits: {
                maxTurns: spec.limits.maxTurns,
                actionTimeoutSec: spec.limits.actionTimeoutSec,
                observationMaxChars: spec.limits.observationMaxChars,
                // Inside the solving phase's own limit, so the agent stops with 'time' and its
                // work is graded, rather than the phase timing out under it.
                wallTimeSec: Math.max(1, Math.min(spec.limits.wallTimeSec, Math.floor(ctx.timeoutMs / 1000) - 10)),
                maxTokens: spec.limits.maxTokens ?? undefined,
                maxUsd: spec.limits.attemptBudgetUsd ?? undefined,
              },
            },
            {
              onStep: hooks.onStep,
              usage: () => proxy.attemptUsage(passId),
              runUserTool: ctx.task.variant === 'ic_swe' ? (signal) => hooks.runUserTool(ctx, signal) : undefined,
            },
          );
          const result = await agent.solve(ctx);
          stopReason = result.stopReason;
          return result;
        } finally {
          hooks.onEnd({ usage: proxy.closeAttempt(passId), stopReason });
        }
      },
    };
  }

  /**
   * A CLI agent (or a custom command line) for one attempt: run in the task container from its
   * read-only cache, on the agents' network, talking to the proxy's address there with the run's key.
   */
  private cliSolverFor(
    runId: string,
    attemptId: string,
    spec: BuiltinSolverSpec,
    agent: Exclude<AgentChoice, { name: 'builtin' }>,
    hooks: {
      onStep(step: AgentStep): void;
      spentBefore(): number;
      onEnd(end: AgentAttemptEnd): void;
      keep?(name: string, data: Buffer): void;
    },
  ): Solver {
    const egress = this.deps.egressNetwork;
    if (!egress) throw new AppError('unavailable', 'agents in containers need the Docker runtime');
    const profile = agent.name === 'custom' ? null : profileOf(agent.name);
    const cacheDir = profile ? containerCacheDir(profile) : null;
    const hostCache = profile && this.deps.agentCache ? this.deps.agentCache.dirOf(profile.name) : null;
    if (profile && !hostCache) throw new AppError('unavailable', 'no agent cache here');
    return {
      name: `${agent.name}:${spec.endpoint.model}`,
      mounts: hostCache && cacheDir ? [{ hostPath: hostCache, containerPath: cacheDir }] : [],
      solvingNetwork: async () => (await egress()).name,
      solve: async (ctx) => {
        await this.openRun(runId, spec, hooks.spentBefore());
        const proxy = await this.ensureProxy();
        const root = await proxy.listenAlso((await egress()).gateway);
        const passId = `${attemptId}@${++this.passes}`;
        const access = proxy.openAttempt(runId, passId, {
          maxTokens: spec.limits.maxTokens ?? undefined,
          maxUsd: spec.limits.attemptBudgetUsd ?? undefined,
        });
        let stopReason: StopReason | null = null;
        let agentUsage: AgentOwnUsage | null = null;
        try {
          const outcome = await solveWithCliAgent(ctx, {
            agent,
            cacheDir,
            model: spec.endpoint.model,
            params: spec.endpoint.params,
            maxTurns: spec.limits.maxTurns,
            // Inside the solving phase's own limit, so the agent is stopped and its work graded.
            wallTimeSec: Math.max(1, Math.min(spec.limits.wallTimeSec, Math.floor(ctx.timeoutMs / 1000) - 30)),
            proxy: { openaiBaseUrl: `${root}${access.path}/v1`, anthropicBaseUrl: `${root}${access.path}`, apiKey: access.apiKey },
            budgetSpent: () => proxy.attemptBudgetSpent(passId),
            onStep: hooks.onStep,
            keep: (name, data) => hooks.keep?.(name, data),
          });
          stopReason = outcome.stopReason;
          agentUsage = outcome.transcript.agentUsage;
          return outcome;
        } finally {
          hooks.onEnd({ usage: proxy.closeAttempt(passId), stopReason, agentUsage });
        }
      },
    };
  }

  /** Waits until raw exchanges are handed to storeRaw (they are compressed off the hot path). */
  async flush(): Promise<void> {
    await this.proxy?.flushRaw();
  }

  closeRun(runId: string): void {
    if (this.openRuns.delete(runId)) this.proxy?.closeRun(runId);
  }

  async stop(): Promise<void> {
    const proxy = this.proxy ?? (this.starting ? await this.starting.catch(() => undefined) : undefined);
    this.proxy = undefined;
    this.starting = undefined;
    this.openRuns.clear();
    await proxy?.stop();
  }
}

/** The agent a run asks for, as its manifest records it (a CLI agent with its pinned version). */
function agentChoiceOf(input: BuiltinSolverInput): AgentChoice {
  const name = input.agent ?? 'builtin';
  if (name === 'builtin') return { name };
  if (name === 'custom') return { name, command: input.agentCommand!, env: input.agentEnv ?? {} };
  return { name, version: profileOf(name).version };
}
