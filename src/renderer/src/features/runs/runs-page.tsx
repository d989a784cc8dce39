/**
 * The Runs section: start a run, the list of runs, one run's ledger and one attempt's detail.
 *
 * Where you are lives in the URL (`#/runs/<runId>/<attemptId>`); what you see is the store's
 * snapshot plus newer events, so a reload shows the same run, still moving.
 */
import { useEffect, useState, type ReactElement } from 'react';
import { AttemptDetailView } from './attempt-detail';
import { NewRunForm } from './new-run-form';
import { navigateRuns, useRunsRoute } from './route';
import { RunDetailView } from './run-detail';
import { RunList } from './run-list';
import { connectRunEvents, useRunsStore } from './runs-store';

export function RunsPage(): ReactElement {
  const { runId, attemptId } = useRunsRoute();
  const runs = useRunsStore((s) => s.runs);
  const listError = useRunsStore((s) => s.listError);
  const detail = useRunsStore((s) => s.detail);
  const detailError = useRunsStore((s) => s.detailError);
  const loadRuns = useRunsStore((s) => s.loadRuns);
  const open = useRunsStore((s) => s.open);
  const [formOpen, setFormOpen] = useState(false);

  useEffect(() => connectRunEvents(), []);
  useEffect(() => {
    void loadRuns();
  }, [loadRuns]);
  useEffect(() => {
    open(runId);
  }, [open, runId]);

  const shown = detail && detail.id === runId ? detail : undefined;
  const attempt = attemptId !== null ? shown?.attempts.find((a) => a.id === attemptId) : undefined;
  const showForm = formOpen || (runs !== undefined && runs.length === 0);

  return (
    <section className="page ops runs-page">
      <header className="page-head">
        <h1>Runs</h1>
        {/* Not while the list loads: an empty list opens the form by itself. */}
        {!showForm && runs !== undefined && (
          <button type="button" className="primary" onClick={() => setFormOpen(true)}>
            New run
          </button>
        )}
      </header>
      {showForm && (
        <NewRunForm
          onClose={() => setFormOpen(false)}
          onStarted={(id) => {
            setFormOpen(false);
            void loadRuns();
            navigateRuns(id);
          }}
        />
      )}
      {listError && <p className="error-box">Could not list the runs: {listError}</p>}
      <div className={`runs-body${attemptId !== null ? ' with-attempt' : ''}`}>
        <aside className="runs-list-pane">
          {runs === undefined ? (
            <p className="muted">Loading…</p>
          ) : runs.length === 0 ? (
            <p className="muted">No runs yet.</p>
          ) : (
            <RunList runs={runs} openId={runId} />
          )}
        </aside>
        <div className="run-pane">
          {runId === null ? (
            runs && runs.length > 0 && <p className="muted empty-hint">Choose a run to see its attempts.</p>
          ) : detailError && !shown ? (
            <p className="error-box">{detailError}</p>
          ) : !shown ? (
            <p className="muted">Loading {runId}…</p>
          ) : (
            <RunDetailView run={shown} openAttemptId={attemptId} />
          )}
        </div>
        {attemptId !== null && shown && (
          <div className="attempt-pane">
            {attempt ? (
              <AttemptDetailView key={attempt.id} runId={shown.id} summary={attempt} agent={shown.solver.kind === 'builtin'} />
            ) : (
              <p className="error-box">No attempt {attemptId} in this run.</p>
            )}
          </div>
        )}
      </div>
    </section>
  );
}
