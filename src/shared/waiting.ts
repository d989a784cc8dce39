/**
 * What a run's `waiting` (RunSummary) says it waits for. Its own module, importing nothing: the
 * renderer may take values only from shared modules that build no schemas (runs.ts does).
 */

/** `the Docker daemon`, `the model server`: the subject of `waiting for <what> (<reason>)…`. */
export function waitingFor(waiting: string): string {
  return /^waiting for (.+?) \(/.exec(waiting)?.[1] ?? 'the Docker daemon';
}
