/**
 * One master clock for one or more videos: play, pause and seek move the clock, and the clock
 * drives every attached video's `currentTime`, so side-by-side videos stay in step.
 *
 * While playing, the clock advances with `performance.now()` and each animation frame checks the
 * videos: a paused one inside its length is started, one that drifted more than a few frames is
 * put back, one past its end holds its last frame. A video that is seeking or buffering holds the
 * clock (for a few seconds at most), so a slow load cannot start a loop of corrective seeks.
 * Without any video the clock simply runs over the trace's timeline.
 */

export interface ClockState {
  /** Seconds on the clock. */
  time: number;
  playing: boolean;
  /** The clock's length in seconds; it stops there. */
  duration: number;
}

/** How far a playing video may wander from the clock before it is put back, in seconds. */
const MAX_DRIFT = 0.25;
/** The longest a buffering video may hold the clock, in milliseconds. */
const MAX_STALL_MS = 3000;

export class PlaybackClock {
  private state: ClockState = { time: 0, playing: false, duration: 0 };
  private anchor = { perf: 0, time: 0 };
  private stallSince: number | null = null;
  private frame = 0;
  private readonly videos = new Set<HTMLVideoElement>();
  private readonly listeners = new Set<() => void>();

  /** For useSyncExternalStore. */
  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** A stable object until the next change, for useSyncExternalStore. */
  readonly getState = (): ClockState => this.state;

  /** Puts a video under the clock; returns the function that releases it. */
  attach(video: HTMLVideoElement): () => void {
    this.videos.add(video);
    const onReady = (): void => this.syncVideo(video);
    video.addEventListener('loadedmetadata', onReady);
    this.syncVideo(video);
    return () => {
      video.removeEventListener('loadedmetadata', onReady);
      this.videos.delete(video);
      video.pause();
    };
  }

  setDuration(duration: number): void {
    const safe = Number.isFinite(duration) && duration > 0 ? duration : 0;
    if (safe === this.state.duration) return;
    this.set({ duration: safe, time: Math.min(this.state.time, safe) });
  }

  play(): void {
    if (this.state.playing || this.state.duration <= 0) return;
    const now = performance.now();
    // Playing from the end starts over, as media players do.
    const time = this.state.time >= this.state.duration - 0.01 ? 0 : this.state.time;
    this.anchor = { perf: now, time };
    this.stallSince = null;
    this.set({ playing: true, time });
    for (const video of this.videos) this.syncVideo(video, true);
    this.schedule();
  }

  pause(): void {
    if (!this.state.playing) return;
    cancelAnimationFrame(this.frame);
    this.set({ playing: false });
    for (const video of this.videos) this.syncVideo(video, true);
  }

  toggle(): void {
    if (this.state.playing) this.pause();
    else this.play();
  }

  /** Moves the clock (clamped to its length) and every video with it. */
  seek(time: number): void {
    const t = Math.min(Math.max(0, Number.isFinite(time) ? time : 0), this.state.duration);
    const now = performance.now();
    this.anchor = { perf: now, time: t };
    this.stallSince = null;
    this.set({ time: t });
    for (const video of this.videos) this.syncVideo(video, true);
  }

  /** Stops the animation loop and the videos; the clock can be used again afterwards. */
  dispose(): void {
    cancelAnimationFrame(this.frame);
    if (this.state.playing) this.set({ playing: false });
    for (const video of this.videos) video.pause();
  }

  private set(patch: Partial<ClockState>): void {
    this.state = { ...this.state, ...patch };
    for (const listener of this.listeners) listener();
  }

  private schedule(): void {
    cancelAnimationFrame(this.frame);
    this.frame = requestAnimationFrame(this.tick);
  }

  private readonly tick = (now: number): void => {
    if (!this.state.playing) return;
    let time = this.state.time;
    if (this.stalled(now)) {
      this.anchor = { perf: now, time };
    } else {
      // An animation frame's timestamp can precede the play() call that scheduled it.
      time = this.anchor.time + Math.max(0, now - this.anchor.perf) / 1000;
    }
    if (time >= this.state.duration) {
      this.set({ time: this.state.duration });
      this.pause();
      return;
    }
    this.set({ time });
    for (const video of this.videos) this.syncVideo(video);
    this.schedule();
  };

  /** Whether a video that should be playing is still seeking or waiting for data. */
  private stalled(now: number): boolean {
    const waiting = [...this.videos].some((v) => {
      if (v.error !== null || v.ended) return false;
      const length = v.duration;
      if (Number.isFinite(length) && this.state.time >= length - 0.05) return false;
      return v.seeking || v.readyState < HTMLMediaElement.HAVE_FUTURE_DATA;
    });
    if (!waiting) {
      this.stallSince = null;
      return false;
    }
    this.stallSince ??= now;
    return now - this.stallSince < MAX_STALL_MS;
  }

  private syncVideo(video: HTMLVideoElement, exact = false): void {
    if (video.readyState < HTMLMediaElement.HAVE_METADATA) return;
    const length = video.duration;
    const target = Number.isFinite(length) ? Math.min(this.state.time, length) : this.state.time;
    const insideVideo = !Number.isFinite(length) || this.state.time < length - 0.02;
    if (!this.state.playing || !insideVideo) {
      if (!video.paused) video.pause();
      if (exact || Math.abs(video.currentTime - target) > 0.001) video.currentTime = target;
      return;
    }
    if (video.paused) {
      if (Math.abs(video.currentTime - target) > 0.05) video.currentTime = target;
      // A rejected play() (autoplay policy, a source that went away) leaves the clock running alone.
      void video.play().catch(() => undefined);
    } else if (exact ? Math.abs(video.currentTime - target) > 0.001 : Math.abs(video.currentTime - target) > MAX_DRIFT) {
      video.currentTime = target;
    }
  }
}
