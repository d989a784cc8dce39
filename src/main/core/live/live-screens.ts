/**
 * Live screens: the container's X display (:99) as a stream of JPEG frames, captured by ffmpeg
 * inside the container (x11grab to MJPEG on stdout over a docker exec stream). One capture per
 * attempt and quality, shared by every watcher; it starts with the first watcher and stops with
 * the last, so nothing streams when nobody is watching. Works on the official images too: they
 * run Xvfb on :99 and ship ffmpeg.
 */
import { PassThrough, type Readable } from 'node:stream';
import type { LiveQuality } from '../../../shared/replay';
import type { Dockerode } from '../docker/docker-client';

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
    private readonly docker: Dockerode,
    /** The container of a running attempt, or null when it has none (any more). */
    private readonly containerOf: (attemptId: string) => string | null,
  ) {}

  /** Number of captures running now (for tests and the status bar). */
  get activeCaptures(): number {
    return this.captures.size;
  }

  watch(attemptId: string, quality: LiveQuality, onFrame: FrameListener, onEnd?: (reason: string) => void): () => void {
    const key = `${attemptId}:${quality}`;
    let capture = this.captures.get(key);
    if (!capture) {
      const containerId = this.containerOf(attemptId);
      if (!containerId) {
        onEnd?.('the attempt has no running container');
        return () => undefined;
      }
      const listeners = new Set<FrameListener>();
      const stop = this.startCapture(containerId, key, quality, (frame) => listeners.forEach((l) => l(frame)), (reason) => {
        this.captures.delete(key);
        onEnd?.(reason);
      });
      capture = { listeners, stop };
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

  private startCapture(containerId: string, key: string, quality: LiveQuality, emit: FrameListener, ended: (reason: string) => void): () => void {
    const p = PROFILES[quality];
    const tag = `lancer-live-${key.replace(/[^\w.-]/g, '_')}`;
    // The tag in the command line lets the stop find exactly this capture to end it.
    const command =
      `exec ffmpeg -nostdin -loglevel error -f x11grab -draw_mouse 0 -framerate ${p.fps} -i "\${DISPLAY:-:99}" ` +
      `-vf "scale='min(${p.width},iw)':-2" -q:v ${p.quality} -flush_packets 1 -f mjpeg -metadata comment=${tag} -`;
    const container = this.docker.getContainer(containerId);
    let stream: Readable | undefined;
    let stopped = false;
    const splitter = new JpegSplitter();
    void (async () => {
      try {
        const exec = await container.exec({ Cmd: ['sh', '-c', command], AttachStdout: true, AttachStderr: true });
        stream = (await exec.start({ hijack: true, stdin: false })) as Readable;
        if (stopped) {
          stream.destroy();
          return;
        }
        const stdout = new PassThrough();
        const stderr = new PassThrough();
        let errors = '';
        stderr.on('data', (c: Buffer) => (errors = (errors + c.toString()).slice(-500)));
        stdout.on('data', (chunk: Buffer) => {
          for (const frame of splitter.push(chunk)) emit(frame);
        });
        this.docker.modem.demuxStream(stream, stdout, stderr);
        stream.on('end', () => ended(errors.trim() || 'the capture ended'));
      } catch (error) {
        ended((error as Error).message);
      }
    })();
    return () => {
      stopped = true;
      stream?.destroy();
      void container
        .exec({ Cmd: ['sh', '-c', `pkill -f ${tag} || true`], AttachStdout: false, AttachStderr: false })
        .then((e) => e.start({ hijack: false, Detach: true }))
        .catch(() => undefined);
    };
  }
}
