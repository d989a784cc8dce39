/**
 * The Results section: finished runs side by side, with earned dollars per run as a chart and
 * passed / failed / timeout / error kept apart; agent runs add tokens, dollars spent, and
 * dollars spent per dollar earned.
 */
import { useEffect, useMemo, useState, type ReactElement } from 'react';
import type { RunSummary } from '../../../../shared/runs';
import { formatTokens, formatTokensExact, formatUsd, spentPerEarned, totalTokens } from '../agent/usage-format';
import { EarningsChart, OutcomeBar } from '../runs/charts';
import { formatCount, formatDateTime, formatDollars, formatPercent, shortRunId, solverLabel, solverShort } from '../runs/format';
import { runsHash } from '../runs/route';
import { connectRunEvents, useRunsStore } from '../runs/runs-store';
import { RunStatusBadge } from '../runs/widgets';

function totals(runs: readonly RunSummary[]): { earned: number; available: number; passed: number; tasks: number } {
  return runs.reduce(
    (sum, r) => ({
      earned: sum.earned + r.tally.earned,
      available: sum.available + r.tally.available,
      passed: sum.passed + r.tally.passed,
      tasks: sum.tasks + r.tally.tasks,
    }),
    { earned: 0, available: 0, passed: 0, tasks: 0 },
  );
}

export function ResultsPage(): ReactElement {
  const runs = useRunsStore((s) => s.runs);
  const listError = useRunsStore((s) => s.listError);
  const loadRuns = useRunsStore((s) => s.loadRuns);
  const [withCancelled, setWithCancelled] = useState(false);

  useEffect(() => connectRunEvents(), []);
  useEffect(() => {
    void loadRuns();
  }, [loadRuns]);

  const shown = useMemo(
    () => (runs ?? []).filter((r) => r.status === 'finished' || (withCancelled && r.status === 'cancelled')),
    [runs, withCancelled],
  );
  const sum = totals(shown);
  // The agent's columns only when some shown run had an agent.
  const withUsage = shown.some((r) => r.usage);

  return (
    <section className="page ops results-page">
      <header className="page-head">
        <h1>Results</h1>
        <label className="checkbox">
          <input type="checkbox" checked={withCancelled} onChange={(e) => setWithCancelled(e.target.checked)} />
          Include cancelled runs
        </label>
      </header>
      {listError && <p className="error-box">Could not list the runs: {listError}</p>}
      {runs === undefined ? (
        <p className="muted">Loading…</p>
      ) : shown.length === 0 ? (
        <div className="panel empty">
          <p>No finished runs yet.</p>
          <p className="muted">
            Start one on the <a href="#/runs">Runs</a> page; it shows up here once every attempt has an outcome.
          </p>
        </div>
      ) : (
        <>
          <section className="panel">
            <div className="panel-title">
              <h2>Earned per run</h2>
              <span className="muted">
                {formatDollars(sum.earned)} of {formatDollars(sum.available)} over {formatCount(shown.length)} runs · pass rate{' '}
                {formatPercent(sum.passed, sum.tasks)}
              </span>
            </div>
            <EarningsChart runs={shown} />
          </section>
          <div className="table-wrap panel flush">
            <table className="data-table results-table" aria-label="Finished runs">
              <thead>
                <tr>
                  <th>Run</th>
                  <th>Finished</th>
                  <th>Dataset</th>
                  <th>Solver</th>
                  <th className="num">Tasks</th>
                  <th className="num c-passed">Passed</th>
                  <th className="num c-failed">Failed</th>
                  <th className="num c-timeout">Timeout</th>
                  <th className="num c-error">Error</th>
                  <th className="num">Pass rate</th>
                  <th className="num">Earned</th>
                  {withUsage && (
                    <>
                      <th className="num">Tokens</th>
                      <th className="num">Spent</th>
                      <th className="num" title="Dollars the model calls cost per dollar the run earned">
                        Spent per $ earned
                      </th>
                    </>
                  )}
                  <th className="chart-col">Outcomes</th>
                </tr>
              </thead>
              <tbody>
                {shown.map((run) => {
                  const t = run.tally;
                  return (
                    <tr key={run.id} data-run-id={run.id}>
                      <td className="mono">
                        <a href={runsHash(run.id)} title={run.id}>
                          {shortRunId(run.id)}
                        </a>
                        {run.status !== 'finished' && <RunStatusBadge status={run.status} />}
                      </td>
                      <td>{formatDateTime(run.finishedAt ?? run.createdAt)}</td>
                      <td>{run.datasetId}</td>
                      <td title={solverLabel(run.solver)}>{solverShort(run.solver)}</td>
                      <td className="num">{formatCount(t.tasks)}</td>
                      <td className="num">{formatCount(t.passed)}</td>
                      <td className="num">{formatCount(t.failed)}</td>
                      <td className="num">{formatCount(t.timeout)}</td>
                      <td className="num">{formatCount(t.error)}</td>
                      <td className="num" data-testid="pass-rate">
                        {formatPercent(t.passed, t.tasks)}
                      </td>
                      <td className="num" data-testid="earned">
                        {formatDollars(t.earned)} <span className="muted">/ {formatDollars(t.available)}</span>
                      </td>
                      {withUsage && <UsageCells run={run} />}
                      <td className="chart-col">
                        <OutcomeBar tally={t} height={10} legend={false} />
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
}

/** Tokens, dollars spent and dollars spent per dollar earned of one run; dashes for a run without an agent. */
function UsageCells({ run }: { run: RunSummary }): ReactElement {
  const usage = run.usage;
  if (!usage) {
    return (
      <>
        <td className="num muted">—</td>
        <td className="num muted">—</td>
        <td className="num muted">—</td>
      </>
    );
  }
  const ratio = spentPerEarned(usage.costUsd, run.tally.earned);
  return (
    <>
      <td className="num" data-testid="tokens" title={`${formatTokensExact(totalTokens(usage))} tokens`}>
        {formatTokens(totalTokens(usage))}
      </td>
      <td className="num" data-testid="spent">
        {formatUsd(usage.costUsd)}
      </td>
      <td className="num" data-testid="spent-per-earned">
        {ratio === null ? <span className="muted">nothing earned</span> : formatUsd(ratio)}
      </td>
    </>
  );
}
