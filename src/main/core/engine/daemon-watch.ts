/**
 * Telling a Docker daemon outage apart from a task's own failure, and waiting it out.
 *
 * When the daemon goes away every call fails within milliseconds, so without this each running
 * and queued attempt would burn all its tries in seconds and the run would "finish" full of
 * errors that say nothing about the tasks. The engine instead asks three questions when an
 * attempt ends in a system error or a timeout:
 *   1. did any container call of the attempt fail because the daemon could not be reached
 *      (ECONNREFUSED, ENOENT on the socket, a reset connection)?
 *   2. did an outage begin while the attempt was live (its container was killed with the daemon
 *      even if its own error reads differently, e.g. "no such exec" after a quick restart)?
 *   3. does the daemon fail a ping right now?
 * Any yes: the attempt was interrupted by the outage, not failed. The run then waits, pinging
 * with backoff, and carries on when the daemon answers.
 */
import type { ContainerRuntime, TaskContainer } from './container-runtime';

/** Socket-level error codes that mean "no daemon at the other end", never a task's doing. */
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED']);

/**
 * Whether an error says the Docker daemon could not be reached. ENOENT counts only on a
 * `connect` (the socket file is gone), not a missing file elsewhere. Follows `cause` chains.
 */
export function isDaemonUnreachable(error: unknown): boolean {
  for (let e = error, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const { code, syscall } = e as NodeJS.ErrnoException;
    if (typeof code === 'string' && UNREACHABLE_CODES.has(code)) return true;
    if (code === 'ENOENT' && syscall === 'connect') return true;
  }
  return false;
}

/** A one-line description of a daemon error, e.g. "connect ECONNREFUSED /run/docker.sock". */
export function describeDaemonError(error: unknown): string {
  const e = error as NodeJS.ErrnoException & { address?: string };
  if (e && typeof e === 'object' && typeof e.code === 'string') {
    return `${e.syscall ?? 'call'} ${e.code}${e.address ? ` ${e.address}` : ''}`;
  }
  return error instanceof Error ? error.message.split('\n')[0] ?? '' : String(error);
}

/**
 * Wraps a runtime so every daemon-unreachable rejection of it (and of the containers it
 * starts) is reported to `onUnreachable` before it propagates unchanged. The attempt runner
 * turns errors into messages; this keeps the evidence the engine needs to judge them. A proxy
 * rather than a method list, so methods added to the port later are watched too.
 */
export function observeDaemonErrors(runtime: ContainerRuntime, onUnreachable: (error: unknown) => void): ContainerRuntime {
  const observe = <T extends object>(target: T, wrapResult?: (value: unknown) => unknown): T =>
    new Proxy(target, {
      get(obj, key) {
        // Read and call on the real object, so class fields and getters see their own `this`.
        const value = Reflect.get(obj, key) as unknown;
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          const result = (value as (...a: unknown[]) => unknown).apply(obj, args);
          if (!(result instanceof Promise)) return result;
          return result.then(
            (v: unknown) => (key === 'start' && wrapResult ? wrapResult(v) : v),
            (error: unknown) => {
              if (isDaemonUnreachable(error)) onUnreachable(error);
              throw error;
            },
          );
        };
      },
    });
  return observe(runtime, (container) => observe(container as TaskContainer));
}

/** What a ping of the daemon says (the shape of pingDocker's answer that matters here). */
export interface DaemonPing {
  ok: boolean;
  error?: string;
}

export interface DaemonWatchOptions {
  /** Asks the daemon whether it answers; must not throw (pingDocker does not). */
  ping: () => Promise<DaemonPing>;
  /** What is watched, as messages name it: `the Docker daemon` (the default), `the model server`. */
  what?: string;
  /** First wait between pings while the daemon is down; doubles up to `maxDelayMs`. */
  initialDelayMs?: number;
  maxDelayMs?: number;
}

/**
 * The daemon's state as the engine sees it: up, or down since an outage was noticed. `epoch`
 * counts outages, so an attempt can tell whether one began while it was live. Anything else a
 * run waits out the same way is watched with it too (an agent run's model server: `what`).
 */
export class DaemonWatch {
  private reason: string | null = null;
  private outages = 0;
  private waiting: Promise<void> | null = null;
  private closed = false;
  private timer: NodeJS.Timeout | undefined;
  private wakeTimer: (() => void) | undefined;
  private readonly initialDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly what: string;

  constructor(private readonly options: DaemonWatchOptions) {
    this.what = options.what ?? 'the Docker daemon';
    this.initialDelayMs = options.initialDelayMs ?? 1000;
    // A ping every 10 s at most: cheap, and a restarted daemon is picked up within seconds.
    this.maxDelayMs = options.maxDelayMs ?? 10_000;
  }

  /** Why the daemon is considered down, or null while it is up. */
  get down(): string | null {
    return this.reason;
  }

  /** The number of outages noticed so far. */
  get epoch(): number {
    return this.outages;
  }

  /** Pings once; a failed ping marks the daemon down and returns the reason, else null. */
  async check(): Promise<string | null> {
    if (this.reason !== null) return this.reason;
    const status = await this.options.ping();
    if (status.ok) return null;
    this.markDown(`${this.what} does not answer: ${status.error ?? 'ping failed'}`);
    return this.reason;
  }

  /** Records an outage (no-op while one is already recorded). */
  markDown(reason: string): void {
    if (this.reason !== null) return;
    this.reason = reason;
    this.outages += 1;
  }

  /**
   * Resolves once a ping succeeds again (at once when the daemon is up), pinging with backoff;
   * rejects with the signal's reason when `signal` aborts. One ping loop however many callers.
   */
  untilUp(signal: AbortSignal): Promise<void> {
    if (this.reason === null) return Promise.resolve();
    this.waiting ??= this.pingUntilUp().finally(() => {
      this.waiting = null;
    });
    const waiting = this.waiting;
    return new Promise<void>((resolve, reject) => {
      const stopped = (): void => reject(new Error(`stopped waiting for ${this.what}`));
      if (signal.aborted) return stopped();
      signal.addEventListener('abort', stopped, { once: true });
      void waiting.then(() => {
        signal.removeEventListener('abort', stopped);
        resolve();
      });
    });
  }

  /** Stops the ping loop for good (the engine shuts down, a run's drive ends); waiters are left to their signals. */
  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.wakeTimer?.();
  }

  private async pingUntilUp(): Promise<void> {
    let delay = this.initialDelayMs;
    for (;;) {
      // Not unref'd: a CLI run waiting for the daemon (or its model server) has nothing else keeping it alive.
      await new Promise<void>((resolve) => {
        this.wakeTimer = resolve;
        this.timer = setTimeout(resolve, delay);
      });
      if (this.closed) return new Promise<void>(() => undefined);
      const status = await this.options.ping();
      if (status.ok) {
        this.reason = null;
        return;
      }
      delay = Math.min(delay * 2, this.maxDelayMs);
    }
  }
}
