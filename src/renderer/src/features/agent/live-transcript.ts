/**
 * One attempt's transcript as it streams: the store's steps (`attempts.steps`), then the steps
 * of `step` run events as they come.
 *
 * Steps are merged by index, so a step that comes both in a read and as an event shows once. A
 * step that skips indexes (an event was missed: the socket dropped) asks the store for what came
 * after the last step held instead of showing a hole.
 */
import type { AgentStepRecord } from '../../../../shared/agents';
import { lastIndex, mergeSteps, skipsSteps } from './transcript-state';

export interface TranscriptSnapshot {
  steps: readonly AgentStepRecord[];
  loading: boolean;
  error: string | null;
}

export type FetchSteps = (afterIndex: number) => Promise<AgentStepRecord[]>;

export class LiveTranscript {
  private steps: AgentStepRecord[];
  private fetching = false;
  private again = false;
  private loaded = false;
  private error: string | null = null;
  private snapshot: TranscriptSnapshot;
  private readonly listeners = new Set<() => void>();

  /** `initial`: steps already known (the replay's copy), shown before the first read answers. */
  constructor(
    private readonly fetchSteps: FetchSteps,
    initial: readonly AgentStepRecord[] = [],
  ) {
    this.steps = mergeSteps([], initial);
    this.snapshot = { steps: this.steps, loading: true, error: null };
  }

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  readonly getSnapshot = (): TranscriptSnapshot => this.snapshot;

  /** A step of this attempt from a run event. */
  receive(step: AgentStepRecord): void {
    if (skipsSteps(this.steps, step)) {
      void this.refresh();
      return;
    }
    const next = mergeSteps(this.steps, [step]);
    if (next === this.steps) return;
    this.steps = next;
    this.publish();
  }

  /** Reads the steps after the last one held; one read at a time, repeated if asked meanwhile. */
  async refresh(): Promise<void> {
    if (this.fetching) {
      this.again = true;
      return;
    }
    this.fetching = true;
    try {
      do {
        this.again = false;
        const fresh = await this.fetchSteps(lastIndex(this.steps));
        this.steps = mergeSteps(this.steps, fresh);
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
    this.snapshot = { steps: this.steps, loading: !this.loaded && this.error === null, error: this.error };
    for (const listener of this.listeners) listener();
  }
}
