/**
 * "Build sample images": starts `images.buildSample` and follows its `images.progress` events,
 * image by image, to the result or the error (which names the failing image and step).
 */
import { useEffect, useRef, useState, type ReactElement } from 'react';
import type { ImageBuildEvent } from '../../../../shared/images';
import { invoke, on } from '../../api';
import { errorText } from '../runs/format';

interface ImageProgress {
  image: string;
  phase: string;
  message: string;
  step?: number;
  totalSteps?: number;
  done: boolean;
}

interface BuildView {
  buildId: string;
  images: ImageProgress[];
  last: ImageBuildEvent;
  finished: NonNullable<ImageBuildEvent['finished']> | null;
  events: number;
}

function fold(view: BuildView | undefined, event: ImageBuildEvent): BuildView {
  const base: BuildView = view ?? { buildId: event.buildId, images: [], last: event, finished: null, events: 0 };
  const images = [...base.images];
  if (event.image !== '') {
    const index = images.findIndex((i) => i.image === event.image);
    const previous = index === -1 ? undefined : images[index];
    const next: ImageProgress = {
      image: event.image,
      phase: event.phase,
      message: event.message,
      step: event.step ?? previous?.step,
      totalSteps: event.totalSteps ?? previous?.totalSteps,
      done: event.done === true,
    };
    if (index === -1) images.push(next);
    else images[index] = next;
  }
  return { ...base, images, last: event, finished: event.finished ?? base.finished, events: base.events + 1 };
}

export function BuildPanel({ onFinished }: { onFinished: () => void }): ReactElement {
  /** Every build whose events arrived while the page is open, by id. */
  const [builds, setBuilds] = useState<Record<string, BuildView>>({});
  const [ownId, setOwnId] = useState<string | null>(null);
  const [latestId, setLatestId] = useState<string | null>(null);
  const [starting, setStarting] = useState(false);
  const [startError, setStartError] = useState<string | null>(null);
  const finishedRef = useRef(onFinished);
  useEffect(() => {
    finishedRef.current = onFinished;
  }, [onFinished]);

  useEffect(
    () =>
      on('images.progress', (event) => {
        setBuilds((all) => ({ ...all, [event.buildId]: fold(all[event.buildId], event) }));
        setLatestId(event.buildId);
        if (event.finished) finishedRef.current();
      }),
    [],
  );

  const start = async (): Promise<void> => {
    setStarting(true);
    setStartError(null);
    try {
      const { buildId } = await invoke('images.buildSample', {});
      setOwnId(buildId);
    } catch (e) {
      setStartError(errorText(e));
    } finally {
      setStarting(false);
    }
  };

  // Ours when we started one; otherwise a build another window (or the CLI) is running.
  const shownId = ownId ?? latestId;
  const view = shownId === null ? undefined : builds[shownId];
  const running = view !== undefined && view.finished === null;
  const current = view?.images.find((i) => !i.done) ?? view?.images[view.images.length - 1];
  const doneCount = view?.images.filter((i) => i.done).length ?? 0;
  const fraction = current?.step !== undefined && current.totalSteps ? current.step / current.totalSteps : undefined;

  return (
    <section className="panel build-panel" aria-label="Build sample images" data-testid="build-panel">
      <div className="panel-title">
        <h2>Sample images</h2>
        <button type="button" onClick={() => void start()} disabled={starting || running || (ownId !== null && view === undefined)}>
          {running ? 'Building…' : 'Build sample images'}
        </button>
      </div>
      <p className="muted">
        Builds the sample benchmark's images locally (no registry needed); images whose inputs did not change are kept.
      </p>
      {startError && (
        <p className="error-box" role="alert">
          {startError}
        </p>
      )}
      {ownId !== null && view === undefined && !startError && <p className="muted">Starting…</p>}
      {view && (
        <div className="build-progress" data-testid="build-progress" data-events={view.events}>
          {running && current && (
            <>
              <div className="build-current">
                <span className="mono">{current.image}</span>
                <span className="muted">
                  {current.phase}
                  {current.step !== undefined && current.totalSteps !== undefined && ` · step ${current.step}/${current.totalSteps}`}
                </span>
              </div>
              {fraction === undefined ? (
                <progress aria-label="Build progress" />
              ) : (
                <progress aria-label="Build progress" max={1} value={fraction} />
              )}
              <div className="build-message mono">{current.message}</div>
            </>
          )}
          {view.finished?.ok === true && (
            <div className="ok-box" role="status">
              Build finished: {view.finished.images?.filter((i) => !i.upToDate).length ?? 0} built,{' '}
              {view.finished.images?.filter((i) => i.upToDate).length ?? 0} up to date.
            </div>
          )}
          {view.finished?.ok === false && (
            <div className="error-box" role="alert">
              <strong>Build failed.</strong>
              <pre>{view.finished.error ?? view.last.message}</pre>
            </div>
          )}
          <details className="build-images" open={running}>
            <summary>
              {doneCount} of {view.images.length} images done
            </summary>
            <ul>
              {view.images.map((i) => (
                <li key={i.image} className={i.done ? 'done' : undefined}>
                  <span className="mono">{i.image}</span> <span className="muted">{i.message}</span>
                </li>
              ))}
            </ul>
          </details>
        </div>
      )}
    </section>
  );
}
