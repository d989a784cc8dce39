/**
 * The parts a replay is made of, shared by the replay and compare views: the clock hook, a video
 * under the clock, the transport bar, the timeline of actions, the action list, the filmstrip of
 * screencast frames, and the keyboard (space plays or pauses, left and right step between actions).
 */
import {
  memo,
  startTransition,
  useCallback,
  useEffect,
  useMemo,
  useRef,
  useState,
  useSyncExternalStore,
  type KeyboardEvent as ReactKeyboardEvent,
  type PointerEvent,
  type ReactElement,
  type ReactNode,
} from 'react';
import type { RunReplay, TraceReplay } from '../../../../shared/replay';
import { artifactUrl } from '../../api';
import { PlaybackClock, type ClockState } from './clock';
import {
  clockOriginWallMs,
  formatClock,
  formatDurationMs,
  percentOf,
  sampleEvenly,
  timedActions,
  timedFrames,
  type TimedAction,
  type TimedFrame,
} from './timeline';

/** A clock that lives as long as the component; its state re-renders the component. */
export function usePlaybackClock(): [PlaybackClock, ClockState] {
  const [clock] = useState(() => new PlaybackClock());
  useEffect(() => () => clock.dispose(), [clock]);
  const state = useSyncExternalStore(clock.subscribe, clock.getState);
  return [clock, state];
}

export interface TimedTrace {
  /** The wall-clock instant at video time 0; null without a trace and a known video start. */
  origin: number | null;
  actions: TimedAction[];
  frames: TimedFrame[];
  /** The actions' starts, sorted, for stepping. */
  starts: number[];
}

/** A grading run's trace on the video clock. */
export function useTimedTrace(run: RunReplay | undefined, trace: TraceReplay | undefined): TimedTrace {
  return useMemo(() => {
    const origin = run ? clockOriginWallMs(run, trace) : null;
    const actions = trace && origin !== null ? timedActions(trace, origin) : [];
    const frames = trace && origin !== null ? timedFrames(trace, origin) : [];
    return { origin, actions, frames, starts: actions.map((a) => a.start) };
  }, [run, trace]);
}

/**
 * Whether the rest of a replay view may render yet. Its first render holds only what its first
 * frame needs (the stage, the timeline and action list, the filmstrip's first thumbnails); the
 * rest (hundreds of thumbnails, console and network tables, the compare picker's search) would
 * double the work of that render and its layout, and compete with the frame's request. `ready`
 * turns true once the first frame has loaded or failed (`firstFrameDone`), or after `fallbackMs`
 * whatever happens; pass 0 when the view has no frame to wait for.
 */
export function useFirstFrameGate(fallbackMs: number): [ready: boolean, firstFrameDone: () => void] {
  const [ready, setReady] = useState(false);
  // The stage's image reports every frame it loads while playing; only the first one counts.
  const fired = useRef(false);
  const done = useCallback(() => {
    if (fired.current) return;
    fired.current = true;
    // On the next frame, so the first one is painted first; as a transition, so React yields to
    // the browser while it renders the rest.
    requestAnimationFrame(() => startTransition(() => setReady(true)));
  }, []);
  useEffect(() => {
    const timer = setTimeout(done, fallbackMs);
    return () => clearTimeout(timer);
  }, [done, fallbackMs]);
  return [ready, done];
}

/** Scrolls `container` (positioned, so it is its items' offsetParent) just enough to show `item`. */
export function keepVisible(container: HTMLElement | null, item: HTMLElement | null, axis: 'x' | 'y'): void {
  if (!container || !item) return;
  const margin = 8;
  if (axis === 'y') {
    const top = item.offsetTop;
    const bottom = top + item.offsetHeight;
    if (top < container.scrollTop) container.scrollTop = Math.max(0, top - margin);
    else if (bottom > container.scrollTop + container.clientHeight) container.scrollTop = bottom - container.clientHeight + margin;
  } else {
    const left = item.offsetLeft;
    const right = left + item.offsetWidth;
    if (left < container.scrollLeft) container.scrollLeft = Math.max(0, left - margin);
    else if (right > container.scrollLeft + container.clientWidth) container.scrollLeft = right - container.clientWidth + margin;
  }
}

export function StateBadge({ state }: { state: string }): ReactElement {
  return <span className={`lr-badge lr-state-${state}`}>{state}</span>;
}

/**
 * A recorded screen driven by the clock (no native controls: the transport bar is the only way
 * to move it, so every view of the time agrees).
 */
export function ClockVideo(props: { clock: PlaybackClock; src: string; label: string; onDuration: (seconds: number) => void; testId?: string }): ReactElement {
  const { clock, src, label, onDuration, testId } = props;
  const ref = useRef<HTMLVideoElement>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    const video = ref.current;
    return video ? clock.attach(video) : undefined;
  }, [clock]);
  return (
    <div className="rp-screen">
      <video
        ref={ref}
        src={src}
        muted
        playsInline
        preload="auto"
        aria-label={label}
        data-testid={testId}
        onLoadedMetadata={(e) => onDuration(e.currentTarget.duration)}
        onDurationChange={(e) => onDuration(e.currentTarget.duration)}
        onError={() => setFailed(true)}
      />
      {failed && <p className="rp-screen-note">The video could not be loaded.</p>}
    </div>
  );
}

/** Without a video: the trace's screencast frame on screen at the clock's time. */
export function FrameScreen(props: { trace: TraceReplay; frames: TimedFrame[]; position: number; onLoad?: () => void }): ReactElement {
  const { trace, frames, position, onLoad } = props;
  const current = frames[Math.max(0, position)];
  return (
    <div className="rp-screen">
      {current ? (
        // The view's first content: fetched ahead of everything else on the page.
        <img src={artifactUrl(trace.sha256, current.frame.entry)} alt="Screencast frame" fetchPriority="high" onLoad={onLoad} onError={onLoad} />
      ) : (
        <p className="rp-screen-note">No video and no screencast frames were recorded for this run.</p>
      )}
    </div>
  );
}

/** Play / pause, the time, and the scrubber. */
export function Transport({ clock, state, children }: { clock: PlaybackClock; state: ClockState; children?: ReactNode }): ReactElement {
  return (
    <div className="rp-transport">
      <button type="button" className="rp-play" onClick={() => clock.toggle()} aria-label={state.playing ? 'Pause' : 'Play'} title="Play / pause (space)">
        {state.playing ? (
          <svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true">
            <rect x="3" y="2" width="3.5" height="12" rx="1" />
            <rect x="9.5" y="2" width="3.5" height="12" rx="1" />
          </svg>
        ) : (
          <svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true">
            <path d="M4 2.2v11.6a.6.6 0 0 0 .9.5l9.2-5.8a.6.6 0 0 0 0-1L4.9 1.7a.6.6 0 0 0-.9.5Z" />
          </svg>
        )}
      </button>
      <span className="rp-time" data-testid="clock-time">
        {formatClock(state.time)} <span className="muted">/ {formatClock(state.duration)}</span>
      </span>
      <input
        type="range"
        className="rp-scrubber"
        aria-label="Position"
        min={0}
        max={state.duration > 0 ? state.duration : 1}
        step={0.01}
        value={Math.min(state.time, state.duration)}
        disabled={state.duration <= 0}
        onChange={(e) => clock.seek(Number(e.currentTarget.value))}
      />
      {children}
    </div>
  );
}

interface TimelineProps {
  actions: TimedAction[];
  end: number;
  time: number;
  currentPos: number;
  selectedPos: number | null;
  /** The first action that differs from the other side (compare view). */
  divergence?: { position: number | null; time: number } | null;
  onSelect: (position: number) => void;
  onSeek: (time: number) => void;
}

/** The actions as marks on the clock, the playing position, and (when comparing) the divergence. */
export function Timeline(props: TimelineProps): ReactElement {
  const { end, time, divergence, onSeek } = props;
  const seekAt = (e: PointerEvent<HTMLDivElement>): void => {
    if (e.target !== e.currentTarget) return;
    const box = e.currentTarget.getBoundingClientRect();
    if (box.width > 0) onSeek(((e.clientX - box.left) / box.width) * end);
  };
  return (
    <div className="rp-timeline">
      <div className="rp-track" onPointerDown={seekAt} data-testid="timeline">
        <TimelineMarks {...props} />
        {divergence && (
          <div
            className="rp-divergence-mark"
            data-testid="divergence-mark"
            style={{ left: `${percentOf(divergence.time, end)}%` }}
            title={`First difference at ${formatClock(divergence.time)}`}
          />
        )}
        <div className="rp-cursor" style={{ left: `${percentOf(time, end)}%` }} aria-hidden="true" />
      </div>
      <div className="rp-ticks" aria-hidden="true">
        {[0, 0.25, 0.5, 0.75, 1].map((f) => (
          <span key={f} style={{ left: `${f * 100}%` }}>
            {formatClock(f * end)}
          </span>
        ))}
      </div>
    </div>
  );
}

const TimelineMarks = memo(function TimelineMarks(props: TimelineProps): ReactElement {
  const { actions, end, currentPos, selectedPos, divergence, onSelect } = props;
  return (
    <>
      {actions.map((a, pos) => {
        const left = percentOf(a.start, end);
        const width = Math.max(0, percentOf(a.end, end) - left);
        const classes = ['rp-mark'];
        if (a.action.error) classes.push('error');
        if (pos === currentPos) classes.push('current');
        if (pos === selectedPos) classes.push('selected');
        if (divergence && pos === divergence.position) classes.push('diverges');
        return (
          <button
            key={`${a.action.callId}-${a.index}`}
            type="button"
            tabIndex={-1}
            className={classes.join(' ')}
            style={{ left: `${left}%`, width: `max(3px, ${width}%)` }}
            title={`${formatClock(a.start)}  ${a.action.title}${a.action.error ? `\n${a.action.error}` : ''}`}
            aria-label={`${a.action.title} at ${formatClock(a.start)}`}
            onClick={() => onSelect(pos)}
          />
        );
      })}
    </>
  );
});

interface ActionListProps {
  actions: TimedAction[];
  currentPos: number;
  selectedPos: number | null;
  divergencePos?: number | null;
  onSelect: (position: number) => void;
  label: string;
}

/** The trace's actions in order: title, time, duration, error in red; the playing one highlighted. */
export const ActionList = memo(function ActionList(props: ActionListProps): ReactElement {
  const { actions, currentPos, selectedPos, divergencePos, onSelect, label } = props;
  const listRef = useRef<HTMLOListElement>(null);
  useEffect(() => {
    const list = listRef.current;
    keepVisible(list, list?.querySelector<HTMLElement>(`[data-pos="${currentPos}"]`) ?? null, 'y');
  }, [currentPos]);
  if (actions.length === 0) return <p className="muted rp-empty">This trace recorded no actions.</p>;
  const onKey = (e: ReactKeyboardEvent<HTMLOListElement>): void => {
    // Up and down move through the list; left, right and space stay with the player.
    if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp') return;
    const from = selectedPos ?? Math.max(0, currentPos);
    const next = Math.min(actions.length - 1, Math.max(0, from + (e.key === 'ArrowDown' ? 1 : -1)));
    e.preventDefault();
    onSelect(next);
    listRef.current?.querySelector<HTMLElement>(`[data-pos="${next}"] button`)?.focus();
  };
  return (
    <ol className="rp-actions" ref={listRef} aria-label={label} onKeyDown={onKey}>
      {actions.map((a, pos) => {
        const classes = ['rp-action'];
        if (pos === currentPos) classes.push('current');
        if (pos === selectedPos) classes.push('selected');
        if (pos === divergencePos) classes.push('diverges');
        if (a.action.error) classes.push('failed');
        const duration = a.action.endMs === null ? null : a.action.endMs - a.action.startMs;
        return (
          <li key={`${a.action.callId}-${a.index}`} data-pos={pos} className={classes.join(' ')}>
            <button
              type="button"
              data-testid="replay-action"
              data-start={Math.max(0, a.start).toFixed(3)}
              aria-current={pos === currentPos ? 'step' : undefined}
              onClick={() => onSelect(pos)}
            >
              <span className="rp-action-head">
                <span className="rp-action-title">{a.action.title}</span>
                <span className="rp-action-time">{formatClock(a.start)}</span>
              </span>
              <span className="rp-action-meta">
                {a.action.endMs === null ? 'did not finish' : formatDurationMs(duration)}
                {pos === divergencePos && <span className="rp-differs">first difference</span>}
              </span>
              {a.action.error && <span className="rp-action-error">{a.action.error}</span>}
            </button>
          </li>
        );
      })}
    </ol>
  );
});

/** At most this many thumbnails; long traces are sampled evenly. */
const MAX_THUMBS = 160;

/** The trace's screencast frames as lazy thumbnails; a click seeks there. */
export const Filmstrip = memo(function Filmstrip(props: {
  trace: TraceReplay;
  frames: TimedFrame[];
  /** The frame on screen (position in `frames`, -1 before the first). */
  currentPos: number;
  onSeek: (t: number) => void;
  /** Only the first this many thumbnails (about what the strip shows before it scrolls), for a view's first render. */
  limit?: number;
  /** When the first thumbnail has loaded (or failed). */
  onFirstLoad?: () => void;
}): ReactElement | null {
  const { trace, frames, currentPos, onSeek, limit, onFirstLoad } = props;
  const stripRef = useRef<HTMLDivElement>(null);
  const sampled = useMemo(() => sampleEvenly(frames.map((frame, position) => ({ frame, position })), MAX_THUMBS), [frames]);
  const shown = limit === undefined ? sampled : sampled.slice(0, limit);
  let current = -1;
  for (let i = 0; i < shown.length && (shown[i] as { position: number }).position <= currentPos; i++) current = i;
  useEffect(() => {
    const strip = stripRef.current;
    keepVisible(strip, strip?.querySelector<HTMLElement>(`[data-thumb="${current}"]`) ?? null, 'x');
  }, [current]);
  if (frames.length === 0) return null;
  return (
    <div className="rp-filmstrip" ref={stripRef} role="list" aria-label="Screencast frames">
      {shown.map(({ frame: f }, i) => (
        <button
          key={f.frame.entry}
          type="button"
          role="listitem"
          data-thumb={i}
          className={i === current ? 'rp-thumb current' : 'rp-thumb'}
          onClick={() => onSeek(Math.max(0, f.time))}
          title={formatClock(f.time)}
        >
          <img
            src={artifactUrl(trace.sha256, f.frame.entry)}
            alt={`Frame at ${formatClock(f.time)}`}
            // The first thumbnail is always in view: asked for at once rather than after layout.
            loading={i === 0 ? 'eager' : 'lazy'}
            fetchPriority={i === 0 ? 'high' : 'auto'}
            decoding="async"
            onLoad={i === 0 ? onFirstLoad : undefined}
            onError={i === 0 ? onFirstLoad : undefined}
            width={96}
            height={f.frame.width > 0 ? Math.round((96 * f.frame.height) / f.frame.width) : 60}
          />
          <span>{formatClock(f.time)}</span>
        </button>
      ))}
    </div>
  );
});

function isTextEntry(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable || target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return true;
  return target instanceof HTMLInputElement && target.type !== 'range' && target.type !== 'checkbox' && target.type !== 'radio' && target.type !== 'button';
}

/**
 * Space plays or pauses; left and right jump to the previous or next action start. Not while
 * typing in a field; space is taken from focused buttons too, so it always means play / pause.
 */
export function usePlayerKeys(clock: PlaybackClock, step: (direction: 1 | -1) => void): void {
  useEffect(() => {
    const onKeyDown = (e: KeyboardEvent): void => {
      if (e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey || isTextEntry(e.target)) return;
      if (e.key === ' ') {
        e.preventDefault();
        if (!e.repeat) clock.toggle();
      } else if (e.key === 'ArrowLeft' || e.key === 'ArrowRight') {
        e.preventDefault();
        step(e.key === 'ArrowRight' ? 1 : -1);
      }
    };
    // A focused button would also "click" on space's keyup.
    const onKeyUp = (e: KeyboardEvent): void => {
      if (e.key === ' ' && !isTextEntry(e.target)) e.preventDefault();
    };
    window.addEventListener('keydown', onKeyDown);
    window.addEventListener('keyup', onKeyUp);
    return () => {
      window.removeEventListener('keydown', onKeyDown);
      window.removeEventListener('keyup', onKeyUp);
    };
  }, [clock, step]);
}
