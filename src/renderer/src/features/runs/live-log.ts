/**
 * One attempt's log as it streams: the stored lines from `attempts.logs`, then the lines of
 * newer `log` events appended as they come.
 *
 * The engine writes a batch of lines to SQLite before it emits the event carrying them, so a
 * fetch always holds every line of every event emitted before it. Event lines carry no ids,
 * though, so lines that arrive while a fetch is under way are not appended (they may be in its
 * answer already); the fetch is repeated from the last id instead. Lines appended from events
 * form a tail that the next fetch (after a reconnect or a missed event) replaces with the stored
 * lines, so nothing is shown twice.
 */
import type { Phase } from '../../../../shared/runs';

export interface StoredLogLine {
  id: number;
  phase: string;
  at: string;
  text: string;
}

export interface LogLineView {
  key: string;
  phase: string;
  text: string;
  at: string | null;
}

export interface LogSnapshot {
  lines: readonly LogLineView[];
  loading: boolean;
  error: string | null;
}

/** The server's page size for `attempts.logs`: a full page means there may be more. */
export const LOG_PAGE = 5000;

export type FetchLogs = (afterId: number) => Promise<StoredLogLine[]>;

export class LiveLog {
  private stored: LogLineView[] = [];
  private tail: LogLineView[] = [];
  private tailCount = 0;
  private lastId = 0;
  private fetching = false;
  private again = false;
  private loaded = false;
  private error: string | null = null;
  private snapshot: LogSnapshot = { lines: [], loading: true, error: null };
  private readonly listeners = new Set<() => void>();

  constructor(private readonly fetchLogs: FetchLogs) {}

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  readonly getSnapshot = (): LogSnapshot => this.snapshot;

  /** Lines of a `log` event for this attempt that is newer than the run's snapshot. */
  append(phase: Phase, lines: readonly string[]): void {
    if (this.fetching || !this.loaded) {
      this.again = true;
      return;
    }
    for (const text of lines) {
      this.tailCount += 1;
      this.tail.push({ key: `t${this.lastId}-${this.tailCount}`, phase, text, at: null });
    }
    this.publish();
  }

  /** Fetches the lines after the last stored one; the tail is replaced by what the store holds. */
  async refresh(): Promise<void> {
    if (this.fetching) {
      this.again = true;
      return;
    }
    this.fetching = true;
    try {
      do {
        this.again = false;
        const fresh: LogLineView[] = [];
        let afterId = this.lastId;
        for (;;) {
          const page = await this.fetchLogs(afterId);
          for (const line of page) fresh.push({ key: `s${line.id}`, phase: line.phase, text: line.text, at: line.at });
          const last = page[page.length - 1];
          if (last) afterId = last.id;
          if (page.length < LOG_PAGE) break;
        }
        this.stored = this.stored.concat(fresh);
        this.lastId = afterId;
        this.tail = [];
        this.loaded = true;
        this.error = null;
      } while (this.again);
    } catch (error) {
      this.error = error instanceof Error ? error.message : String(error);
    } finally {
      this.fetching = false;
      this.publish();
    }
  }

  private publish(): void {
    this.snapshot = {
      lines: this.tail.length === 0 ? this.stored : this.stored.concat(this.tail),
      loading: !this.loaded && this.error === null,
      error: this.error,
    };
    for (const listener of this.listeners) listener();
  }
}
