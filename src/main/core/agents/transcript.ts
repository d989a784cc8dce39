/**
 * Agent transcripts: the ledger's form of a step (a long observation goes to the artifact store,
 * the row keeps its start), and the export as an ATIF `trajectory.json` (the Agent Trajectory
 * Interchange Format, v1.4 field names), so other tools can read what the agent did.
 */
import type { AgentStepRecord, UsageSummary } from '../../../shared/agents';
import type { AgentStep } from './builtin/builtin-agent';

/** Observations longer than this live in the artifact store; the row keeps this much. */
export const INLINE_OBSERVATION_CHARS = 8 * 1024;

/**
 * The ledger row of a step. `storeLong` keeps the whole observation when it is too long to
 * inline and returns its artifact hash (or null when it could not be kept).
 */
export function toStepRecord(step: AgentStep, storeLong: (text: string) => string | null): AgentStepRecord {
  let observation = step.observation ?? null;
  let observationSha256: string | null = null;
  if (observation !== null && observation.length > INLINE_OBSERVATION_CHARS) {
    observationSha256 = storeLong(observation);
    observation = `${observation.slice(0, INLINE_OBSERVATION_CHARS)}\n… (${observation.length - INLINE_OBSERVATION_CHARS} more characters in the attempt's artifacts)`;
  }
  return {
    index: step.index,
    at: step.at,
    kind: step.kind,
    message: step.message ?? null,
    toolCall: step.toolCall ?? null,
    observation,
    observationBytes: step.observationBytes ?? (step.observation === undefined ? null : Buffer.byteLength(step.observation)),
    observationSha256,
    exitCode: step.exitCode ?? null,
    durationMs: step.durationMs,
    usage: step.usage ?? null,
    costUsd: step.costUsd ?? null,
    fallback: step.fallback,
    note: step.note ?? null,
  };
}

/** The ATIF document of one attempt's transcript. */
export function toAtif(opts: {
  attemptId: string;
  agentName: string;
  agentVersion: string;
  model: string;
  steps: AgentStepRecord[];
  usage: UsageSummary | null;
}): Record<string, unknown> {
  const steps: Record<string, unknown>[] = [];
  let pendingCall: string | null = null;
  for (const s of opts.steps) {
    const stepId = steps.length + 1;
    if (s.kind === 'model') {
      const callId = s.toolCall ? `call_${s.index}` : null;
      pendingCall = callId;
      steps.push({
        step_id: stepId,
        timestamp: s.at,
        source: 'agent',
        model_name: opts.model,
        message: s.message ?? '',
        ...(s.toolCall && callId ? { tool_calls: [{ tool_call_id: callId, function_name: s.toolCall.name, arguments: s.toolCall.arguments }] } : {}),
        ...(s.usage
          ? { metrics: { prompt_tokens: s.usage.inputTokens, completion_tokens: s.usage.outputTokens, cached_tokens: s.usage.cachedTokens, cost_usd: s.costUsd ?? undefined } }
          : {}),
        extra: { fallback: s.fallback, duration_ms: s.durationMs },
      });
    } else if (s.kind === 'tool' || s.kind === 'user_tool') {
      // An observation belongs to the agent step that called it (ATIF keeps them together).
      const last = steps[steps.length - 1];
      const result = { source_call_id: pendingCall ?? undefined, content: s.observation ?? '' };
      if (last && last.source === 'agent' && !last.observation) {
        last.observation = { results: [result] };
        last.extra = { ...(last.extra as object), exit_code: s.exitCode, tool_duration_ms: s.durationMs, kind: s.kind };
      } else {
        steps.push({ step_id: stepId, timestamp: s.at, source: 'system', message: s.kind === 'user_tool' ? 'user tool' : 'tool output', observation: { results: [result] } });
      }
      pendingCall = null;
    } else {
      steps.push({ step_id: stepId, timestamp: s.at, source: 'system', message: s.note ?? s.message ?? '' });
    }
  }
  return {
    schema_version: 'ATIF-v1.4',
    session_id: opts.attemptId,
    agent: { name: opts.agentName, version: opts.agentVersion, model_name: opts.model },
    steps,
    final_metrics: {
      total_prompt_tokens: opts.usage?.inputTokens ?? 0,
      total_completion_tokens: opts.usage?.outputTokens ?? 0,
      total_cached_tokens: opts.usage?.cachedTokens ?? 0,
      total_cost_usd: opts.usage?.costUsd ?? 0,
      total_steps: steps.length,
      extra: { requests: opts.usage?.requests ?? 0, reasoning_tokens: opts.usage?.reasoningTokens ?? 0, estimated: opts.usage?.estimated ?? false },
    },
  };
}
