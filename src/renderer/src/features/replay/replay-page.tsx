/**
 * Replay of one attempt (`#/replay/<attemptId>`): pick a grading run and a trace, watch the
 * recorded screen with the trace's actions on a timeline under it, and read why the test failed.
 */
import { memo, useCallback, useEffect, useState, type ReactElement } from 'react';
import type { AttemptReplay, RunReplay, TraceReplay } from '../../../../shared/replay';
import { artifactUrl, invoke } from '../../api';
import { compareHref } from './links';
import {
  ActionList,
  ClockVideo,
  Filmstrip,
  FrameScreen,
  StateBadge,
  Timeline,
  Transport,
  usePlaybackClock,
  usePlayerKeys,
  useTimedTrace,
} from './player';
import { currentActionPosition, currentFramePosition, defaultRunNumber, entryTime, formatClock, formatDurationMs, stepTarget, timelineEnd } from './timeline';
import { errorText, shortRunId, solverName, useAttemptContext, useAttemptReplay, useSiblingAttempts, type AttemptContext } from './use-replay';

/** The Runs page's link to an attempt (its own route format: `#/runs/<runId>/<attemptId>`). */
function runsAttemptHref(runId: string, attemptId: string): string {
  return `#/runs/${encodeURIComponent(runId)}/${encodeURIComponent(attemptId)}`;
}

export function ReplayPage({ attemptId }: { attemptId: string }): ReactElement {
  const loaded = useAttemptReplay(attemptId);
  const context = useAttemptContext(attemptId);
  const replay = loaded.status === 'ready' ? loaded.value : undefined;
  return (
    <section className="page lr replay-page">
      <header className="lr-head">
        <h1>Replay</h1>
        {replay && <span className="lr-task">Task {replay.questionId}</span>}
        {replay && <StateBadge state={replay.state} />}
        {context?.run && <span className="muted">{solverName(context.run)} solver</span>}
        <span className="lr-head-end">
          <span className="mono muted" title="Attempt id">
            {attemptId}
          </span>
          {context && <a href={runsAttemptHref(context.attempt.runId, attemptId)}>Open in Runs</a>}
        </span>
      </header>
      {loaded.status === 'loading' && <p className="muted">Loading the replay…</p>}
      {loaded.status === 'error' && (
        <div className="lr-error-box" role="alert">
          The replay could not be loaded: {loaded.error}
        </div>
      )}
      {replay && <ReplayBody replay={replay} context={context} />}
    </section>
  );
}

function ReplayBody({ replay, context }: { replay: AttemptReplay; context: AttemptContext | undefined }): ReactElement {
  const [runNumber, setRunNumber] = useState(() => defaultRunNumber(replay));
  const [traceIndex, setTraceIndex] = useState(0);
  const run = replay.runs.find((r) => r.run === runNumber);
  const trace = run?.traces[traceIndex] ?? run?.traces[0];

  if (!run) {
    return (
      <div className="lr-panel">
        <p>This attempt kept no grading runs to replay{context?.attempt.error ? `: ${context.attempt.error}` : ' (it ended before grading, or is still running).'}</p>
      </div>
    );
  }
  return (
    <>
      <div className="lr-toolbar">
        {replay.runs.length > 1 && (
          <div className="lr-inline">
            Grading run
            <div className="lr-segmented" role="radiogroup" aria-label="Grading run">
              {replay.runs.map((r) => (
                <button
                  key={r.run}
                  type="button"
                  role="radio"
                  aria-checked={r.run === run.run}
                  onClick={() => {
                    setRunNumber(r.run);
                    setTraceIndex(0);
                  }}
                >
                  <span className={`lr-dot ${runTone(r)}`} aria-hidden="true" />
                  {r.run}
                </button>
              ))}
            </div>
          </div>
        )}
        {replay.runs.length === 1 && <span className="muted">Grading run {run.run}</span>}
        {run.traces.length > 1 && (
          <label className="lr-inline">
            Trace
            <select value={traceIndex} onChange={(e) => setTraceIndex(Number(e.currentTarget.value))}>
              {run.traces.map((t, i) => (
                <option key={t.sha256 + i} value={i}>
                  {traceLabel(t, i)}
                </option>
              ))}
            </select>
          </label>
        )}
        {trace && <TraceViewerButton sha256={trace.sha256} />}
        <ComparePicker attemptId={replay.attemptId} questionId={replay.questionId} />
      </div>
      <RunReplayView key={`${run.run}/${traceIndex}`} run={run} trace={trace} />
    </>
  );
}

function runTone(run: RunReplay): string {
  if (run.exitCode === 0) return 'ok';
  if (run.exitCode === null) return 'unknown';
  return 'bad';
}

function traceLabel(trace: TraceReplay, index: number): string {
  return `${index + 1}: ${trace.title ?? trace.name}`;
}

function TraceViewerButton({ sha256 }: { sha256: string }): ReactElement {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const open = async (): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      const { url } = await invoke('replay.openTraceViewer', { sha256 });
      // The window hands new windows to the system browser; a browser tab opens a tab.
      window.open(url, '_blank', 'noopener');
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <span className="lr-inline">
      <button type="button" onClick={() => void open()} disabled={busy}>
        {busy ? 'Opening…' : 'Open in Playwright trace viewer'}
      </button>
      {error && (
        <span className="error" role="alert">
          {error}
        </span>
      )}
    </span>
  );
}

/** Another attempt of the same task to compare with (newest runs first). */
function ComparePicker({ attemptId, questionId }: { attemptId: string; questionId: string }): ReactElement {
  const siblings = useSiblingAttempts(questionId, attemptId);
  const placeholder = siblings === undefined ? 'Looking for attempts…' : siblings.length > 0 ? 'Choose an attempt…' : 'No other attempt of this task';
  return (
    <label className="lr-inline lr-compare-picker">
      Compare with
      <select
        value=""
        disabled={!siblings || siblings.length === 0}
        onChange={(e) => {
          if (e.currentTarget.value) location.hash = compareHref(attemptId, e.currentTarget.value);
        }}
      >
        <option value="">{placeholder}</option>
        {siblings?.map(({ attempt, run }) => (
          <option key={attempt.id} value={attempt.id}>
            {solverName(run)} · {shortRunId(run.id)} · {attempt.state}
            {attempt.tryIndex > 0 ? ` · try ${attempt.tryIndex + 1}` : ''}
          </option>
        ))}
      </select>
    </label>
  );
}

/** The failing assertion, or the passing verdict, with the test's exit code. */
export function FailureBanner({ run }: { run: RunReplay }): ReactElement {
  const exit = run.exitCode === null ? 'no exit code recorded' : `exit code ${run.exitCode}`;
  if (run.failure) {
    return (
      <div className="lr-failure" role="alert" data-testid="replay-failure">
        <div className="lr-failure-head">
          <strong>Test failed</strong>
          <span className="lr-exit">{exit}</span>
        </div>
        <pre>{run.failure}</pre>
      </div>
    );
  }
  if (run.exitCode === 0) {
    return (
      <div className="lr-passed" data-testid="replay-verdict">
        <strong>Test passed</strong> <span className="lr-exit">{exit}</span>
      </div>
    );
  }
  return (
    <div className="lr-unknown" data-testid="replay-verdict">
      <strong>{run.exitCode === null ? 'The test did not report a result' : 'Test failed'}</strong> <span className="lr-exit">{exit}</span>
    </div>
  );
}

function RunReplayView({ run, trace }: { run: RunReplay; trace: TraceReplay | undefined }): ReactElement {
  const timed = useTimedTrace(run, trace);
  const { actions, frames, starts, origin } = timed;
  const [videoDuration, setVideoDuration] = useState<number | null>(null);
  const end = timelineEnd(actions, frames, videoDuration);
  const [clock, state] = usePlaybackClock();
  const [selected, setSelected] = useState<number | null>(null);
  useEffect(() => clock.setDuration(end), [clock, end]);

  const currentPos = currentActionPosition(actions, state.time);
  const framePos = currentFramePosition(frames, state.time);
  const select = useCallback(
    (pos: number) => {
      const action = actions[pos];
      if (!action) return;
      setSelected(pos);
      clock.seek(Math.max(0, action.start));
    },
    [actions, clock],
  );
  const seek = useCallback((t: number) => clock.seek(t), [clock]);
  const step = useCallback(
    (direction: 1 | -1) => {
      const target = stepTarget(starts, clock.getState().time, direction);
      if (target === null) return;
      clock.seek(target);
      const pos = currentActionPosition(actions, target);
      setSelected(pos >= 0 ? pos : null);
    },
    [actions, starts, clock],
  );
  usePlayerKeys(clock, step);

  return (
    <>
      <FailureBanner run={run} />
      <div className="rp-main">
        <div className="rp-stage">
          {run.video ? (
            <ClockVideo clock={clock} src={artifactUrl(run.video.sha256)} label={`Screen recording of grading run ${run.run}`} onDuration={setVideoDuration} testId="replay-video" />
          ) : trace ? (
            <FrameScreen trace={trace} frames={frames} position={framePos} />
          ) : (
            <div className="rp-screen">
              <p className="rp-screen-note">This run kept neither a video nor a trace.</p>
            </div>
          )}
          <Transport clock={clock} state={state}>
            <span className="rp-keys muted">Space: play / pause · ← →: previous / next action</span>
          </Transport>
          <Timeline actions={actions} end={end} time={state.time} currentPos={currentPos} selectedPos={selected} onSelect={select} onSeek={seek} />
          {trace && <Filmstrip trace={trace} frames={frames} currentPos={framePos} onSeek={seek} />}
        </div>
        <aside className="rp-side">
          <h2>
            Actions <span className="muted">{actions.length}</span>
          </h2>
          <ActionList actions={actions} currentPos={currentPos} selectedPos={selected} onSelect={select} label="Trace actions" />
        </aside>
      </div>
      {trace && origin !== null && <TraceEntries trace={trace} origin={origin} onSeek={seek} />}
      <details className="rp-log">
        <summary>
          Test log <span className="muted">({run.exitCode === null ? 'no exit code' : `exit code ${run.exitCode}`})</span>
        </summary>
        {run.log ? <pre>{run.log}</pre> : <p className="muted">No test log was kept for this run.</p>}
      </details>
    </>
  );
}

/** Rows shown per tab; traces of long tests can log far more. */
const MAX_ROWS = 2000;

/** Console and network entries of the trace, each with a time that seeks there. */
const TraceEntries = memo(function TraceEntries({ trace, origin, onSeek }: { trace: TraceReplay; origin: number; onSeek: (t: number) => void }): ReactElement {
  const [tab, setTab] = useState<'console' | 'network'>('console');
  const at = (ms: number): number => entryTime(trace, origin, ms);
  const timeCell = (ms: number): ReactElement => (
    <td className="rp-entry-time">
      <button type="button" className="lr-link" onClick={() => onSeek(Math.max(0, at(ms)))} title="Seek here">
        {formatClock(at(ms))}
      </button>
    </td>
  );
  return (
    <div className="lr-panel rp-entries">
      <div className="lr-tabs" role="tablist" aria-label="Trace entries">
        <button type="button" role="tab" aria-selected={tab === 'console'} className={tab === 'console' ? 'active' : ''} onClick={() => setTab('console')}>
          Console <span className="muted">{trace.console.length}</span>
        </button>
        <button type="button" role="tab" aria-selected={tab === 'network'} className={tab === 'network' ? 'active' : ''} onClick={() => setTab('network')}>
          Network <span className="muted">{trace.network.length}</span>
        </button>
      </div>
      <div role="tabpanel" className="rp-entries-body">
        {tab === 'console' &&
          (trace.console.length === 0 ? (
            <p className="muted">Nothing was logged to the browser console.</p>
          ) : (
            <table className="lr-table">
              <tbody>
                {trace.console.slice(0, MAX_ROWS).map((entry, i) => (
                  <tr key={i} className={entry.type === 'error' ? 'bad' : entry.type === 'warning' ? 'warn' : ''}>
                    {timeCell(entry.ms)}
                    <td className="rp-entry-type">{entry.type}</td>
                    <td className="rp-entry-text">{entry.text}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ))}
        {tab === 'network' &&
          (trace.network.length === 0 ? (
            <p className="muted">No network requests were recorded.</p>
          ) : (
            <table className="lr-table">
              <thead>
                <tr>
                  <th>Time</th>
                  <th>Method</th>
                  <th>Status</th>
                  <th>URL</th>
                  <th className="num">Duration</th>
                </tr>
              </thead>
              <tbody>
                {trace.network.slice(0, MAX_ROWS).map((entry, i) => (
                  <tr key={i} className={entry.status === null || entry.status >= 400 ? 'bad' : ''}>
                    {timeCell(entry.ms)}
                    <td>{entry.method}</td>
                    <td>{entry.status ?? 'failed'}</td>
                    <td className="rp-entry-text">{entry.url}</td>
                    <td className="num">{formatDurationMs(entry.durationMs)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ))}
        {(tab === 'console' ? trace.console.length : trace.network.length) > MAX_ROWS && (
          <p className="muted">The first {MAX_ROWS} entries are shown; the trace viewer has them all.</p>
        )}
      </div>
    </div>
  );
});
