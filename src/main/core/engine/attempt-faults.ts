/**
 * Faults of an attempt that are neither the model's doing nor a Docker outage: the host's disk
 * filling while artifacts are written, and the grading container's browser or X server dying
 * under the test. Both must never read as the model's failure.
 */
import type { AttemptResult } from './attempt-runner';
import type { TaskContainer } from './container-runtime';

/** Error codes of a write that ran out of room. */
const NO_SPACE_CODES = new Set(['ENOSPC', 'EDQUOT']);

/** Whether an error is a file system out of space (or over quota). */
export function isNoSpace(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' && NO_SPACE_CODES.has(code);
}

/**
 * An artifact that could not be stored because the data dir's disk is full. Names the artifact,
 * its size and the free space, which is what a user needs to act on it.
 */
export class ArtifactStorageError extends Error {
  constructor(
    readonly artifact: string,
    readonly bytes: number,
    readonly freeBytes: number | null,
    readonly dir: string,
    cause: unknown,
  ) {
    super(
      `no space to store artifact ${artifact} (${formatBytes(bytes)}) under ${dir}: ` +
        `${freeBytes === null ? 'free space unknown' : `${formatBytes(freeBytes)} free`} (${(cause as NodeJS.ErrnoException).code ?? 'write failed'})`,
      { cause },
    );
    this.name = 'ArtifactStorageError';
  }
}

/** "1.5 MB", "812 kB", "17 B": decimal units, as `df -H` shows them. */
export function formatBytes(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)} GB`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} MB`;
  if (n >= 1e3) return `${Math.round(n / 1e3)} kB`;
  return `${n} B`;
}

/**
 * Lines of a test log that say the browser or its display died or never came up, as Playwright
 * (JS and Python) and Chromium print them. A model's wrong fix makes assertions fail; it does
 * not make these appear. (One grey zone: a test that closes its own page and keeps using it
 * also reads "Target page, context or browser has been closed"; the sample tests never do.)
 */
const BROWSER_FAILURE_PATTERNS: readonly RegExp[] = [
  /browserType\.launch/i,
  /Target page, context or browser has been closed/i,
  /Browser has been closed/i,
  /browser has disconnected/i,
  /Target crashed/i,
  /Page crashed/i,
  /Missing X server or \$DISPLAY/i,
  /cannot open display/i,
  /X IO error/i,
  /X connection to \S+ broken/i,
];

/** The first line of a test log that says the browser or its display died, or null. */
export function browserFailureIn(testLog: string): string | null {
  for (const line of testLog.split(/\r?\n/)) {
    if (BROWSER_FAILURE_PATTERNS.some((p) => p.test(line))) return line.trim().slice(0, 300);
  }
  return null;
}

/**
 * Is the grading container's X server alive? Xvfb on :99 is part of the container contract of
 * IC tasks (official and sample); reading /proc needs nothing the images might lack. A killed
 * Xvfb stays as a zombie (its parent, the entry script, exec'd into a process that never reaps),
 * so a process in state Z does not count.
 */
export const XVFB_ALIVE_COMMAND =
  'for p in /proc/[0-9]*; do [ "$(cat "$p/comm" 2>/dev/null)" = Xvfb ] || continue; ' +
  '[ "$(cut -d " " -f 3 "$p/stat" 2>/dev/null)" = Z ] || exit 0; done; exit 1';

/**
 * After a test run that did not pass: why the failure is the environment's (the X server is
 * gone, or the log shows the browser crashed or did not start), or null when nothing says so.
 */
export async function gradingEnvironmentFault(container: TaskContainer, testLog: string, signal: AbortSignal): Promise<string | null> {
  const xvfb = await container.exec(XVFB_ALIVE_COMMAND, { timeoutMs: 30_000, signal });
  const line = browserFailureIn(testLog);
  if (xvfb.exitCode !== 0) {
    return `the X server (Xvfb on :99) died during the test${line ? `; the test log says: ${line}` : ''}`;
  }
  return line ? `the browser died or did not start during the test; the test log says: ${line}` : null;
}


/**
 * The outcome of an attempt whose artifacts could not all be stored: an `error` (a system
 * error: the record of the grading is incomplete, and that is the host's doing, never the
 * model's), earning nothing, with the grading verdict kept in the grader log and named in the
 * message. Not retried: another try would meet the same full disk and spend a container for
 * nothing. An attempt that already ended in error, timeout or cancellation keeps that outcome.
 */
export function withArtifactFault(result: AttemptResult, fault: ArtifactStorageError): AttemptResult {
  if (result.outcome !== 'passed' && result.outcome !== 'failed') return result;
  return {
    ...result,
    outcome: 'error',
    earned: 0,
    retryable: false,
    error: `${fault.message}. The tests ran and the verdict was "${result.outcome}" (kept in the grader log); not retried, as another try would meet the same full disk`,
  };
}
