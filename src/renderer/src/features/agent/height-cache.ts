/**
 * Measured heights of a virtualised list's rows, by key, as a tiny external store: a list reads
 * the heights while rendering and re-renders (through `version`) when a measurement changes.
 */
export class HeightCache {
  private readonly heights = new Map<number, number>();
  private version = 0;
  private scheduled = false;
  private readonly listeners = new Set<() => void>();

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  readonly getVersion = (): number => this.version;

  /** The map itself, for offset arithmetic (read-only to callers). */
  get map(): ReadonlyMap<number, number> {
    return this.heights;
  }

  /** Records a row's height; listeners hear once per animation frame however many rows changed. */
  set(key: number, height: number): void {
    const rounded = Math.round(height);
    if (!(rounded > 0) || this.heights.get(key) === rounded) return;
    this.heights.set(key, rounded);
    if (this.scheduled) return;
    this.scheduled = true;
    requestAnimationFrame(() => {
      this.scheduled = false;
      this.version += 1;
      for (const listener of this.listeners) listener();
    });
  }
}
