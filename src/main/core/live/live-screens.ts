/**
 * Live screens: the container's X display (:99) as a stream of JPEG frames, captured by ffmpeg
 * inside the container (x11grab to MJPEG on stdout over a docker exec stream). One capture per
 * attempt and quality, shared by every watcher; it starts with the first watcher and stops with
 * the last, so nothing streams when nobody is watching. Works on the official images too: they
 * run Xvfb on :99 and ship ffmpeg. The container is reached through the runtime, so an attempt on
 * a cluster node streams as a local one does.
 */
import type { LiveQuality } from '../../../shared/replay';
import type { StreamingExec, TaskContainer } from '../engine/container-runtime';

export type FrameListener = (jpeg: Buffer) => void;

const PROFILES: Record<LiveQuality, { fps: number; width: number; quality: number }> = {
  thumb: { fps: 5, width: 320, quality: 8 },
  full: { fps: 15, width: 1280, quality: 5 },
};

/** Splits an MJPEG byte stream into whole JPEG images (SOI 0xFFD8 … EOI 0xFFD9). */
export class JpegSplitter {
  private buffer: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Buffer[] {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    const frames: Buffer[] = [];
    for (;;) {
      const start = this.buffer.indexOf(Buffer.from([0xff, 0xd8]));
      if (start < 0) {
        // Keep a trailing 0xFF: it may be the first half of the next image's start marker.
        this.buffer = this.buffer.at(-1) === 0xff ? this.buffer.subarray(-1) : Buffer.alloc(0);
        break;
      }
      // Inside entropy-coded data 0xFF is always stuffed (0xFF00), so the first EOI ends the image.
      const end = this.buffer.indexOf(Buffer.from([0xff, 0xd9]), start + 2);
      if (end < 0) {
        this.buffer = this.buffer.subarray(start);
        break;
      }
      frames.push(Buffer.from(this.buffer.subarray(start, end + 2)));
      this.buffer = this.buffer.subarray(end + 2);
    }
    // A stream that never ends a frame must not grow without bound.
    if (this.buffer.length > 16 * 1024 * 1024) this.buffer = Buffer.alloc(0);
    return frames;
  }
}

interface Capture {
  listeners: Set<FrameListener>;
  stop: () => void;
}

export class LiveScreens {
  private readonly captures = new Map<string, Capture>();

  constructor(
    /** The container of a running attempt, or null when it has none (any more). */
    private readonly containerOf: (attemptId: string) => Promise<TaskContainer | null>,
  ) {}

  /** Number of captures running now (for tests and the status bar). */
  get activeCaptures(): number {
    return this.captures.size;
  }

  watch(attemptId: string, quality: LiveQuality, onFrame: FrameListener, onEnd?: (reason: string) => void): () => void {
    const key = `${attemptId}:${quality}`;
    let capture = this.captures.get(key);
    if (!capture) {
      const made: Capture = { listeners: new Set<FrameListener>(), stop: () => undefined };
      made.stop = this.startCapture(attemptId, key, quality, (frame) => made.listeners.forEach((l) => l(frame)), (reason) => {
        // The container is found asynchronously: a capture stopped and started again meanwhile is not this one.
        if (this.captures.get(key) === made) this.captures.delete(key);
        onEnd?.(reason);
      });
      capture = made;
      this.captures.set(key, capture);
    }
    capture.listeners.add(onFrame);
    const current = capture;
    return () => {
      current.listeners.delete(onFrame);
      if (current.listeners.size === 0 && this.captures.get(key) === current) {
        this.captures.delete(key);
        current.stop();
      }
    };
  }

  stopAll(): void {
    for (const c of this.captures.values()) c.stop();
    this.captures.clear();
  }

  private startCapture(attemptId: string, key: string, quality: LiveQuality, emit: FrameListener, ended: (reason: string) => void): () => void {
    const p = PROFILES[quality];
    const tag = `lancer-live-${key.replace(/[^\w.-]/g, '_')}`;
    // The tag in the command line lets the stop find exactly this capture to end it.
    const command =
      `exec ffmpeg -nostdin -loglevel error -f x11grab -draw_mouse 0 -framerate ${p.fps} -i "\${DISPLAY:-:99}" ` +
      `-vf "scale='min(${p.width},iw)':-2" -q:v ${p.quality} -flush_packets 1 -f mjpeg -metadata comment=${tag} -`;
    let container: TaskContainer | null = null;
    let stream: StreamingExec | undefined;
    let stopped = false;
    const splitter = new JpegSplitter();
    void (async () => {
      try {
        container = await this.containerOf(attemptId);
        if (!container?.execStream) {
          ended('the attempt has no running container');
          return;
        }
        stream = await container.execStream(command);
        if (stopped) {
          stream.close();
          return;
        }
        let errors = '';
        stream.stderr.on('data', (c: Buffer) => (errors = (errors + c.toString()).slice(-500)));
        stream.stdout.on('data', (chunk: Buffer) => {
          for (const frame of splitter.push(chunk)) emit(frame);
        });
        stream.stdout.on('end', () => ended(errors.trim() || 'the capture ended'));
      } catch (error) {
        ended((error as Error).message);
      }
    })();
    return () => {
      stopped = true;
      stream?.close();
      void container?.exec(`pkill -f ${tag} || true`, { timeoutMs: 10_000 }).catch(() => undefined);
    };
  }
}
