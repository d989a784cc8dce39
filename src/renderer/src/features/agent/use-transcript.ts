/**
 * An attempt's transcript kept current in a view: read from the store, then live from `step`
 * run events. A slow poll while the attempt runs and one more read when it ends make the list
 * whole even if the socket dropped events on the way.
 */
import { useEffect, useMemo, useSyncExternalStore } from 'react';
import type { AgentStepRecord } from '../../../../shared/agents';
import { invoke, on } from '../../api';
import { LiveTranscript, type TranscriptSnapshot } from './live-transcript';

/** How often a running attempt's transcript is re-read even when events flow. */
const POLL_MS = 10_000;

/**
 * The transcript of `attemptId`; `live` while the attempt may still add steps. `initial` (the
 * replay's copy, say) shows at once and is completed from the store.
 */
export function useTranscript(attemptId: string, live: boolean, initial?: readonly AgentStepRecord[]): TranscriptSnapshot {
  const transcript = useMemo(
    () => new LiveTranscript((afterIndex) => invoke('attempts.steps', { attemptId, afterIndex }), initial),
    // `initial` only seeds a new attempt's list; later copies of it add nothing the store lacks.
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [attemptId],
  );
  const snapshot = useSyncExternalStore(transcript.subscribe, transcript.getSnapshot);

  useEffect(
    () =>
      on('run.event', (event) => {
        if (event.type === 'step' && event.attemptId === attemptId) transcript.receive(event.step);
      }),
    [transcript, attemptId],
  );

  // A read on opening, and again when the attempt ends (its last steps may have raced the end).
  useEffect(() => {
    void transcript.refresh();
    if (!live) return undefined;
    const poll = setInterval(() => {
      if (document.visibilityState === 'visible') void transcript.refresh();
    }, POLL_MS);
    return () => clearInterval(poll);
  }, [transcript, live]);

  return snapshot;
}
