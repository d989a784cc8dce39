/**
 * The Results section: the analytics of finished runs. Pick one or more runs (the newest
 * finished run is picked to begin with); the page asks `reports.get` for them and shows the
 * summary, breakdowns with intervals, repeats, the manager and cost views and, with two or more
 * runs, how the first picked run (A) compares with each other one (B, C…). Every table downloads
 * as CSV, every chart as SVG or PNG, and the whole report as JSON.
 */
import { useEffect, useMemo, useState, type ReactElement } from 'react';
import type { Report } from '../../../../shared/reports';
import type { RunSummary } from '../../../../shared/runs';
import { EarningsChart, OutcomeBar } from '../runs/charts';
import { formatCount, formatDateTime, formatDollars, formatPercent, plural, shortRunId, solverLabel, solverShort } from '../runs/format';
import { runsHash } from '../runs/route';
import { connectRunEvents, useRunsStore } from '../runs/runs-store';
import { RunStatusBadge } from '../runs/widgets';
import { AnalyticsView, type RunsContext } from './analytics-view';
import { runColour } from './chart-options';
import { CompareSection } from './compare-view';
import { downloadText } from './export';
import { pickLetter, reportJson, reportStem, runNames } from './report-tables';
import { useReport } from './use-report';
import { byNewest } from './prefetch';
import { ImportResultsDialog } from './import-results-dialog';
import './results.css';

/** The most runs one report takes (the contract's limit). */
const MAX_PICKED = 20;

export function ResultsPage(): ReactElement {
  const runs = useRunsStore((s) => s.runs);
  const listError = useRunsStore((s) => s.listError);
  const loadRuns = useRunsStore((s) => s.loadRuns);
  const [withCancelled, setWithCancelled] = useState(false);
  /** Runs picked, in the order they were picked; null until the user picks (then: the newest). */
  const [picked, setPicked] = useState<string[] | null>(null);
  const [excludeSuspect, setExcludeSuspect] = useState(false);
  const [round, setRound] = useState(0);
  const [importing, setImporting] = useState(false);

  useEffect(() => connectRunEvents(), []);
  useEffect(() => {
    void loadRuns();
  }, [loadRuns]);

  const shown = useMemo(
    () => (runs ?? []).filter((r) => r.status === 'finished' || (withCancelled && r.status === 'cancelled')).sort(byNewest),
    [runs, withCancelled],
  );
  const newestFinished = shown.find((r) => r.status === 'finished')?.id;
  const pickedIds = useMemo(() => {
    const wanted = picked ?? (newestFinished ? [newestFinished] : []);
    return wanted.filter((id) => shown.some((r) => r.id === id));
  }, [picked, newestFinished, shown]);

  const state = useReport(pickedIds, excludeSuspect, round);
  const report = state.status === 'ready' ? state.report : state.status === 'loading' ? state.previous : undefined;
  const ctx = useMemo((): RunsContext | undefined => (report ? contextOf(report) : undefined), [report]);

  const toggle = (runId: string, on: boolean): void => {
    const current = pickedIds;
    setPicked(on ? [...current.filter((id) => id !== runId), runId].slice(0, MAX_PICKED) : current.filter((id) => id !== runId));
  };
  const colourOf = (runId: string): string | undefined => {
    const index = pickedIds.indexOf(runId);
    return index < 0 ? undefined : runColour(index);
  };

  return (
    <section className="page ops results-page">
      <header className="page-head">
        <h1>Results</h1>
        <div className="results-controls">
          <label className="checkbox">
            <input type="checkbox" checked={withCancelled} onChange={(e) => setWithCancelled(e.target.checked)} />
            Include cancelled runs
          </label>
          <label className="checkbox" title="Leave out tasks gold failed in some gold run of the dataset: their tests may be broken">
            <input type="checkbox" checked={excludeSuspect} onChange={(e) => setExcludeSuspect(e.target.checked)} />
            Exclude suspect tasks
          </label>
          <button type="button" disabled={pickedIds.length === 0} onClick={() => setRound((r) => r + 1)}>
            Refresh
          </button>
          <button type="button" onClick={() => setImporting(true)}>
            Import results…
          </button>
          <button
            type="button"
            disabled={state.status !== 'ready'}
            onClick={() => {
              if (state.status !== 'ready') return;
              const stem = reportStem(state.report.runs.map((r) => r.runId));
              downloadText(`${stem}${state.report.excludeSuspect ? '-exclude-suspect' : ''}.json`, reportJson(state.report), 'application/json');
            }}
          >
            Export JSON
          </button>
        </div>
      </header>
      {importing && (
        <ImportResultsDialog
          onClose={() => setImporting(false)}
          onImported={({ runId }) => {
            setImporting(false);
            // The imported run joins the picked ones, as the run compared with what was there.
            void loadRuns().then(() => setPicked([...pickedIds.filter((id) => id !== runId), runId].slice(0, MAX_PICKED)));
          }}
        />
      )}
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
          <RunPicker runs={shown} pickedIds={pickedIds} colourOf={colourOf} onToggle={toggle} />
          <div className="report-area" aria-busy={state.status === 'loading'} data-status={state.status}>
            {state.status === 'error' && (
              <p className="error-box" role="alert">
                Could not make the report: {state.error}
              </p>
            )}
            {state.status === 'idle' && <p className="muted">Pick a run above to see its analytics.</p>}
            {state.status === 'loading' && !ctx && <p className="muted">Making the report…</p>}
            {ctx && state.status !== 'error' && state.status !== 'idle' && (
              <div className={state.status === 'loading' ? 'stale' : undefined}>
                <AnalyticsView ctx={ctx} afterSummary={<CompareSection ctx={ctx} />} />
              </div>
            )}
          </div>
        </>
      )}
    </section>
  );
}

function contextOf(report: Report): RunsContext {
  const names = runNames(report.runs);
  return {
    report,
    names,
    legend: {
      names: report.runs.map((r) => names.get(r.runId) ?? r.runId),
      colours: report.runs.map((_, i) => runColour(i)),
    },
    stem: reportStem(report.runs.map((r) => r.runId)),
  };
}

/** The finished runs with a checkbox each; what is picked is what the report is about. */
function RunPicker({
  runs,
  pickedIds,
  colourOf,
  onToggle,
}: {
  runs: readonly RunSummary[];
  pickedIds: readonly string[];
  colourOf: (runId: string) => string | undefined;
  onToggle: (runId: string, on: boolean) => void;
}): ReactElement {
  const sum = runs.reduce((s, r) => ({ earned: s.earned + r.tally.earned, available: s.available + r.tally.available }), { earned: 0, available: 0 });
  return (
    <details className="panel run-picker" open>
      <summary className="panel-title">
        <h2>Runs</h2>
        <span className="muted">
          {pickedIds.length === 0 ? 'none picked' : `${plural(pickedIds.length, 'run')} picked`}
          {pickedIds.length > 1 && ' · A is compared with each other run'} · {formatDollars(sum.earned)} of {formatDollars(sum.available)} over{' '}
          {plural(runs.length, 'run')}
        </span>
      </summary>
      <div className="table-wrap">
        <table className="data-table results-table" aria-label="Finished runs">
          <thead>
            <tr>
              <th className="pick-col">Pick</th>
              <th>Run</th>
              <th>Finished</th>
              <th>Dataset</th>
              <th>Solver</th>
              <th className="num">Tasks</th>
              <th className="num">Pass rate</th>
              <th className="num">Earned</th>
              <th className="chart-col">Outcomes</th>
            </tr>
          </thead>
          <tbody>
            {runs.map((run) => {
              const index = pickedIds.indexOf(run.id);
              const colour = colourOf(run.id);
              const t = run.tally;
              return (
                <tr key={run.id} data-run-id={run.id} className={index >= 0 ? 'picked' : undefined}>
                  <td className="pick-col">
                    <label className="pick">
                      <input
                        type="checkbox"
                        checked={index >= 0}
                        aria-label={`Pick run ${run.id}`}
                        onChange={(e) => onToggle(run.id, e.target.checked)}
                      />
                      {index >= 0 && (
                        <span className="run-tag" style={colour ? { background: colour } : undefined} data-testid="pick-letter">
                          {pickLetter(index)}
                        </span>
                      )}
                    </label>
                  </td>
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
                  <td className="num" data-testid="pass-rate">
                    {formatPercent(t.passed, t.tasks)}
                  </td>
                  <td className="num" data-testid="earned">
                    {formatDollars(t.earned)} <span className="muted">/ {formatDollars(t.available)}</span>
                  </td>
                  <td className="chart-col">
                    <OutcomeBar tally={t} height={10} legend={false} />
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <h3>Earned per run</h3>
      <EarningsChart runs={runs} />
    </details>
  );
}
