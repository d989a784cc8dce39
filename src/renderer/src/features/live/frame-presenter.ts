/**
 * Shows a stream of JPEG frames in an <img>: each frame gets an object URL, the previous URL is
 * revoked as soon as it is replaced, and a frame that arrives while the previous one is still
 * decoding waits (only the newest waits; older ones are dropped, never turned into URLs), so a
 * slow screen falls behind by at most one frame instead of queueing.
 */
export class FramePresenter {
  private img: HTMLImageElement | null = null;
  private url: string | null = null;
  private pending: Blob | null = null;
  private busy = false;
  private onShown: ((time: number) => void) | null = null;

  /** Shows frames in `img`; returns the function that detaches it and releases the last URL. */
  attach(img: HTMLImageElement): () => void {
    this.img = img;
    img.addEventListener('load', this.loaded);
    img.addEventListener('error', this.failed);
    return () => {
      img.removeEventListener('load', this.loaded);
      img.removeEventListener('error', this.failed);
      this.img = null;
      this.pending = null;
      this.busy = false;
      if (this.url) URL.revokeObjectURL(this.url);
      this.url = null;
    };
  }

  /** Called with `performance.now()` each time a frame has been decoded into the image. */
  setOnShown(listener: ((time: number) => void) | null): void {
    this.onShown = listener;
  }

  readonly push = (frame: Blob): void => {
    if (!this.img) return;
    if (this.busy) {
      this.pending = frame;
      return;
    }
    this.show(frame);
  };

  /** Forgets a frame waiting to be shown (the stream stopped); the image keeps its last frame. */
  clearPending(): void {
    this.pending = null;
  }

  private show(frame: Blob): void {
    if (!this.img) return;
    this.busy = true;
    const previous = this.url;
    this.url = URL.createObjectURL(frame);
    this.img.src = this.url;
    // The image keeps the decoded previous frame on screen until the new one is ready.
    if (previous) URL.revokeObjectURL(previous);
  }

  private readonly loaded = (): void => {
    this.busy = false;
    this.onShown?.(performance.now());
    this.next();
  };

  private readonly failed = (): void => {
    this.busy = false;
    this.next();
  };

  private next(): void {
    const frame = this.pending;
    if (!frame) return;
    this.pending = null;
    this.show(frame);
  }
}
