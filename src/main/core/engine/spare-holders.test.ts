/**
 * When the pool of spare network holders makes, hands out and drops one (the Docker side is
 * tests/integration/spare-holders.test.ts): fake holders, real promises.
 */
import { describe, expect, it } from 'vitest';
import { SpareHolders, type SpareMaker } from './spare-holders';

interface FakeHolder {
  image: string;
  n: number;
}

/** A maker whose holders are ready when the test says so, and which notes every make and discard. */
function fakeMaker(failFor: string[] = []): SpareMaker<FakeHolder> & { made: string[]; discarded: number[]; finish(): void } {
  const pending: (() => void)[] = [];
  const made: string[] = [];
  const discarded: number[] = [];
  return {
    made,
    discarded,
    finish: () => pending.splice(0).forEach((go) => go()),
    make: (image) => {
      made.push(image);
      const n = made.length;
      return new Promise((resolve, reject) => pending.push(() => (failFor.includes(image) ? reject(new Error(`no sleep in ${image}`)) : resolve({ image, n }))));
    },
    discard: async (holder) => {
      discarded.push(holder.n);
    },
  };
}

describe('SpareHolders', () => {
  it('hands out nothing it was not asked to make, and nothing for another image', async () => {
    const maker = fakeMaker();
    const pool = new SpareHolders(maker);
    expect(await pool.take('a')).toBeNull();
    pool.prepare('a');
    expect(await pool.take('b')).toBeNull();
    maker.finish();
    expect(await pool.take('a')).toEqual({ image: 'a', n: 1 });
    // Taken: the next start of the same image has none until asked again.
    expect(await pool.take('a')).toBeNull();
  });

  it('makes one spare per image however often asked, and a take waits for one being made', async () => {
    const maker = fakeMaker();
    const pool = new SpareHolders(maker);
    pool.prepare('a');
    pool.prepare('a');
    expect(maker.made).toEqual(['a']);
    const taking = pool.take('a');
    maker.finish();
    expect(await taking).toEqual({ image: 'a', n: 1 });
  });

  it('drops the spare of another image when asked for a new one', async () => {
    const maker = fakeMaker();
    const pool = new SpareHolders(maker);
    pool.prepare('a');
    pool.prepare('b');
    maker.finish();
    await pool.release(); // waits for the drop of 'a' (and drops 'b')
    expect(maker.made).toEqual(['a', 'b']);
    expect(maker.discarded.sort()).toEqual([1, 2]);
  });

  it('gives up on an image that cannot run a holder until released, and starts go on without one', async () => {
    const maker = fakeMaker(['busybox-less']);
    const pool = new SpareHolders(maker);
    pool.prepare('busybox-less');
    maker.finish();
    expect(await pool.take('busybox-less')).toBeNull();
    pool.prepare('busybox-less');
    expect(maker.made).toEqual(['busybox-less']);
    await pool.release();
    pool.prepare('busybox-less');
    expect(maker.made).toEqual(['busybox-less', 'busybox-less']);
    maker.finish();
    await pool.release();
    expect(maker.discarded).toEqual([]);
  });

  it('release waits for a spare still being made, then discards it', async () => {
    const maker = fakeMaker();
    const pool = new SpareHolders(maker);
    pool.prepare('a');
    let released = false;
    const releasing = pool.release().then(() => (released = true));
    await Promise.resolve();
    expect(released).toBe(false);
    maker.finish();
    await releasing;
    expect(maker.discarded).toEqual([1]);
    expect(await pool.take('a')).toBeNull();
  });
});
