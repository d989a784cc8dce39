/**
 * One run: its controls (pause / resume / cancel), how many attempts are flagged (grading
 * differs, changes outside the repository, processes left running, tokens that disagree), the
 * summary with its charts (and, for an agent's run, tokens and dollars spent), the manifest,
 * and every try of every task in the ledger with its flags.
 */
import { memo, useMemo, useRef, useState, type ReactElement, type ReactNode } from 'react';
import type { AttemptSummary, ManifestHead, RunManifest, RunStatus, RunSummary } from '../../../../shared/runs';
import type { AgentChoice, BuiltinSolverSpec } from '../../../../shared/agents';
import { invoke } from '../../api';
import { StopReasonBadge } from '../agent/agent-attempt';
import { formatSpentPerEarned, formatTokens, formatTokensExact, formatUsd, runUsageOf, tokenBreakdown, totalTokens } from '../agent/usage-format';
import { AttemptFlagBadges, RunFlagCounts } from './attempt-flags-view';
import { gradingModeText } from './attempt-flags';
import { EarnedBar, OutcomeBar } from './charts';
import {
  elapsedMs,
  errorText,
  formatDateTime,
  formatDollars,
  formatDuration,
  formatPercent,
  isActiveState,
  plural,
  solverLabel,
} from './format';
import { navigateRuns, runsHash } from './route';
import { retriedTryIds, type RunSnapshot } from './run-state';
import { useRowWindow } from './row-window';
import { useRunsStore } from './runs-store';
import { ConfirmButton, downloadJson, RunStatusBadge, StateBadge, useNow } from './widgets';

type Control = 'pause' | 'resume' | 'cancel';

function allowed(status: RunStatus): Record<Control, boolean> {
  return {
    pause: status === 'running' || status === 'queued',
    resume: status === 'paused',
    cancel: status === 'running' || status === 'queued' || status === 'paused',
  };
}

function RunControls({ run }: { run: RunSnapshot }): ReactElement {
  const acknowledge = useRunsStore((s) => s.acknowledge);
  const [busy, setBusy] = useState<Control | null>(null);
  const [error, setError] = useState<string | null>(null);
  const can = allowed(run.status);

  const call = async (control: Control): Promise<void> => {
    setBusy(control);
    setError(null);
    try {
      const runId = run.id;
      const summary: RunSummary =
        control === 'pause'
          ? await invoke('runs.pause', { runId })
          : control === 'resume'
            ? await invoke('runs.resume', { runId })
            : await invoke('runs.cancel', { runId });
      acknowledge(summary);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(null);
    }
  };

  return (
    <div className="run-controls">
      <button type="button" disabled={!can.pause || busy !== null} onClick={() => void call('pause')} title="Running attempts finish; no new ones start">
        Pause
      </button>
      <button type="button" disabled={!can.resume || busy !== null} onClick={() => void call('resume')}>
        Resume
      </button>
      <ConfirmButton
        label="Cancel run"
        question="Cancel this run?"
        confirmLabel="Yes, cancel"
        cancelLabel="Keep running"
        danger
        disabled={!can.cancel || busy !== null}
        onConfirm={() => void call('cancel')}
      />
      {error && (
        <span className="error" role="alert">
          {error}
        </span>
      )}
    </div>
  );
}

function RunSummaryPanel({ run }: { run: RunSnapshot }): ReactElement {
  const t = run.tally;
  // Live attempts of the tries that count (a retried try is never live).
  const running = run.attempts.filter((a) => !a.retried && isActiveState(a.state)).length;
  return (
    <section className="panel run-summary" aria-label="Summary" data-testid="run-summary">
      <div className="summary-grid">
        <div>
          <h3>Earnings</h3>
          <EarnedBar earned={t.earned} available={t.available} />
        </div>
        <div>
          <h3>
            Outcomes{' '}
            <span className="muted">
              · {plural(t.tasks, 'task')}
              {t.attempts > t.tasks && <> × {Math.round(t.attempts / t.tasks)} attempts</>}, pass rate {formatPercent(t.passed, t.attempts)}
            </span>
          </h3>
          <OutcomeBar tally={t} running={running} />
        </div>
      </div>
      {run.solver.kind === 'builtin' && <AgentSpend run={run} solver={run.solver} />}
    </section>
  );
}

/** An agent run's tokens and dollars (every try counted: a retried try's calls were paid for too). */
function AgentSpend({ run, solver }: { run: RunSnapshot; solver: BuiltinSolverSpec }): ReactElement {
  const usage = runUsageOf(run);
  const earned = run.tally.earned;
  return (
    <div className="agent-spend" data-testid="run-agent-spend">
      <h3>Agent spend</h3>
      {usage ? (
        <dl className="facts">
          <dt>Tokens</dt>
          <dd>
            <span data-testid="run-tokens" title={`${formatTokensExact(totalTokens(usage))} tokens`}>
              {formatTokens(totalTokens(usage))}
            </span>{' '}
            <span className="muted">
              · {tokenBreakdown(usage)} · {plural(usage.requests, 'model call')}
            </span>
            {usage.estimated && <span className="tag">estimated</span>}
          </dd>
          <dt>Spent</dt>
          <dd>
            <span data-testid="run-spent">{formatUsd(usage.costUsd)}</span>
            {solver.budgetUsd !== null && <span className="muted"> of a {formatUsd(solver.budgetUsd)} budget</span>}
          </dd>
          <dt>Per $ earned</dt>
          <dd data-testid="run-spent-per-earned">{formatSpentPerEarned(usage.costUsd, earned)}</dd>
        </dl>
      ) : (
        <p className="muted">Nothing counted yet: an attempt's tokens and dollars are recorded when its agent stops.</p>
      )}
    </div>
  );
}

function Fact({ label, children }: { label: string; children: ReactNode }): ReactElement {
  return (
    <>
      <dt>{label}</dt>
      <dd>{children}</dd>
    </>
  );
}

/** Which agent ran, as the manifest recorded it (runs made before CLI agents name none: the built-in one). */
function AgentChoiceText({ choice }: { choice: AgentChoice | undefined }): ReactElement {
  if (!choice || choice.name === 'builtin') return <>built-in (runs on the host)</>;
  if (choice.name === 'custom') {
    const env = Object.keys(choice.env);
    return (
      <>
        custom command line <span className="mono">{choice.command}</span>
        {env.length > 0 && <span className="muted"> · with {env.join(', ')}</span>}
      </>
    );
  }
  return (
    <>
      {choice.name} {choice.version} <span className="muted">(in the task&apos;s container)</span>
    </>
  );
}

/** The agent's settings as the manifest recorded them: where its model calls went, never the key. */
function AgentManifestFacts({ solver }: { solver: BuiltinSolverSpec }): ReactElement {
  const { endpoint, limits } = solver;
  const key = endpoint.apiKey.source === 'env' ? `from $${endpoint.apiKey.name}` : endpoint.apiKey.source === 'stored' ? 'stored key' : 'none';
  const builtin = !solver.agent || solver.agent.name === 'builtin';
  return (
    <>
      <Fact label="Agent">
        <AgentChoiceText choice={solver.agent} />
      </Fact>
      <Fact label="Endpoint">
        {endpoint.name ?? <span className="muted">given inline</span>} · <span className="mono">{endpoint.baseUrl}</span> · model{' '}
        <span className="mono">{endpoint.model}</span> · key {key}
      </Fact>
      {builtin && <Fact label="Protocol">{solver.protocol}</Fact>}
      <Fact label="Prices ($/M)">
        in {endpoint.prices.inputPerM} · cached {endpoint.prices.cachedInputPerM} · out {endpoint.prices.outputPerM}
      </Fact>
      <Fact label="Agent limits">
        {plural(limits.maxTurns, 'turn')} · {limits.maxTokens === null ? 'no token limit' : `${formatTokensExact(limits.maxTokens)} tokens`} ·{' '}
        {limits.attemptBudgetUsd === null ? 'no attempt budget' : `${formatUsd(limits.attemptBudgetUsd)} per attempt`} · wall time {limits.wallTimeSec} s · action
        timeout {limits.actionTimeoutSec} s
      </Fact>
      <Fact label="Run budget">{solver.budgetUsd === null ? 'none' : formatUsd(solver.budgetUsd)}</Fact>
    </>
  );
}

/**
 * The run's manifest. Its per-task lists (a full run names 1,488 tasks, images and profiles) are
 * not part of the run as the view gets it: they are asked for (runs.manifest) when the panel is
 * first opened, and for the export.
 */
function ManifestPanel({ runId, manifest }: { runId: string; manifest: ManifestHead }): ReactElement {
  const limits = manifest.limits;
  const [lists, setLists] = useState<{ manifest?: RunManifest; error?: string }>({});
  // One request for the panel's opening and the export alike; a failed one is asked again next time.
  const asked = useRef<Promise<RunManifest>>(undefined);
  const fetchLists = (): Promise<RunManifest> =>
    (asked.current ??= invoke('runs.manifest', { runId }).then(
      (full) => {
        setLists({ manifest: full });
        return full;
      },
      (error: unknown) => {
        asked.current = undefined;
        setLists({ error: errorText(error) });
        throw error;
      },
    ));
  const full = lists.manifest;
  const images = full ? Object.entries(full.images) : [];
  return (
    <details className="panel manifest" data-testid="manifest" onToggle={(e) => e.currentTarget.open && void fetchLists().catch(() => undefined)}>
      <summary>
        <span className="summary-title">Manifest</span>
        <span className="muted">
          {manifest.dataset.id} v{manifest.dataset.version} · {solverLabel(manifest.solver)} · app {manifest.appVersion}
        </span>
      </summary>
      <div className="manifest-body">
        <dl className="facts">
          <Fact label="Dataset">
            {manifest.dataset.id} v{manifest.dataset.version} <span className="muted">(version id {manifest.dataset.versionId})</span>
          </Fact>
          <Fact label="Content hash">
            <span className="mono">{manifest.dataset.contentHash}</span>
          </Fact>
          <Fact label="Tasks">
            {full ? full.taskIds.join(', ') : lists.error ? <span className="error">{plural(manifest.taskCount, 'task')}; the lists could not be read: {lists.error}</span> : `${plural(manifest.taskCount, 'task')}…`}
          </Fact>
          <Fact label="Solver">
            {solverLabel(manifest.solver)}
            {manifest.solver.kind === 'predictions' && (
              <span className="muted">
                {' '}
                · {manifest.solver.file} · {plural(manifest.solver.count, 'prediction')} · sha256 <span className="mono">{manifest.solver.sha256.slice(0, 16)}…</span>
              </span>
            )}
          </Fact>
          {manifest.solver.kind === 'builtin' && <AgentManifestFacts solver={manifest.solver} />}
          <Fact label="Timeouts">
            set-up {manifest.timeoutsSec.setup} s · solve {manifest.timeoutsSec.solve} s · grade {manifest.timeoutsSec.grade} s
          </Fact>
          <Fact label="Grading">
            {/* Runs made before grading modes were graded in the solver's container. */}
            {gradingModeText(manifest.grading ?? 'official')} · {plural(manifest.testRuns, 'test run')} ·{' '}
            {plural(manifest.maxRetries, 'retry', 'retries')} on system errors
          </Fact>
          <Fact label="Concurrency">{manifest.concurrency}</Fact>
          <Fact label="Limits">
            {limits.cpus > 0 ? `${limits.cpus} CPUs` : 'no CPU limit'} · {limits.memoryMb > 0 ? `${limits.memoryMb} MiB memory` : 'no memory limit'} ·{' '}
            {limits.shmMb} MiB shm
          </Fact>
          <Fact label="App">{manifest.appVersion}</Fact>
          <Fact label="Host">
            {manifest.host.platform}/{manifest.host.arch} · Node {manifest.host.node} · Docker {manifest.host.docker ?? 'unknown'}
          </Fact>
          {manifest.cluster && (
            <Fact label="Cluster">
              {manifest.cluster.name} ({manifest.cluster.kind}, {manifest.cluster.manager}) · {plural(manifest.cluster.nodes.length, 'node')}:{' '}
              {manifest.cluster.nodes.map((n) => `${n.hostname} (${n.cpus} CPUs)`).join(', ')}
            </Fact>
          )}
          <Fact label="Created">{formatDateTime(manifest.createdAt)}</Fact>
        </dl>
        <h4>Images</h4>
        {full && (
          <table className="plain-table images-table">
            <thead>
              <tr>
                <th>Task</th>
                <th>Image</th>
                <th>Id</th>
                <th>Profile</th>
              </tr>
            </thead>
            <tbody>
              {images.map(([questionId, image]) => (
                <tr key={questionId}>
                  <td className="mono">{questionId}</td>
                  <td className="mono">{image.name}</td>
                  <td className="mono muted" title={image.id ?? ''}>
                    {image.id ? image.id.replace(/^sha256:/, '').slice(0, 12) : '—'}
                  </td>
                  <td>{full.profile[questionId] ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <button type="button" onClick={() => void fetchLists().then((m) => downloadJson(`${runId}.manifest.json`, { runId, ...m }), () => undefined)}>
          Export manifest
        </button>
      </div>
    </details>
  );
}

/** Elapsed time of one attempt; only live rows tick, so a big ledger does not re-render each second. */
function Elapsed({ attempt }: { attempt: AttemptSummary }): ReactElement {
  const now = useNow(isActiveState(attempt.state) && attempt.finishedAt === null);
  const elapsed = elapsedMs(attempt.startedAt, attempt.finishedAt, now);
  return <>{elapsed === null ? '—' : formatDuration(elapsed)}</>;
}

/** One try in the ledger; unchanged attempts keep their object, so memo skips them. */
const AttemptRow = memo(function AttemptRow({
  attempt: a,
  index,
  selected,
  wasRetried,
  agent,
  onCluster,
}: {
  attempt: AttemptSummary;
  /** Its place in the ledger (0-based), for assistive technology when only some rows are drawn. */
  index: number;
  selected: boolean;
  wasRetried: boolean;
  /** Show the agent's columns: tokens, dollars spent, stop reason. */
  agent: boolean;
  /** The run is on a cluster: show the node each try ran on. */
  onCluster: boolean;
}): ReactElement {
  const open = (): void => navigateRuns(a.runId, a.id);
  return (
    <tr
      className={`attempt-row${selected ? ' selected' : ''}${wasRetried ? ' retried' : ''}`}
      aria-rowindex={index + 2}
      data-attempt-id={a.id}
      data-question-id={a.questionId}
      data-state={a.state}
      tabIndex={0}
      aria-selected={selected}
      onClick={open}
      onKeyDown={(e) => {
        if (e.key === 'Enter' || e.key === ' ') {
          e.preventDefault();
          open();
        }
      }}
    >
      <td className="mono">
        <a href={runsHash(a.runId, a.id)} onClick={(e) => e.stopPropagation()}>
          {a.questionId}
        </a>
      </td>
      <td>
        {a.tryIndex + 1}
        {a.attemptIndex > 0 && <span className="muted"> (attempt {a.attemptIndex + 1})</span>}
        {wasRetried && (
          <span className="tag" title="Ended in a system error or timeout and was tried again in a fresh container">
            retried
          </span>
        )}
      </td>
      <td>
        <StateBadge state={a.state} />
        <AttemptFlagBadges attempt={a} small />
      </td>
      <td className="phase-cell">{a.phase ?? (isActiveState(a.state) ? '…' : '—')}</td>
      {onCluster && <td className="mono" data-testid="attempt-node">{a.node ?? '—'}</td>}
      <td className="num elapsed" data-testid="elapsed">
        <Elapsed attempt={a} />
      </td>
      <td className="num">
        {a.state === 'passed' || a.earned > 0 ? formatDollars(a.earned) : <span className="muted">—</span>}
        <span className="muted"> / {formatDollars(a.price)}</span>
      </td>
      {agent && (
        <>
          <td className="num" data-testid="attempt-tokens" title={a.usage ? `${formatTokensExact(totalTokens(a.usage))} tokens` : undefined}>
            {a.usage ? formatTokens(totalTokens(a.usage)) : <span className="muted">—</span>}
          </td>
          <td className="num" data-testid="attempt-spent">
            {a.usage ? formatUsd(a.usage.costUsd) : <span className="muted">—</span>}
          </td>
          <td>{a.stopReason ? <StopReasonBadge reason={a.stopReason} /> : <span className="muted">—</span>}</td>
        </>
      )}
    </tr>
  );
});

/** Every try of the run; a long ledger draws only the rows in view (see row-window). */
function AttemptsTable({ run, openAttemptId }: { run: RunSnapshot; openAttemptId: string | null }): ReactElement {
  const retried = useMemo(() => retriedTryIds(run.attempts), [run.attempts]);
  const agent = run.solver.kind === 'builtin';
  const onCluster = run.manifest.cluster !== undefined;
  const { bodyRef, window: rows } = useRowWindow(run.attempts.length, 'attempt-row');
  const columns = (agent ? 9 : 6) + (onCluster ? 1 : 0);
  return (
    <div className="table-wrap">
      <table className="data-table attempts-table" aria-label="Attempts" aria-rowcount={run.attempts.length + 1} data-row-count={run.attempts.length}>
        <thead>
          <tr>
            <th>Question</th>
            <th>Try</th>
            <th>State</th>
            <th>Phase</th>
            {onCluster && <th>Node</th>}
            <th className="num">Elapsed</th>
            <th className="num">Earned</th>
            {agent && (
              <>
                <th className="num">Tokens</th>
                <th className="num">Spent</th>
                <th>Stop</th>
              </>
            )}
          </tr>
        </thead>
        <tbody ref={bodyRef}>
          {rows.first > 0 && (
            <tr className="spacer" aria-hidden="true" style={{ height: rows.first * rows.rowHeight }}>
              <td colSpan={columns} />
            </tr>
          )}
          {run.attempts.slice(rows.first, rows.last).map((a, i) => (
            <AttemptRow
              key={a.id}
              attempt={a}
              index={rows.first + i}
              selected={a.id === openAttemptId}
              wasRetried={retried.has(a.id)}
              agent={agent}
              onCluster={onCluster}
            />
          ))}
          {rows.last < run.attempts.length && (
            <tr className="spacer" aria-hidden="true" style={{ height: (run.attempts.length - rows.last) * rows.rowHeight }}>
              <td colSpan={columns} />
            </tr>
          )}
        </tbody>
      </table>
    </div>
  );
}

export function RunDetailView({ run, openAttemptId }: { run: RunSnapshot; openAttemptId: string | null }): ReactElement {
  return (
    <div className="run-detail" data-run-id={run.id}>
      <header className="run-head">
        <div className="run-title">
          <h2 className="mono" title={run.id}>
            {run.id}
          </h2>
          <RunStatusBadge status={run.status} />
        </div>
        <RunControls run={run} />
      </header>
      <p className="run-meta muted">
        {run.datasetId} · {solverLabel(run.solver)} · concurrency {run.concurrency} · created {formatDateTime(run.createdAt)}
        {run.finishedAt && ` · ended ${formatDateTime(run.finishedAt)}`}
      </p>
      <RunFlagCounts attempts={run.attempts} />
      {run.waiting && (
        <p className="run-waiting" role="status">
          {run.waiting}
        </p>
      )}
      <RunSummaryPanel run={run} />
      {/* Keyed by run: its lists belong to one run, and the view stays mounted when another opens. */}
      <ManifestPanel key={run.id} runId={run.id} manifest={run.manifest} />
      <h3 className="section-title">
        Attempts <span className="muted">· every try is kept in the ledger</span>
      </h3>
      <AttemptsTable run={run} openAttemptId={openAttemptId} />
    </div>
  );
}
