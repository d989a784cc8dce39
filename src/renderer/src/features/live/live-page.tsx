/**
 * Live (`#/live`): the screens of the attempts running now as a grid of thumbnails, and one of
 * them large (`#/live/<attemptId>`) with its measured frame rate.
 *
 * A thumbnail streams only while it is on screen (IntersectionObserver), the page is visible and
 * the large view is closed; the large view streams full frames while it is open.
 */
import { useCallback, useEffect, useRef, useState, type ReactElement } from 'react';
import type { AttemptDetail, AttemptSummary } from '../../../../shared/runs';
import { invoke } from '../../api';
import { replayHref } from '../replay/links';
import { pushBounded, measuredFps } from './fps';
import { LiveImage } from './live-image';
import { elapsedSince, formatElapsed, isRunningState } from './live-state';
import { liveHref, useLiveAttemptRoute, useNow, usePageVisible, useRunningAttempts } from './use-live';

declare global {
  interface Window {
    /** `performance.now()` of the frames the large live view displayed (latest few hundred), for benchmarks. */
    __lancerLiveFrames?: number[];
  }
}

const BENCH_FRAMES = 600;

function phaseOf(attempt: AttemptSummary): string {
  return attempt.phase ?? attempt.state;
}

export function LivePage(): ReactElement {
  const { attempts, loaded, error } = useRunningAttempts();
  const openId = useLiveAttemptRoute();
  const visible = usePageVisible();
  const now = useNow();
  const open = openId === null ? undefined : attempts.find((a) => a.id === openId);

  return (
    <section className="page lr live-page">
      <header className="lr-head">
        <h1>Live</h1>
        {loaded && <span className="muted">{attempts.length === 1 ? '1 attempt running' : `${attempts.length} attempts running`}</span>}
      </header>
      {error && (
        <div className="lr-error-box" role="alert">
          Could not read the runs: {error}
        </div>
      )}
      {!loaded && !error && <p className="muted">Looking for running attempts…</p>}
      {loaded && attempts.length === 0 && (
        <div className="lr-panel lr-empty">
          <p>No attempt is running now.</p>
          <p className="muted">
            Start a run on the <a href="#/runs">Runs</a> page; its attempts' screens appear here while they set up, solve and grade.
          </p>
        </div>
      )}
      {attempts.length > 0 && (
        <div className="live-grid" data-testid="live-grid">
          {attempts.map((attempt) => (
            <LiveTile key={attempt.id} attempt={attempt} now={now} streaming={visible && openId === null} />
          ))}
        </div>
      )}
      {openId !== null && <LiveViewer attemptId={openId} attempt={open} loaded={loaded} now={now} streaming={visible} />}
    </section>
  );
}

/** Whether the element is at least partly inside the viewport. */
function useOnScreen<T extends Element>(): [(node: T | null) => void, boolean] {
  const [node, setNode] = useState<T | null>(null);
  const [onScreen, setOnScreen] = useState(false);
  useEffect(() => {
    if (!node) return;
    const observer = new IntersectionObserver((entries) => {
      for (const entry of entries) setOnScreen(entry.isIntersecting);
    });
    observer.observe(node);
    return () => observer.disconnect();
  }, [node]);
  return [setNode, onScreen];
}

function LiveTile({ attempt, now, streaming }: { attempt: AttemptSummary; now: number; streaming: boolean }): ReactElement {
  const [ref, onScreen] = useOnScreen<HTMLAnchorElement>();
  return (
    <a ref={ref} className="live-tile" href={liveHref(attempt.id)} data-testid="live-tile" data-attempt-id={attempt.id} title={`Watch ${attempt.questionId} large`}>
      <LiveImage attemptId={attempt.id} quality="thumb" active={streaming && onScreen} phase={phaseOf(attempt)} alt={`Screen of task ${attempt.questionId}`} testId="live-thumb" />
      <span className="live-caption">
        <span className="live-question">{attempt.questionId}</span>
        <span className={`lr-badge lr-state-${attempt.state}`} data-testid="live-phase">
          {phaseOf(attempt)}
        </span>
        <span className="live-elapsed" title="Running for">
          {formatElapsed(elapsedSince(attempt.startedAt, now))}
        </span>
      </span>
    </a>
  );
}

function LiveViewer(props: { attemptId: string; attempt: AttemptSummary | undefined; loaded: boolean; now: number; streaming: boolean }): ReactElement {
  const { attemptId, attempt, loaded, now, streaming } = props;
  const times = useRef<number[]>([]);
  const [fps, setFps] = useState(0);
  const [ended, setEnded] = useState<AttemptDetail | null>(null);
  const running = attempt !== undefined && isRunningState(attempt.state);

  const onShown = useCallback((time: number) => {
    pushBounded(times.current, time, 120);
    window.__lancerLiveFrames ??= [];
    pushBounded(window.__lancerLiveFrames, time, BENCH_FRAMES);
  }, []);

  useEffect(() => {
    const timer = setInterval(() => setFps(measuredFps(times.current, performance.now())), 500);
    return () => clearInterval(timer);
  }, []);

  useEffect(() => {
    const close = (e: KeyboardEvent): void => {
      if (e.key === 'Escape') location.hash = liveHref(null);
    };
    window.addEventListener('keydown', close);
    return () => window.removeEventListener('keydown', close);
  }, []);

  // Not (or no longer) running: say how it ended.
  useEffect(() => {
    if (running || !loaded) return;
    let live = true;
    invoke('attempts.get', { attemptId }).then(
      (detail) => live && setEnded(detail),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [attemptId, running, loaded]);

  const questionId = attempt?.questionId ?? ended?.questionId ?? '';
  return (
    <div className="live-overlay" role="dialog" aria-modal="true" aria-label={`Live screen of ${questionId || attemptId}`}>
      <div className="live-viewer">
        <div className="live-viewer-head">
          <strong>{questionId ? `Task ${questionId}` : attemptId}</strong>
          {attempt && <span className={`lr-badge lr-state-${attempt.state}`}>{phaseOf(attempt)}</span>}
          {attempt && <span className="muted">{formatElapsed(elapsedSince(attempt.startedAt, now))}</span>}
          {running && (
            <span className="live-fps" data-testid="live-fps" title="Frames shown per second, measured">
              {fps.toFixed(1)} fps
            </span>
          )}
          <a className="live-close" href={liveHref(null)} aria-label="Close">
            ×
          </a>
        </div>
        {running ? (
          <LiveImage attemptId={attemptId} quality="full" active={streaming} phase={attempt ? phaseOf(attempt) : ''} alt={`Screen of task ${questionId}`} onShown={onShown} testId="live-full" />
        ) : (
          <div className="live-ended">
            <p>{endedText(loaded, ended)}</p>
            {ended && isFinalState(ended.state) && <a href={replayHref(attemptId)}>Open its replay</a>}
          </div>
        )}
      </div>
    </div>
  );
}

function endedText(loaded: boolean, ended: AttemptDetail | null): string {
  if (!loaded) return 'Connecting…';
  if (!ended) return 'This attempt is not running.';
  if (ended.state === 'queued') return 'This attempt is queued; its screen shows here once it starts.';
  return `This attempt has ended: ${ended.state}.`;
}

function isFinalState(state: AttemptSummary['state']): boolean {
  return !isRunningState(state) && state !== 'queued';
}
