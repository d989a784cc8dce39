/**
 * The runs, newest first: status, when, what, and the tally with outcomes kept apart; for an
 * agent's run also its tokens and dollars, and dollars spent per dollar earned.
 */
import type { ReactElement } from 'react';
import type { RunSummary } from '../../../../shared/runs';
import { waitingFor } from '../../../../shared/waiting';
import { OutcomeBar } from './charts';
import { formatSpentPerEarned, formatTokens, formatUsd, totalTokens } from '../agent/usage-format';
import { formatDateTime, formatDollars, formatCount, shortRunId, solverShort } from './format';
import { runsHash } from './route';
import { RunStatusBadge } from './widgets';

export function RunList({ runs, openId }: { runs: readonly RunSummary[]; openId: string | null }): ReactElement {
  return (
    <ul className="run-list" aria-label="Runs">
      {runs.map((run) => {
        const t = run.tally;
        return (
          <li key={run.id}>
            <a
              href={runsHash(run.id)}
              className={run.id === openId ? 'run-item selected' : 'run-item'}
              aria-current={run.id === openId ? 'true' : undefined}
              data-run-id={run.id}
              title={run.id}
            >
              <span className="run-item-head">
                <span className="run-id mono">{shortRunId(run.id)}</span>
                <RunStatusBadge status={run.status} />
                {run.waiting && (
                  <span className="badge status-waiting" title={run.waiting}>
                    {waitingFor(run.waiting) === 'the model server' ? 'waiting for the model' : 'waiting for Docker'}
                  </span>
                )}
              </span>
              <span className="run-item-meta muted">
                {formatDateTime(run.createdAt)} · {run.datasetId} · {solverShort(run.solver)}
              </span>
              <OutcomeBar tally={t} height={6} legend={false} />
              <span className="run-item-tally">
                <span className="counts">
                  <span className={t.passed > 0 ? 'c-passed' : 'zero'}>{formatCount(t.passed)} passed</span>
                  <span className={t.failed > 0 ? 'c-failed' : 'zero'}>{formatCount(t.failed)} failed</span>
                  <span className={t.timeout > 0 ? 'c-timeout' : 'zero'}>{formatCount(t.timeout)} timeout</span>
                  <span className={t.error > 0 ? 'c-error' : 'zero'}>{formatCount(t.error)} error</span>
                  {t.pending > 0 && <span className="muted">{formatCount(t.pending)} pending</span>}
                </span>
                <span className="dollars">
                  {formatDollars(t.earned)} <span className="muted">/ {formatDollars(t.available)}</span>
                </span>
              </span>
              {run.usage && (
                <span className="run-item-usage" data-testid="run-usage">
                  <span title="Tokens, every try counted">{formatTokens(totalTokens(run.usage))} tokens</span>
                  <span title="Dollars the model calls cost">{formatUsd(run.usage.costUsd)} spent</span>
                  <span className="muted">{formatSpentPerEarned(run.usage.costUsd, t.earned)}</span>
                </span>
              )}
            </a>
          </li>
        );
      })}
    </ul>
  );
}
