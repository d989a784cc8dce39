/**
 * Work that runs on after the call that started it (a run's driver, a timer's flush) has nobody
 * to report to: its failures are logged here, never left as unhandled rejections.
 */

/** Logs a failure of background work to stderr, naming what failed. */
export function logBackgroundFailure(what: string, error: unknown): void {
  const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.stderr.write(`lancer: ${what} failed: ${message}\n`);
}

/** Lets `promise` run on; a rejection is logged with `what`, not left unhandled. */
export function inBackground(what: string, promise: Promise<unknown>): void {
  promise.catch((error: unknown) => logBackgroundFailure(what, error));
}
