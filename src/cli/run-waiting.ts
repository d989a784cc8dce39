/**
 * `lancer run`'s view of a run that waits for the Docker daemon or its model server: one stderr
 * line when the wait begins, with the reason, and one when it ends, so a run that seems stuck
 * says why.
 */
import type { EventListener } from '../main/core/events';
import type { RunEvent } from '../shared/runs';
import { waitingFor } from '../shared/waiting';

/** An event listener that reports `runId`'s waiting state changes through `progress`. */
export function waitingReporter(runId: string, progress: (line: string) => void): EventListener {
  let last: string | null = null;
  return (name, payload) => {
    if (name !== 'run.event') return;
    const event = payload as RunEvent;
    if (event.runId !== runId || event.type !== 'run' || event.waiting === undefined) return;
    const waiting = event.waiting ?? null;
    if (waiting === last) return;
    const waited = last === null ? null : waitingFor(last);
    last = waiting;
    if (waiting !== null) progress(`${runId}: ${waiting}`);
    else if (event.status === 'running') progress(`${runId}: ${waited} answers again; carrying on`);
    else progress(`${runId}: no longer waiting for ${waited} (the run is ${event.status})`);
  };
}
