/**
 * One try of one task: its phases, error, what the grader saw, the patch, artifacts, and the
 * log streaming live while it runs; for an agent's attempt also what it spent, why it stopped
 * and its transcript (streaming beside the live screen while it works). Its flags show as
 * badges, with what is behind them: both gradings when they ran, the files the solver changed
 * outside the repository and the processes it left running.
 */
import { useEffect, useLayoutEffect, useMemo, useRef, useState, useSyncExternalStore, type ReactElement } from 'react';
import type { AttemptDetail, AttemptSummary, GraderLog } from '../../../../shared/runs';
import { artifactUrl, invoke } from '../../api';
import { AgentAttemptPanel, StopReasonBadge } from '../agent/agent-attempt';
import { AttemptFlagBadges, GradingView, OutsideChangesView, ProcessesLeftView } from './attempt-flags-view';
import { replayHref } from '../replay/links';
import { elapsedMs, errorText, formatBytes, formatDollars, formatDuration, formatTime, isActiveState } from './format';
import { LiveLog } from './live-log';
import { runsHash } from './route';
import { onRunLog, onRunResync } from './runs-store';
import { StateBadge, useNow } from './widgets';

/** What an exit code of a test run means, as the grader reads it. */
function exitMeaning(code: number): { text: string; tone: 'ok' | 'bad' | 'warn' } {
  if (code === 0) return { text: 'tests passed', tone: 'ok' };
  if (code === 1) return { text: 'tests failed', tone: 'bad' };
  if (code === -1) return { text: 'no exit-code file', tone: 'warn' };
  return code >= 2 ? { text: 'system error', tone: 'warn' } : { text: 'tests failed', tone: 'bad' };
}

function GraderView({ grader, decision }: { grader: GraderLog; decision: unknown }): ReactElement {
  return (
    <div className="grader" data-testid="grader">
      <p className="grader-line">
        <strong>{formatDollars(grader.earned)}</strong> <span className="muted">of {formatDollars(grader.available)}</span> · {grader.notes}
      </p>
      {grader.variant === 'ic_swe' && grader.testRuns && (
        <table className="plain-table">
          <thead>
            <tr>
              <th>Test run</th>
              <th>Exit code</th>
              <th>Meaning</th>
              <th>pytest log</th>
            </tr>
          </thead>
          <tbody>
            {grader.testRuns.map((run, i) => {
              const meaning = exitMeaning(run.exitCode);
              return (
                <tr key={i} data-testid="test-run">
                  <td>{i + 1}</td>
                  <td className="mono" data-testid="exit-code">
                    {run.exitCode}
                  </td>
                  <td className={`tone-${meaning.tone}`}>{meaning.text}</td>
                  <td>
                    {run.log.trim() === '' ? (
                      <span className="muted">empty</span>
                    ) : (
                      <details>
                        <summary>{run.log.split('\n').length} lines</summary>
                        <pre className="code-block">{run.log}</pre>
                      </details>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {grader.variant === 'swe_manager' && (
        <dl className="facts">
          <dt>Submitted proposal</dt>
          <dd data-testid="submitted-proposal">{grader.submitted ?? <span className="muted">none valid</span>}</dd>
          <dt>Hired proposal</dt>
          <dd data-testid="hired-proposal">{grader.correct ?? '—'}</dd>
          <dt>Verdict</dt>
          <dd className={grader.submitted !== null && grader.submitted === grader.correct ? 'tone-ok' : 'tone-bad'}>
            {grader.submitted !== null && grader.submitted === grader.correct ? 'matches the hired proposal' : 'does not match'}
          </dd>
        </dl>
      )}
      {decision !== null && decision !== undefined && (
        <details>
          <summary>Decision as written</summary>
          <pre className="code-block">{JSON.stringify(decision, null, 2)}</pre>
        </details>
      )}
    </div>
  );
}

function lineClass(line: string): string {
  if (line.startsWith('+++') || line.startsWith('---') || line.startsWith('diff ') || line.startsWith('index ')) return 'd-file';
  if (line.startsWith('@@')) return 'd-hunk';
  if (line.startsWith('+')) return 'd-add';
  if (line.startsWith('-')) return 'd-del';
  return '';
}

function PatchView({ patch }: { patch: string }): ReactElement {
  const lines = patch.replace(/\n$/, '').split('\n');
  const added = lines.filter((l) => l.startsWith('+') && !l.startsWith('+++')).length;
  const removed = lines.filter((l) => l.startsWith('-') && !l.startsWith('---')).length;
  return (
    <figure className="patch">
      <figcaption>
        <span className="tone-ok">+{added}</span> <span className="tone-bad">−{removed}</span>{' '}
        <span className="muted">{formatBytes(patch.length)}</span>
      </figcaption>
      <pre className="code-block diff">
        {lines.map((line, i) => (
          <span key={i} className={lineClass(line)}>
            {line}
            {'\n'}
          </span>
        ))}
      </pre>
    </figure>
  );
}

/** Shown lines at most; older ones stay in the store (and in the export of the log). */
const MAX_SHOWN = 4000;

function LogView({ attemptId, live }: { attemptId: string; live: boolean }): ReactElement {
  const log = useMemo(() => new LiveLog((afterId) => invoke('attempts.logs', { attemptId, afterId })), [attemptId]);
  const { lines, loading, error } = useSyncExternalStore(log.subscribe, log.getSnapshot);
  const scroller = useRef<HTMLPreElement>(null);
  const stick = useRef(true);

  useEffect(() => {
    const offLog = onRunLog((event) => {
      if (event.attemptId === attemptId) log.append(event.phase, event.lines);
    });
    // After a fresh snapshot (a reconnect, a missed event) the log catches up from its last id.
    const offResync = onRunResync(() => void log.refresh());
    void log.refresh();
    return () => {
      offLog();
      offResync();
    };
  }, [log, attemptId]);

  // Follow the end while the reader is at the end; leave them be when they scrolled up.
  useLayoutEffect(() => {
    const el = scroller.current;
    if (el && stick.current) el.scrollTop = el.scrollHeight;
  }, [lines]);

  const shown = lines.length > MAX_SHOWN ? lines.slice(-MAX_SHOWN) : lines;
  return (
    <div className="log-view">
      <div className="log-head">
        <span className="muted" data-testid="log-count">
          {lines.length} lines{live ? ' · streaming' : ''}
          {lines.length > MAX_SHOWN && ` · showing the last ${MAX_SHOWN}`}
        </span>
        {live && <span className="live-dot" aria-hidden="true" />}
      </div>
      {error && <p className="error">Could not load the log: {error}</p>}
      <pre
        className="log"
        ref={scroller}
        data-testid="attempt-log"
        onScroll={(e) => {
          const el = e.currentTarget;
          stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
        }}
      >
        {loading && <span className="muted">Loading…</span>}
        {!loading && lines.length === 0 && <span className="muted">No output yet.</span>}
        {shown.map((line, i) => {
          const marker = line.phase !== shown[i - 1]?.phase;
          return (
            <span key={line.key} className="log-line">
              {marker && <span className="log-phase">── {line.phase} ──{'\n'}</span>}
              {line.text}
              {'\n'}
            </span>
          );
        })}
      </pre>
    </div>
  );
}

/** The detail is re-read whenever the summary says the attempt moved on. */
function useAttemptDetail(summary: AttemptSummary): { detail: AttemptDetail | undefined; error: string | null } {
  const key = `${summary.id}|${summary.state}|${summary.phase ?? ''}|${summary.finishedAt ?? ''}`;
  const [fetched, setFetched] = useState<{ key: string; id: string; detail?: AttemptDetail; error?: string }>();
  useEffect(() => {
    let live = true;
    const id = key.split('|')[0] ?? '';
    invoke('attempts.get', { attemptId: id })
      .then((detail) => live && setFetched({ key, id, detail }))
      .catch((e: unknown) => live && setFetched({ key, id, error: errorText(e) }));
    return () => {
      live = false;
    };
  }, [key]);
  // Until the new answer comes, the previous one of the same attempt stays on screen.
  const same = fetched?.id === summary.id;
  return { detail: same ? fetched.detail : undefined, error: same ? (fetched.error ?? null) : null };
}

/** `agent`: the run's solver is the built-in model agent (its transcript and spending are shown). */
export function AttemptDetailView({ runId, summary, agent = false }: { runId: string; summary: AttemptSummary; agent?: boolean }): ReactElement {
  const { detail, error } = useAttemptDetail(summary);
  const active = isActiveState(summary.state);
  const now = useNow(active);
  const elapsed = elapsedMs(summary.startedAt, summary.finishedAt, now);

  return (
    <section className="attempt-detail panel" aria-label={`Attempt ${summary.questionId}`} data-attempt-id={summary.id}>
      <header className="attempt-head">
        <div>
          <h2>
            <span className="mono">{summary.questionId}</span> <span className="muted">· try {summary.tryIndex + 1}</span>
          </h2>
          <div className="attempt-kicker">
            <StateBadge state={summary.state} />
            {summary.phase && <span className="muted">phase {summary.phase}</span>}
            {elapsed !== null && <span className="muted">{formatDuration(elapsed)}</span>}
            <span>
              {formatDollars(summary.earned)} <span className="muted">of {formatDollars(summary.price)}</span>
            </span>
            {summary.stopReason && <StopReasonBadge reason={summary.stopReason} />}
            <AttemptFlagBadges attempt={summary} />
          </div>
        </div>
        <a className="close-link" href={runsHash(runId)} aria-label="Close attempt">
          ×
        </a>
      </header>
      <div className="attempt-body">
        {error && <p className="error-box">{error}</p>}
        {summary.error && summary.state !== 'cancelled' && (
          <div className="error-box" data-testid="attempt-error">
            <strong>Error</strong>
            <pre>{summary.error}</pre>
          </div>
        )}
        <dl className="facts">
          <dt>Attempt id</dt>
          <dd className="mono">{summary.id}</dd>
          <dt>Image</dt>
          <dd className="mono">{summary.image}</dd>
          <dt>Container</dt>
          <dd className="mono">
            {summary.containerId ? summary.containerId.slice(0, 12) : '—'}
            {summary.node ? ` on node ${summary.node}` : ''}
          </dd>
          <dt>Queued · started · ended</dt>
          <dd>
            {formatTime(summary.queuedAt)} · {formatTime(summary.startedAt)} · {formatTime(summary.finishedAt)}
          </dd>
        </dl>

        {agent && (
          <>
            <h3>Agent</h3>
            <AgentAttemptPanel summary={summary} />
          </>
        )}

        <h3>Phases</h3>
        {!detail ? (
          <p className="muted">Loading…</p>
        ) : detail.phases.length === 0 ? (
          <p className="muted">Not started.</p>
        ) : (
          <table className="plain-table phases-table">
            <thead>
              <tr>
                <th>Phase</th>
                <th>Started</th>
                <th>Ended</th>
                <th className="num">Took</th>
                <th>Status</th>
              </tr>
            </thead>
            <tbody>
              {detail.phases.map((p) => {
                const took = elapsedMs(p.startedAt, p.endedAt, now);
                return (
                  <tr key={`${p.phase}-${p.startedAt}`}>
                    <td>{p.phase}</td>
                    <td>{formatTime(p.startedAt)}</td>
                    <td>{p.endedAt ? formatTime(p.endedAt) : <span className="muted">running</span>}</td>
                    <td className="num">{took === null ? '—' : formatDuration(took)}</td>
                    <td>{p.status ?? '—'}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}

        {summary.grading && (
          <>
            <h3>Gradings</h3>
            <GradingView grading={summary.grading} />
          </>
        )}

        {/* null: not watched (a run made before, or a solver that does not run in the container). */}
        {summary.outsideRepoChanges && (
          <>
            <h3>Changes outside the repository</h3>
            <OutsideChangesView changes={summary.outsideRepoChanges} />
          </>
        )}
        {summary.processesLeft && (
          <>
            <h3>Processes left running</h3>
            <ProcessesLeftView processes={summary.processesLeft} />
          </>
        )}

        <h3>Grader</h3>
        {detail?.grader ? (
          <GraderView grader={detail.grader} decision={detail.decision} />
        ) : (
          <p className="muted">{active || summary.state === 'queued' ? 'Not graded yet.' : 'No grader output.'}</p>
        )}

        <h3>Patch</h3>
        {detail?.patch ? <PatchView patch={detail.patch} /> : <p className="muted">{detail?.patch === '' ? 'Empty: no change was made.' : 'None.'}</p>}

        <h3>Artifacts</h3>
        {detail && detail.artifacts.some((a) => a.kind === 'video' || a.kind === 'trace') && (
          <p>
            <a className="button-link" href={replayHref(summary.id)} data-testid="open-replay">
              {agent ? "Replay the agent's work and the grading runs" : 'Replay the grading runs'}
            </a>
          </p>
        )}
        {detail && detail.artifacts.length > 0 ? (
          <table className="plain-table">
            <thead>
              <tr>
                <th>Kind</th>
                <th>Name</th>
                <th className="num">Size</th>
                <th>sha256</th>
              </tr>
            </thead>
            <tbody>
              {detail.artifacts.map((a) => (
                <tr key={`${a.kind}-${a.name}`}>
                  <td>{a.kind}</td>
                  <td className="mono">
                    <a href={artifactUrl(a.sha256)} download={a.name}>
                      {a.name}
                    </a>
                  </td>
                  <td className="num">{formatBytes(a.bytes)}</td>
                  <td className="mono muted" title={a.sha256}>
                    {a.sha256.slice(0, 12)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <p className="muted">None.</p>
        )}

        <h3>Log</h3>
        <LogView attemptId={summary.id} live={active} />
      </div>
    </section>
  );
}
