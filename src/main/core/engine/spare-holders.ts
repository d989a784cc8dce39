/**
 * Spare network holders, made ahead for the attempt that comes next.
 *
 * On this kind of machine most of a container's start is the kernel making its network
 * namespace: `docker start` of the sample image took 933–1,104 ms on a user-defined network,
 * 323–352 ms when the container joined the namespace of one already running
 * (`NetworkMode: container:<holder>`). A holder is such a running container, made while the
 * previous attempt works, so the next attempt's container only joins it. The kernel's work is
 * the same; it is moved off the attempt's clock, into time the previous attempt spends in its
 * own commands.
 *
 * This pool holds at most one holder, for the image the caller said comes next (a holder runs
 * that image, so it pins nothing the run is not about to use). What Docker calls it makes is the
 * runtime's (docker-runtime.ts); here is only when to make, hand out and drop one.
 */

export interface SpareMaker<H> {
  /** Makes and starts a holder running `image`; throws when the image cannot run one. */
  make(image: string): Promise<H>;
  /** Removes a holder nobody took; never throws. */
  discard(holder: H): Promise<void>;
}

interface Spare<H> {
  image: string;
  /** Null when making it failed: the caller starts its container the usual way. */
  ready: Promise<H | null>;
}

export class SpareHolders<H> {
  private spare: Spare<H> | null = null;
  /** Images a holder could not be made for: not tried again until the next release. */
  private readonly unusable = new Set<string>();
  /** Discards under way, so `release` can wait for every one of them. */
  private readonly discarding = new Set<Promise<void>>();

  constructor(private readonly maker: SpareMaker<H>) {}

  /**
   * The spare for `image`: the one ready, or the one being made (waiting for it is never longer
   * than making another). Null when there is none for that image. Whoever takes it owns it.
   */
  async take(image: string): Promise<H | null> {
    const spare = this.spare;
    if (!spare || spare.image !== image) return null;
    this.spare = null;
    return spare.ready;
  }

  /**
   * Makes a spare for `image` unless one is ready or on its way. A spare for another image is
   * dropped: the caller's next attempt will not use it.
   */
  prepare(image: string): void {
    if (this.spare?.image === image || this.unusable.has(image)) return;
    this.drop();
    const ready = this.maker.make(image).catch(() => {
      // The image cannot run a holder (no `sleep` in it, say): its attempts start as before.
      this.unusable.add(image);
      return null;
    });
    this.spare = { image, ready };
  }

  /** Drops the spare, if any, and waits until every spare dropped so far is gone. */
  async release(): Promise<void> {
    this.drop();
    this.unusable.clear();
    await Promise.all([...this.discarding]);
  }

  private drop(): void {
    const spare = this.spare;
    if (!spare) return;
    this.spare = null;
    const gone = spare.ready.then((holder) => (holder === null ? undefined : this.maker.discard(holder)));
    this.discarding.add(gone);
    void gone.finally(() => this.discarding.delete(gone));
  }
}
