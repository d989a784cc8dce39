/**
 * "Try the sample benchmark": one click builds the sample's images (progress, and the time it
 * takes) and then grades every task's gold patch, landing on the run as it happens. Shown while
 * the bundled sample is the dataset in view, until the user dismisses it.
 */
import { useEffect, useRef, useState, type ReactElement } from 'react';
import type { ImageBuildEvent } from '../../../../shared/images';
import { invoke, on } from '../../api';
import { errorText, formatDuration } from '../runs/format';
import { navigateRuns } from '../runs/route';

const DISMISSED_KEY = 'lancer.trySample.dismissed';

type Stage =
  | { kind: 'idle' }
  | { kind: 'building'; buildId: string | null; startedAt: number; images: Set<string>; done: Set<string>; last: ImageBuildEvent | null }
  | { kind: 'starting'; startedAt: number }
  | { kind: 'failed'; message: string };

export function TrySample({ datasetId }: { datasetId: string }): ReactElement | null {
  const [dismissed, setDismissed] = useState(() => localStorage.getItem(DISMISSED_KEY) === '1');
  const [stage, setStage] = useState<Stage>({ kind: 'idle' });
  const [now, setNow] = useState(() => Date.now());
  // The progress listener reads the stage without re-subscribing at every change.
  const stageRef = useRef(stage);
  useEffect(() => {
    stageRef.current = stage;
  }, [stage]);

  // The clock of the elapsed time while work goes on.
  useEffect(() => {
    if (stage.kind !== 'building' && stage.kind !== 'starting') return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [stage.kind]);

  useEffect(
    () =>
      on('images.progress', (event) => {
        const current = stageRef.current;
        if (current.kind !== 'building' || (current.buildId !== null && event.buildId !== current.buildId)) return;
        const images = new Set(current.images);
        const done = new Set(current.done);
        if (event.image) images.add(event.image);
        if (event.image && event.done) done.add(event.image);
        if (!event.finished) {
          setStage({ ...current, images, done, last: event });
          return;
        }
        if (!event.finished.ok) {
          setStage({ kind: 'failed', message: event.finished.error ?? event.message });
          return;
        }
        setStage({ kind: 'starting', startedAt: current.startedAt });
        invoke('runs.start', { datasetId, solver: { kind: 'gold' } }).then(
          ({ runId }) => navigateRuns(runId),
          (error: unknown) => setStage({ kind: 'failed', message: errorText(error) }),
        );
      }),
    [datasetId],
  );

  if (dismissed) return null;

  const start = async (): Promise<void> => {
    const startedAt = Date.now();
    setNow(startedAt);
    setStage({ kind: 'building', buildId: null, startedAt, images: new Set(), done: new Set(), last: null });
    try {
      const { buildId } = await invoke('images.buildSample', {});
      const current = stageRef.current;
      if (current.kind === 'building' && current.buildId === null) setStage({ ...current, buildId });
    } catch (error) {
      setStage({ kind: 'failed', message: errorText(error) });
    }
  };
  const dismiss = (): void => {
    localStorage.setItem(DISMISSED_KEY, '1');
    setDismissed(true);
  };

  const busy = stage.kind === 'building' || stage.kind === 'starting';
  return (
    <section className="panel try-sample" aria-label="Try the sample benchmark" data-testid="try-sample">
      <div className="panel-title">
        <h2>Try the sample benchmark</h2>
        <div className="header-actions">
          <button type="button" className="primary" onClick={() => void start()} disabled={busy}>
            {busy ? 'Working…' : 'Build images and grade the gold patches'}
          </button>
          {!busy && (
            <button type="button" className="link-button" onClick={dismiss}>
              Hide
            </button>
          )}
        </div>
      </div>
      <p className="muted">
        These 13 tasks are a miniature SWE-Lancer in the official formats. One click builds their Docker images (about two minutes the first time,
        seconds once they are up to date) and then runs every task with its gold patch, which should earn every dollar.
      </p>
      {stage.kind === 'building' && (
        <div className="build-progress" role="status">
          <div>
            Building images: {stage.done.size} of {Math.max(stage.images.size, stage.done.size)} done · {formatDuration(now - stage.startedAt)}
          </div>
          <progress aria-label="Image build progress" {...(stage.last?.step && stage.last.totalSteps ? { max: stage.last.totalSteps, value: stage.last.step } : {})} />
          {stage.last && (
            <div className="build-message mono">
              {stage.last.image} · {stage.last.phase}: {stage.last.message.split('\n')[0]?.slice(0, 160)}
            </div>
          )}
        </div>
      )}
      {stage.kind === 'starting' && <p role="status">Images ready after {formatDuration(now - stage.startedAt)}; starting the gold run…</p>}
      {stage.kind === 'failed' && (
        <p className="error-box" role="alert">
          {stage.message}
        </p>
      )}
    </section>
  );
}
