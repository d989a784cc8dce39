/**
 * Two attempts side by side (`#/compare/<a>/<b>`), e.g. gold against a model, or a pass against a
 * fail: one set of controls and one clock drive both videos, and the first step where their
 * actions differ is marked on both timelines.
 */
import { useCallback, useEffect, useMemo, useState, type ReactElement } from 'react';
import type { AttemptReplay, RunReplay } from '../../../../shared/replay';
import { artifactUrl } from '../../api';
import type { PlaybackClock } from './clock';
import { firstDivergence, type Divergence } from './diverge';
import { compareHref, replayHref } from './links';
import { ActionList, ClockVideo, FrameScreen, StateBadge, Timeline, Transport, usePlaybackClock, usePlayerKeys, useTimedTrace, type TimedTrace } from './player';
import { FailureBanner } from './replay-page';
import { currentActionPosition, currentFramePosition, defaultRunNumber, formatClock, stepTarget, timelineEnd, type TimedAction } from './timeline';
import { solverName, useAttemptContext, useAttemptReplay, type AttemptContext } from './use-replay';

export function ComparePage({ a, b }: { a: string; b: string }): ReactElement {
  const left = useAttemptReplay(a);
  const right = useAttemptReplay(b);
  const contextA = useAttemptContext(a);
  const contextB = useAttemptContext(b);
  const errors = [left, right].flatMap((l, i) => (l.status === 'error' ? [`${i === 0 ? 'A' : 'B'} (${i === 0 ? a : b}): ${l.error}`] : []));
  return (
    <section className="page lr compare-page">
      <header className="lr-head">
        <h1>Compare</h1>
        {left.status === 'ready' && right.status === 'ready' && (
          <span className="lr-task">
            Task {left.value.questionId}
            {left.value.questionId !== right.value.questionId && ` and task ${right.value.questionId}`}
          </span>
        )}
        <span className="lr-head-end">
          <a href={compareHref(b, a)}>Swap sides</a>
        </span>
      </header>
      {errors.length > 0 && (
        <div className="lr-error-box" role="alert">
          {errors.map((e) => (
            <div key={e}>Could not load {e}</div>
          ))}
        </div>
      )}
      {errors.length === 0 && (left.status === 'loading' || right.status === 'loading') && <p className="muted">Loading both replays…</p>}
      {left.status === 'ready' && right.status === 'ready' && <CompareView a={left.value} b={right.value} contextA={contextA} contextB={contextB} />}
    </section>
  );
}

interface Side {
  replay: AttemptReplay;
  context: AttemptContext | undefined;
  run: RunReplay | undefined;
  timed: TimedTrace;
}

/** Where a divergence sits on one side's clock: its differing action, or where that side stopped. */
function divergenceOn(actions: TimedAction[], position: number | null): { position: number | null; time: number } {
  if (position !== null) return { position, time: Math.max(0, actions[position]?.start ?? 0) };
  const last = actions[actions.length - 1];
  return { position: null, time: Math.max(0, last?.end ?? 0) };
}

function CompareView(props: { a: AttemptReplay; b: AttemptReplay; contextA: AttemptContext | undefined; contextB: AttemptContext | undefined }): ReactElement {
  const [runA, setRunA] = useState(() => defaultRunNumber(props.a));
  const [runB, setRunB] = useState(() => defaultRunNumber(props.b));
  const [durationA, setDurationA] = useState<number | null>(null);
  const [durationB, setDurationB] = useState<number | null>(null);
  const runOfA = props.a.runs.find((r) => r.run === runA);
  const runOfB = props.b.runs.find((r) => r.run === runB);
  const timedA = useTimedTrace(runOfA, runOfA?.traces[0]);
  const timedB = useTimedTrace(runOfB, runOfB?.traces[0]);
  const end = Math.max(timelineEnd(timedA.actions, timedA.frames, durationA), timelineEnd(timedB.actions, timedB.frames, durationB));
  const [clock, state] = usePlaybackClock();
  useEffect(() => clock.setDuration(end), [clock, end]);

  const divergence: Divergence | null = useMemo(
    () => firstDivergence(timedA.actions.map((x) => x.action), timedB.actions.map((x) => x.action)),
    [timedA, timedB],
  );
  const markA = divergence ? divergenceOn(timedA.actions, divergence.a) : null;
  const markB = divergence ? divergenceOn(timedB.actions, divergence.b) : null;
  const jumpTime = markA && markB ? Math.min(markA.time, markB.time) : null;

  const allStarts = useMemo(() => [...timedA.starts, ...timedB.starts].sort((x, y) => x - y), [timedA, timedB]);
  const step = useCallback(
    (direction: 1 | -1) => {
      const target = stepTarget(allStarts, clock.getState().time, direction);
      if (target !== null) clock.seek(target);
    },
    [allStarts, clock],
  );
  usePlayerKeys(clock, step);

  const sides: [Side, Side] = [
    { replay: props.a, context: props.contextA, run: runOfA, timed: timedA },
    { replay: props.b, context: props.contextB, run: runOfB, timed: timedB },
  ];
  return (
    <>
      <div className="cp-controls">
        <Transport clock={clock} state={state}>
          <button type="button" onClick={() => jumpTime !== null && clock.seek(jumpTime)} disabled={jumpTime === null}>
            Jump to divergence
          </button>
        </Transport>
        <DivergenceSummary divergence={divergence} sides={sides} />
      </div>
      <div className="cp-sides">
        <CompareSide
          letter="A"
          side={sides[0]}
          onRun={(n) => {
            setRunA(n);
            setDurationA(null);
          }}
          onDuration={setDurationA}
          clock={clock}
          time={state.time}
          end={end}
          mark={markA}
        />
        <CompareSide
          letter="B"
          side={sides[1]}
          onRun={(n) => {
            setRunB(n);
            setDurationB(null);
          }}
          onDuration={setDurationB}
          clock={clock}
          time={state.time}
          end={end}
          mark={markB}
        />
      </div>
    </>
  );
}

function DivergenceSummary({ divergence, sides }: { divergence: Divergence | null; sides: [Side, Side] }): ReactElement {
  if (sides[0].timed.actions.length === 0 && sides[1].timed.actions.length === 0) {
    return <p className="muted cp-divergence">Neither run recorded trace actions to compare.</p>;
  }
  if (!divergence) {
    return (
      <p className="cp-divergence ok" data-testid="divergence">
        The two runs performed the same {sides[0].timed.actions.length} actions.
      </p>
    );
  }
  const titleOf = (side: Side, position: number | null): string =>
    position === null ? 'no further action' : (side.timed.actions[position]?.action.title ?? '—');
  return (
    <p className="cp-divergence" data-testid="divergence">
      <strong>Actions first differ at step {divergence.step + 1}:</strong> <span className="cp-letter">A</span>{' '}
      <code>{titleOf(sides[0], divergence.a)}</code> <span className="cp-letter">B</span> <code>{titleOf(sides[1], divergence.b)}</code>
    </p>
  );
}

function CompareSide(props: {
  letter: 'A' | 'B';
  side: Side;
  onRun: (run: number) => void;
  onDuration: (seconds: number) => void;
  clock: PlaybackClock;
  time: number;
  end: number;
  mark: { position: number | null; time: number } | null;
}): ReactElement {
  const { letter, side, onRun, onDuration, clock, time, end, mark } = props;
  const { replay, context, run, timed } = side;
  const [selected, setSelected] = useState<number | null>(null);
  const currentPos = currentActionPosition(timed.actions, time);
  const trace = run?.traces[0];
  const select = useCallback(
    (pos: number) => {
      const action = timed.actions[pos];
      if (!action) return;
      setSelected(pos);
      clock.seek(Math.max(0, action.start));
    },
    [timed, clock],
  );
  const seek = useCallback((t: number) => clock.seek(t), [clock]);
  return (
    <div className="cp-side" data-testid={`compare-side-${letter}`}>
      <div className="cp-side-head">
        <span className="cp-letter">{letter}</span>
        <span className="lr-task">Task {replay.questionId}</span>
        <StateBadge state={replay.state} />
        {context?.run && <span className="muted">{solverName(context.run)}</span>}
        {replay.runs.length > 1 && run && (
          <select aria-label={`Grading run of ${letter}`} value={run.run} onChange={(e) => onRun(Number(e.currentTarget.value))}>
            {replay.runs.map((r) => (
              <option key={r.run} value={r.run}>
                Run {r.run}
              </option>
            ))}
          </select>
        )}
        <a className="cp-open" href={replayHref(replay.attemptId)}>
          Open replay
        </a>
      </div>
      {/* Six rows in step with the other side (the columns share them), so the videos line up. */}
      {run ? <FailureBanner run={run} /> : <p className="muted">This attempt kept no grading runs to replay.</p>}
      {run?.video ? (
        <ClockVideo key={run.run} clock={clock} src={artifactUrl(run.video.sha256)} label={`Screen recording of ${letter}`} onDuration={onDuration} testId={`compare-video-${letter}`} />
      ) : trace ? (
        <FrameScreen trace={trace} frames={timed.frames} position={currentFramePosition(timed.frames, time)} />
      ) : (
        <div className="rp-screen">
          <p className="rp-screen-note">This run kept neither a video nor a trace.</p>
        </div>
      )}
      <Timeline actions={timed.actions} end={end} time={time} currentPos={currentPos} selectedPos={selected} divergence={mark} onSelect={select} onSeek={seek} />
      <p className="cp-mark-note muted">
        {mark ? `First difference at ${formatClock(mark.time)}${mark.position === null ? ' (this run had stopped acting)' : ''}` : '\u00a0'}
      </p>
      <ActionList
        actions={timed.actions}
        currentPos={currentPos}
        selectedPos={selected}
        divergencePos={mark?.position ?? null}
        onSelect={select}
        label={`Actions of ${letter}`}
      />
    </div>
  );
}
