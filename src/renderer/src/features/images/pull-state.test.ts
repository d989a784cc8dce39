import { describe, expect, it } from 'vitest';
import type { ImagePullEvent } from '../../../../shared/images';
import { foldPull, pullBytes, type PullView } from './pull-state';

const pullId = 'pull-1';
const a = 'swelancer/swelancer_x86_9001:releasev1';
const b = 'swelancer/swelancer_x86_9002:releasev1';

function fold(events: ImagePullEvent[]): PullView {
  let view: PullView | undefined;
  for (const e of events) view = foldPull(view, e);
  return view!;
}

describe('foldPull', () => {
  it('tracks images in pull order and each layer in the order it was first reported', () => {
    const view = fold([
      { type: 'image', pullId, image: b, index: 1, count: 2, state: 'up-to-date' },
      { type: 'image', pullId, image: a, index: 0, count: 2, state: 'pulling' },
      { type: 'layer', pullId, image: a, layer: 'base00000000', status: 'exists', current: 100, total: 100 },
      { type: 'layer', pullId, image: a, layer: 'noise0000001', status: 'waiting', current: 0, total: 1000 },
      { type: 'layer', pullId, image: a, layer: 'noise0000002', status: 'waiting', current: 0, total: 3000 },
      { type: 'layer', pullId, image: a, layer: 'noise0000001', status: 'downloading', current: 400, total: 1000 },
      { type: 'layer', pullId, image: a, layer: 'noise0000002', status: 'downloaded', current: 3000, total: 3000 },
      { type: 'message', pullId, image: 'old', message: 'removed old (least recently used) to stay under the disk budget' },
    ]);
    expect(view.images.map((i) => [i.image, i.state])).toEqual([
      [a, 'pulling'],
      [b, 'up-to-date'],
    ]);
    expect(view.images[0]?.layers.map((l) => `${l.id} ${l.status} ${l.current}`)).toEqual([
      'base00000000 exists 100',
      'noise0000001 downloading 400',
      'noise0000002 downloaded 3000',
    ]);
    // A present layer is not part of what the pull fetches.
    expect(pullBytes(view)).toEqual({ done: 3400, total: 4000 });
    expect(view.messages).toHaveLength(1);
    expect(view.finished).toBeNull();
  });

  it('keeps the last event of a pull and leaves the previous view untouched', () => {
    const before = fold([{ type: 'layer', pullId, image: a, layer: 'noise0000001', status: 'downloading', current: 1, total: 2 }]);
    const after = foldPull(before, { type: 'finished', pullId, ok: false, cancelled: true, message: 'pull cancelled. …', images: [] });
    expect(after.finished).toMatchObject({ cancelled: true });
    expect(before.finished).toBeNull();
    const moved = foldPull(before, { type: 'layer', pullId, image: a, layer: 'noise0000001', status: 'complete', current: 2, total: 2 });
    expect(before.images[0]?.layers[0]?.status).toBe('downloading');
    expect(moved.images[0]?.layers[0]?.status).toBe('complete');
  });
});
