/**
 * Replay of one attempt (`#/replay/<attemptId>`): pick a grading run and a trace, watch the
 * recorded screen with the trace's actions on a timeline under it, and read why the test failed.
 *
 * An agent's attempt adds one timeline of the whole attempt (the agent's steps, its runs of the
 * user tool, the grading runs), the user-tool runs' recordings beside the grading runs', and the
 * transcript. A step goes to its moment in the recording that covers it, or else to its place
 * in the transcript.
 */
import { memo, useCallback, useEffect, useMemo, useRef, useState, type ReactElement } from 'react';
import type { AgentStepRecord } from '../../../../shared/agents';
import type { AttemptReplay, RunReplay, TraceReplay } from '../../../../shared/replay';
import { artifactUrl, invoke } from '../../api';
import { TranscriptView, type ScrollRequest } from '../agent/transcript-view';
import { useTranscript } from '../agent/use-transcript';
import { buildAgentTimeline, defaultSource, jumpFor, sameSource, sourceId, userToolAsRun, type SourceKey } from './agent-timeline';
import { AgentTimelineView } from './agent-timeline-view';
import { compareHref } from './links';
import {
  ActionList,
  ClockVideo,
  Filmstrip,
  FrameScreen,
  StateBadge,
  Timeline,
  Transport,
  useFirstFrameGate,
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

/** A request to move the player of one recording to a moment; a new object each time. */
interface SeekRequest {
  source: SourceKey;
  seconds: number;
}

const FINAL_STATES = ['passed', 'failed', 'timeout', 'error', 'cancelled'];

/** How long the rest of a replay waits for its first frame, should that frame never report. */
const FIRST_FRAME_FALLBACK_MS = 600;

/** Filmstrip thumbnails in a replay's first render: about what the strip shows before it scrolls. */
const FIRST_THUMBS = 16;

function ReplayBody({ replay, context }: { replay: AttemptReplay; context: AttemptContext | undefined }): ReactElement {
  const agent = replay.steps.length > 0 || replay.userToolRuns.length > 0 || context?.run?.solver.kind === 'builtin';
  const [source, setSource] = useState<SourceKey | null>(() => defaultSource(replay, defaultRunNumber(replay)));
  const [traceIndex, setTraceIndex] = useState(0);
  const [seek, setSeek] = useState<SeekRequest | null>(null);
  const [selectedStep, setSelectedStep] = useState<number | null>(null);
  const [scrollRequest, setScrollRequest] = useState<ScrollRequest | null>(null);
  const playerRef = useRef<HTMLDivElement>(null);
  const transcriptRef = useRef<HTMLElement>(null);
  // The compare picker searches the latest runs: not while the first frame is on its way.
  const [settled, firstFrameShown] = useFirstFrameGate(FIRST_FRAME_FALLBACK_MS);
  // The replay's copy of the transcript shows at once; a running attempt's keeps growing.
  const transcript = useTranscript(replay.attemptId, !FINAL_STATES.includes(replay.state), replay.steps);
  const timeline = useMemo(() => buildAgentTimeline(replay, transcript.steps), [replay, transcript.steps]);

  const userTool = source?.kind === 'user-tool' ? replay.userToolRuns.find((u) => u.run === source.run) : undefined;
  const run = source?.kind === 'grading' ? replay.runs.find((r) => r.run === source.run) : userTool ? userToolAsRun(userTool) : undefined;
  const trace = run?.traces[traceIndex] ?? run?.traces[0];

  const choose = useCallback((key: SourceKey) => {
    setSource(key);
    setTraceIndex(0);
    setSeek(null);
  }, []);

  const goToStep = useCallback(
    (step: AgentStepRecord) => {
      setSelectedStep(step.index);
      setScrollRequest({ index: step.index });
      const jump = jumpFor(timeline, step);
      if (jump) {
        if (!sameSource(jump.source, source)) {
          setSource(jump.source);
          setTraceIndex(0);
        }
        setSeek({ source: jump.source, seconds: jump.seconds });
        playerRef.current?.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
      } else {
        transcriptRef.current?.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
      }
    },
    [timeline, source],
  );

  const withUserTool = replay.userToolRuns.length > 0;
  const sources: { key: SourceKey; label: string; tone: string }[] = [
    ...replay.runs.map((r) => ({ key: { kind: 'grading', run: r.run } as SourceKey, label: withUserTool ? `Grading ${r.run}` : String(r.run), tone: runTone(r) })),
    ...replay.userToolRuns.map((u) => ({ key: { kind: 'user-tool', run: u.run } as SourceKey, label: `User tool ${u.run}`, tone: 'unknown' })),
  ];

  return (
    <>
      {agent && <AgentTimelineView timeline={timeline} selectedStep={selectedStep} source={source} onStep={goToStep} onSource={choose} />}
      {run && source ? (
        <div ref={playerRef}>
          <div className="lr-toolbar">
            {sources.length > 1 && (
              <div className="lr-inline">
                {withUserTool ? 'Recording' : 'Grading run'}
                <div className="lr-segmented" role="radiogroup" aria-label={withUserTool ? 'Recording' : 'Grading run'}>
                  {sources.map((s) => (
                    <button key={sourceId(s.key)} type="button" role="radio" aria-checked={sameSource(s.key, source)} onClick={() => choose(s.key)}>
                      <span className={`lr-dot ${s.tone}`} aria-hidden="true" />
                      {s.label}
                    </button>
                  ))}
                </div>
              </div>
            )}
            {sources.length === 1 && <span className="muted">{source.kind === 'grading' ? `Grading run ${run.run}` : `User-tool run ${run.run}`}</span>}
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
            <ComparePicker attemptId={replay.attemptId} questionId={replay.questionId} search={settled} />
          </div>
          {trace?.error && (
            <p className="error-box" role="alert">
              {trace.error}. The video and the test log below are unaffected.
            </p>
          )}
          <RunReplayView
            key={`${sourceId(source)}/${traceIndex}`}
            run={run}
            trace={trace}
            kind={source.kind}
            seek={seek && sameSource(seek.source, source) ? seek : null}
            onFirstFrame={firstFrameShown}
          />
        </div>
      ) : (
        <div className="lr-panel">
          <p>
            This attempt kept no {agent ? 'recordings' : 'grading runs'} to replay
            {context?.attempt.error ? `: ${context.attempt.error}` : ' (it ended before grading, or is still running).'}
          </p>
        </div>
      )}
      {agent && (
        <section className="lr-panel rp-transcript" ref={transcriptRef} aria-label="Agent transcript">
          <h2>
            Transcript <span className="muted">{transcript.steps.length}</span>
          </h2>
          <TranscriptView
            steps={transcript.steps}
            live={!FINAL_STATES.includes(replay.state)}
            loading={transcript.loading}
            error={transcript.error}
            originMs={timeline.steps.length > 0 ? timeline.startMs : null}
            selectedIndex={selectedStep}
            onSelect={goToStep}
            scrollRequest={scrollRequest}
          />
        </section>
      )}
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

/** Another attempt of the same task to compare with (newest runs first); looks for them once `search` is set. */
function ComparePicker({ attemptId, questionId, search }: { attemptId: string; questionId: string; search: boolean }): ReactElement {
  const siblings = useSiblingAttempts(questionId, attemptId, search);
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

/** The agent's own run of the test: what it was shown, and that no verdict was. */
function UserToolBanner({ run }: { run: RunReplay }): ReactElement {
  return (
    <div className="lr-unknown" data-testid="replay-user-tool">
      <strong>User-tool run {run.run}</strong>{' '}
      <span className="muted">the agent ran the task&apos;s test on its work in progress; it saw the traces, not the verdict</span>
    </div>
  );
}

function RunReplayView(props: {
  run: RunReplay;
  trace: TraceReplay | undefined;
  kind?: SourceKey['kind'];
  /** Move the player here once the recording's length is known. */
  seek?: SeekRequest | null;
  /** When the view's first frame (the stage's, or the filmstrip's first) has loaded. */
  onFirstFrame?: () => void;
}): ReactElement {
  const { run, trace, kind = 'grading', seek: seekRequest = null, onFirstFrame } = props;
  const timed = useTimedTrace(run, trace);
  const { actions, frames, starts, origin } = timed;
  // First the frame, the timeline and the actions; the rest once that frame is on screen (or at
  // once when there is no frame to wait for).
  const [complete, gateFirstFrame] = useFirstFrameGate(frames.length > 0 ? FIRST_FRAME_FALLBACK_MS : 0);
  const firstFrameLoaded = useCallback(() => {
    gateFirstFrame();
    onFirstFrame?.();
  }, [gateFirstFrame, onFirstFrame]);
  useEffect(() => {
    if (frames.length === 0) onFirstFrame?.();
  }, [frames.length, onFirstFrame]);
  const [videoDuration, setVideoDuration] = useState<number | null>(null);
  const end = timelineEnd(actions, frames, videoDuration);
  const [clock, state] = usePlaybackClock();
  const [selected, setSelected] = useState<number | null>(null);
  useEffect(() => clock.setDuration(end), [clock, end]);
  // A step's moment: applied once the clock is as long as the recording, so it is not cut short.
  const seeked = useRef<SeekRequest | null>(null);
  const ready = run.video === null || videoDuration !== null;
  useEffect(() => {
    if (!seekRequest || seeked.current === seekRequest || !ready) return;
    seeked.current = seekRequest;
    clock.seek(seekRequest.seconds);
  }, [clock, seekRequest, ready, end]);

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
      {kind === 'user-tool' ? <UserToolBanner run={run} /> : <FailureBanner run={run} />}
      <div className="rp-main">
        <div className="rp-stage">
          {run.video ? (
            <ClockVideo
              clock={clock}
              src={artifactUrl(run.video.sha256)}
              label={`Screen recording of ${kind === 'grading' ? 'grading' : 'user-tool'} run ${run.run}`}
              onDuration={setVideoDuration}
              testId="replay-video"
            />
          ) : trace ? (
            <FrameScreen trace={trace} frames={frames} position={framePos} onLoad={firstFrameLoaded} />
          ) : (
            <div className="rp-screen">
              <p className="rp-screen-note">This run kept neither a video nor a trace.</p>
            </div>
          )}
          <Transport clock={clock} state={state}>
            <span className="rp-keys muted">Space: play / pause · ← →: previous / next action</span>
          </Transport>
          <Timeline actions={actions} end={end} time={state.time} currentPos={currentPos} selectedPos={selected} onSelect={select} onSeek={seek} />
          {trace && (
            <Filmstrip trace={trace} frames={frames} currentPos={framePos} onSeek={seek} limit={complete ? undefined : FIRST_THUMBS} onFirstLoad={firstFrameLoaded} />
          )}
        </div>
        <aside className="rp-side">
          <h2>
            Actions <span className="muted">{actions.length}</span>
          </h2>
          <ActionList actions={actions} currentPos={currentPos} selectedPos={selected} onSelect={select} label="Trace actions" />
        </aside>
      </div>
      {complete && trace && origin !== null && <TraceEntries trace={trace} origin={origin} onSeek={seek} />}
      <details className="rp-log">
        <summary>
          Test log{' '}
          {kind === 'grading' && <span className="muted">({run.exitCode === null ? 'no exit code' : `exit code ${run.exitCode}`})</span>}
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
