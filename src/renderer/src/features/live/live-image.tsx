/**
 * One attempt's live screen: subscribed to `watchLive` only while `active` (on screen, page
 * visible, not covered by the large view), so nothing streams when nobody watches.
 */
import { useEffect, useRef, useState, type ReactElement } from 'react';
import type { LiveQuality } from '../../../../shared/replay';
import { watchLive } from '../../api';
import { FramePresenter } from './frame-presenter';

/** Silence after which a stream is taken for ended, and the most it grows to on repeats. */
const QUIET_MS = 2000;
const MAX_QUIET_MS = 8000;

export function LiveImage(props: {
  attemptId: string;
  quality: LiveQuality;
  active: boolean;
  alt: string;
  /** The attempt's phase: when it changes, a stream that has shown nothing yet is retried at once. */
  phase: string;
  /** `performance.now()` of each frame shown. */
  onShown?: (time: number) => void;
  testId?: string;
}): ReactElement {
  const { attemptId, quality, active, phase, alt, onShown, testId } = props;
  const imgRef = useRef<HTMLImageElement>(null);
  const [presenter] = useState(() => new FramePresenter());

  useEffect(() => {
    const img = imgRef.current;
    return img ? presenter.attach(img) : undefined;
  }, [presenter]);

  useEffect(() => {
    presenter.setOnShown(onShown ?? null);
  }, [presenter, onShown]);

  // Lets a change of the attempt's phase (its container just started, say) retry a silent stream now.
  const kickRef = useRef<(() => void) | null>(null);

  useEffect(() => {
    if (!active) return;
    // A stream ends without telling (the container is not up yet, or its capture stopped), and a
    // running capture always sends frames, even of a still screen: a silence means subscribe
    // again, a little later each time it repeats.
    let unsubscribe: () => void = () => undefined;
    let lastFrame = Number.NEGATIVE_INFINITY;
    let subscribedAt = 0;
    let retries = 0;
    const subscribe = (): void => {
      unsubscribe();
      subscribedAt = performance.now();
      unsubscribe = watchLive(attemptId, quality, (frame) => {
        lastFrame = performance.now();
        retries = 0;
        presenter.push(frame);
      });
    };
    const watchdog = setInterval(() => {
      const quiet = performance.now() - Math.max(lastFrame, subscribedAt);
      if (quiet < Math.min(QUIET_MS * 1.6 ** retries, MAX_QUIET_MS)) return;
      retries += 1;
      subscribe();
    }, 500);
    kickRef.current = () => {
      // Not while frames flow, nor while a fresh subscription may still be starting its capture.
      const now = performance.now();
      if (now - lastFrame < 1000 || now - subscribedAt < 700) return;
      retries = 0;
      subscribe();
    };
    subscribe();
    return () => {
      kickRef.current = null;
      clearInterval(watchdog);
      unsubscribe();
      presenter.clearPending();
    };
  }, [presenter, attemptId, quality, active]);

  useEffect(() => {
    kickRef.current?.();
  }, [phase]);

  return (
    <div className="live-screen">
      {/* The src is set by the presenter, frame by frame; until the first one a note shows. */}
      <img ref={imgRef} alt={alt} data-testid={testId} />
      <span className="live-waiting">Waiting for the screen…</span>
    </div>
  );
}
