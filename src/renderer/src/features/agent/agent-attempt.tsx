/**
 * The agent's side of an attempt on the Runs page: what it spent (for a CLI agent also its own
 * token count beside the metering proxy's) and why it stopped, and its transcript, streaming
 * beside the attempt's live screen while the agent works.
 */
import type { ReactElement } from 'react';
import type { StopReason } from '../../../../shared/agents';
import { tokensDisagree, type AgentOwnUsage, type UsageSummary } from '../../../../shared/usage';
import type { AttemptSummary } from '../../../../shared/runs';
import { LiveImage } from '../live/live-image';
import { TranscriptView } from './transcript-view';
import {
  formatSpentPerEarned,
  formatTokens,
  formatTokensExact,
  formatUsd,
  stepsUsage,
  stopReasonHelp,
  stopReasonLabel,
  tokenBreakdown,
  totalTokens,
} from './usage-format';
import { useTranscript } from './use-transcript';
import './agent.css';

function isFinal(state: AttemptSummary['state']): boolean {
  return state === 'passed' || state === 'failed' || state === 'timeout' || state === 'error' || state === 'cancelled';
}

/** States in which the attempt may still add steps. */
function agentLive(state: AttemptSummary['state']): boolean {
  return state === 'queued' || state === 'starting' || state === 'setup' || state === 'solving';
}

/** A stop reason as a small badge with its meaning in the title. */
export function StopReasonBadge({ reason }: { reason: StopReason }): ReactElement {
  return (
    <span className={`badge stop-reason stop-${reason}`} data-testid="stop-reason" data-stop-reason={reason} title={stopReasonHelp(reason)}>
      {stopReasonLabel(reason)}
    </span>
  );
}

/**
 * Tokens, dollars, calls and dollars per dollar earned, as facts; with `own`, a CLI agent's own
 * count of its tokens beside the proxy's (the proxy's is the one used), flagged when they disagree.
 */
export function UsageFacts({
  usage,
  earned,
  provisional = false,
  own = null,
}: {
  usage: UsageSummary;
  earned: number | null;
  provisional?: boolean;
  own?: AgentOwnUsage | null;
}): ReactElement {
  // A provisional sum of the steps is no count to hold the agent's against.
  const disagree = own !== null && !provisional && tokensDisagree(usage, own);
  return (
    <dl className="facts usage-facts" data-testid="agent-usage">
      <dt>Tokens</dt>
      <dd>
        <span data-testid="usage-tokens" title={`${formatTokensExact(totalTokens(usage))} tokens`}>
          {formatTokens(totalTokens(usage))}
        </span>{' '}
        <span className="muted">· {tokenBreakdown(usage)}</span>
        {usage.estimated && (
          <span className="tag" title="Some server sent no usage: these counts are estimates">
            estimated
          </span>
        )}
        {own && <span className="muted"> · the metering proxy&apos;s count</span>}
      </dd>
      {own && (
        <>
          <dt>Agent&apos;s own count</dt>
          <dd className="own-usage" data-testid="agent-own-usage">
            <span title={`${formatTokensExact(totalTokens(own))} tokens`}>{formatTokens(totalTokens(own))}</span>{' '}
            <span className="muted">· {tokenBreakdown(own)} · from its log</span>
            {disagree && (
              <span
                className="badge attempt-flag flag-tokens-disagree"
                data-testid="tokens-disagree"
                title="More than 2% away from the metering proxy's count, which is the one used for spend and limits."
              >
                tokens disagree
              </span>
            )}
          </dd>
        </>
      )}
      <dt>Spent</dt>
      <dd>
        <span data-testid="usage-cost">{formatUsd(usage.costUsd)}</span>
        {earned !== null && <span className="muted"> · {formatSpentPerEarned(usage.costUsd, earned)}</span>}
        {provisional && <span className="muted"> · so far, from the steps</span>}
      </dd>
      <dt>Model calls</dt>
      <dd>{formatTokensExact(usage.requests)}</dd>
    </dl>
  );
}

export function AgentAttemptPanel({ summary }: { summary: AttemptSummary }): ReactElement {
  // Grading starts once the agent has stopped: its last steps are in by then.
  const live = agentLive(summary.state);
  const transcript = useTranscript(summary.id, live);
  const usage = summary.usage ?? null;
  // The screen only while the agent works: a capture costs the container CPU, which grading's
  // timed test runs need more than anyone needs to watch them from here (the Live page can).
  const showScreen = summary.state === 'solving';
  return (
    <section className="agent-attempt" aria-label="Agent">
      <div className="agent-summary">
        {summary.stopReason ? (
          <p className="agent-stop">
            Stopped: <StopReasonBadge reason={summary.stopReason} />
          </p>
        ) : (
          live && <p className="muted agent-stop">The agent is working.</p>
        )}
        {usage ? (
          <UsageFacts usage={usage} earned={isFinal(summary.state) ? summary.earned : null} own={summary.agentUsage ?? null} />
        ) : (
          transcript.steps.length > 0 && <UsageFacts usage={stepsUsage(transcript.steps)} earned={null} provisional />
        )}
      </div>
      <div className={showScreen ? 'agent-work with-screen' : 'agent-work'}>
        {showScreen && (
          <figure className="agent-screen">
            <LiveImage attemptId={summary.id} quality="full" active phase={summary.phase ?? summary.state} alt={`Live screen of task ${summary.questionId}`} testId="agent-live-screen" />
            <figcaption className="muted">Live screen · {summary.phase ?? summary.state}</figcaption>
          </figure>
        )}
        <TranscriptView steps={transcript.steps} live={live} loading={transcript.loading} error={transcript.error} />
      </div>
    </section>
  );
}
