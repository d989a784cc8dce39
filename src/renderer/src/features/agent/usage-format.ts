/**
 * How an agent's spending reads on every page: tokens, dollars that can be fractions of a cent,
 * dollars spent per dollar earned, and why an attempt's agent stopped.
 *
 * Types only from shared/agents.ts: its values carry zod, which the pages here do not need.
 */
import type { AgentStepRecord, BuiltinSolverSpec, StopReason } from '../../../../shared/agents';
import { NO_USAGE, sumUsage, type UsageSummary } from '../../../../shared/usage';
import { assertNever } from '../../../../shared/result';

const tokenFormat = new Intl.NumberFormat('en-US');

/** `812`, `12.3k`, `4.56M`: a token count at a glance (the exact count goes in a title). */
export function formatTokens(count: number): string {
  if (!Number.isFinite(count)) return '—';
  const abs = Math.abs(count);
  if (abs < 1000) return String(Math.round(count));
  if (abs < 1_000_000) return `${(count / 1000).toFixed(abs < 10_000 ? 2 : 1).replace(/\.?0+$/, '')}k`;
  return `${(count / 1_000_000).toFixed(abs < 10_000_000 ? 2 : 1).replace(/\.?0+$/, '')}M`;
}

/** `12,345`: the exact count. */
export function formatTokensExact(count: number): string {
  return tokenFormat.format(count);
}

/**
 * Dollars an agent spent: `$12.35`, `$0.0421`, `$0.000315`. Model calls cost fractions of a cent,
 * so small amounts keep their significant digits where prices (whole dollars) would round to $0.
 */
export function formatUsd(value: number): string {
  if (!Number.isFinite(value)) return '—';
  if (value === 0) return '$0';
  const sign = value < 0 ? '-' : '';
  const abs = Math.abs(value);
  if (abs < 0.000001) return `${sign}<$0.000001`;
  const digits = abs >= 100 ? 0 : abs >= 1 ? 2 : abs >= 0.01 ? 4 : 6;
  let text = abs.toFixed(digits);
  if (digits > 2) text = text.replace(/0+$/, '').replace(/\.$/, '');
  return `${sign}$${text}`;
}

/** Dollars spent per dollar earned; null when nothing was earned (the ratio has no meaning). */
export function spentPerEarned(spentUsd: number, earned: number): number | null {
  return earned > 0 ? spentUsd / earned : null;
}

/** `$0.0042 per $ earned`, or `nothing earned`. */
export function formatSpentPerEarned(spentUsd: number, earned: number): string {
  const ratio = spentPerEarned(spentUsd, earned);
  return ratio === null ? 'nothing earned' : `${formatUsd(ratio)} per $ earned`;
}

/** Input plus output tokens (cached and reasoning tokens are parts of those). */
export function totalTokens(usage: Pick<UsageSummary, 'inputTokens' | 'outputTokens'>): number {
  return usage.inputTokens + usage.outputTokens;
}

/** `in 12.3k (2k cached) · out 840 (120 reasoning)`. */
export function tokenBreakdown(usage: Pick<UsageSummary, 'inputTokens' | 'cachedTokens' | 'outputTokens' | 'reasoningTokens'>): string {
  const input = `in ${formatTokens(usage.inputTokens)}${usage.cachedTokens > 0 ? ` (${formatTokens(usage.cachedTokens)} cached)` : ''}`;
  const output = `out ${formatTokens(usage.outputTokens)}${usage.reasoningTokens > 0 ? ` (${formatTokens(usage.reasoningTokens)} reasoning)` : ''}`;
  return `${input} · ${output}`;
}

/** Why an agent stopped, in words. */
export function stopReasonLabel(reason: StopReason): string {
  switch (reason) {
    case 'finished':
      return 'finished';
    case 'turns':
      return 'turn limit';
    case 'tokens':
      return 'token limit';
    case 'budget':
      return 'budget spent';
    case 'time':
      return 'wall time up';
    case 'model_error':
      return 'model error';
    case 'cancelled':
      return 'cancelled';
    default:
      return assertNever(reason, 'stop reason');
  }
}

/** What each stop reason means, for a title. */
export function stopReasonHelp(reason: StopReason): string {
  switch (reason) {
    case 'finished':
      return 'The agent said it was done.';
    case 'turns':
      return 'The agent used all its turns.';
    case 'tokens':
      return 'The attempt reached its token limit.';
    case 'budget':
      return "The attempt's or the run's dollar budget was spent.";
    case 'time':
      return "The attempt's wall time ran out.";
    case 'model_error':
      return 'The model server kept failing.';
    case 'cancelled':
      return 'The attempt was cancelled.';
    default:
      return assertNever(reason, 'stop reason');
  }
}

/** `Model agent · scripted-model @ local (tools)`. */
export function agentSolverLabel(spec: BuiltinSolverSpec): string {
  const where = spec.endpoint.name ?? hostOf(spec.endpoint.baseUrl);
  const agent = spec.agent ?? { name: 'builtin' };
  // The protocol is the built-in agent's; CLI agents speak their own.
  if (agent.name === 'builtin') return `Model agent · ${spec.endpoint.model} @ ${where} (${spec.protocol})`;
  if (agent.name === 'custom') return `Custom agent · ${spec.endpoint.model} @ ${where}`;
  return `${agent.name} ${agent.version} · ${spec.endpoint.model} @ ${where}`;
}

/** `agent scripted-model` (or `codex scripted-model`): the short form for tables. */
export function agentSolverShort(spec: BuiltinSolverSpec): string {
  const agent = spec.agent?.name ?? 'builtin';
  return `${agent === 'builtin' ? 'agent' : agent} ${spec.endpoint.model}`;
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/** A step's tokens as one line: `1.2k in · 40 out`, or null when the step made no model call. */
export function stepTokens(step: Pick<AgentStepRecord, 'usage'>): string | null {
  if (!step.usage) return null;
  return `${formatTokens(step.usage.inputTokens)} in · ${formatTokens(step.usage.outputTokens)} out`;
}

/** Two usages added; null only when both are. */
export function addUsage(a: UsageSummary | null | undefined, b: UsageSummary | null | undefined): UsageSummary | null {
  if (!a) return b ?? null;
  if (!b) return a;
  return sumUsage(a, b);
}

/**
 * What a run spent: the sum of its tries' usage when the attempts are at hand (attempt events
 * keep those current while the run goes), else the run's own total; null for runs without an agent.
 */
export function runUsageOf(run: { usage?: UsageSummary | null; attempts?: readonly { usage?: UsageSummary | null }[] }): UsageSummary | null {
  const fromAttempts = (run.attempts ?? []).reduce<UsageSummary | null>((sum, a) => addUsage(sum, a.usage), null);
  return fromAttempts ?? run.usage ?? null;
}

/**
 * Tokens and dollars of a transcript's steps: a running total while an attempt works (the
 * attempt's own usage, the proxy's count, arrives when it ends and is the one to trust).
 */
export function stepsUsage(steps: readonly AgentStepRecord[]): UsageSummary {
  let total = NO_USAGE;
  for (const s of steps) {
    if (!s.usage && s.costUsd === null) continue;
    total = addUsage(total, {
      requests: s.usage ? 1 : 0,
      inputTokens: s.usage?.inputTokens ?? 0,
      cachedTokens: s.usage?.cachedTokens ?? 0,
      outputTokens: s.usage?.outputTokens ?? 0,
      reasoningTokens: s.usage?.reasoningTokens ?? 0,
      costUsd: s.costUsd ?? 0,
      estimated: false,
    }) as UsageSummary;
  }
  return total;
}
