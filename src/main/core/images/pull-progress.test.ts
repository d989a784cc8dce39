import { describe, expect, it } from 'vitest';
import { JsonLineSplitter } from './build-stream';
import { applyPullMessage, initialPullState, pullTotals, shortLayerId } from './pull-progress';

/** Lines as `docker pull` sends them (Docker 20.10), one layer present and two fetched. */
const stream = [
  { status: 'Pulling from swelancer/swelancer_x86_9001', id: 'releasev1' },
  { status: 'Already exists', progressDetail: {}, id: 'aaaaaaaaaaaa' },
  { status: 'Pulling fs layer', progressDetail: {}, id: 'bbbbbbbbbbbb' },
  { status: 'Pulling fs layer', progressDetail: {}, id: 'cccccccccccc' },
  { status: 'Waiting', progressDetail: {}, id: 'cccccccccccc' },
  { status: 'Downloading', progressDetail: { current: 100_000, total: 1_000_000_000 }, progress: '[>   ]', id: 'bbbbbbbbbbbb' },
  { status: 'Downloading', progressDetail: { current: 5_000_000, total: 1_000_000_000 }, progress: '[>   ]', id: 'bbbbbbbbbbbb' },
  { status: 'Downloading', progressDetail: { current: 10_100_000, total: 1_000_000_000 }, progress: '[=>  ]', id: 'bbbbbbbbbbbb' },
  { status: 'Downloading', progressDetail: { current: 1000, total: 2000 }, id: 'cccccccccccc' },
  { status: 'Verifying Checksum', progressDetail: {}, id: 'cccccccccccc' },
  { status: 'Download complete', progressDetail: {}, id: 'cccccccccccc' },
  { status: 'Extracting', progressDetail: { current: 2000, total: 2000 }, id: 'cccccccccccc' },
  { status: 'Pull complete', progressDetail: {}, id: 'cccccccccccc' },
  { status: 'Digest: sha256:' + 'f'.repeat(64) },
];

describe('applyPullMessage', () => {
  it('follows each layer through its states and reports steps of at least 1 % (4 MB on small layers)', () => {
    const state = initialPullState();
    const reported: string[] = [];
    for (const msg of stream) for (const l of applyPullMessage(state, msg)) reported.push(`${l.id.slice(0, 1)} ${l.status} ${l.current}`);
    expect(reported).toEqual([
      'a exists 0',
      'b waiting 0',
      'c waiting 0',
      'b downloading 100000',
      // 5,000,000 is under 1 % of 1 GB past the last report; 10,100,000 is not.
      'b downloading 10100000',
      'c downloading 1000',
      'c verifying 2000',
      'c downloaded 2000',
      'c extracting 2000',
      'c complete 2000',
    ]);
    expect(state.messages).toEqual(['releasev1: Pulling from swelancer/swelancer_x86_9001', 'Digest: sha256:' + 'f'.repeat(64)]);
    expect(pullTotals(state)).toEqual({ totalBytes: 1_000_002_000, doneBytes: 10_102_000, reused: 1, complete: 1, layers: 3 });
  });

  it('keeps the manifest size of a layer when the stream has none yet', () => {
    const state = initialPullState(new Map([['bbbbbbbbbbbb', 5000]]));
    expect(applyPullMessage(state, { status: 'Pulling fs layer', id: 'bbbbbbbbbbbb' })).toEqual([{ id: 'bbbbbbbbbbbb', status: 'waiting', current: 0, total: 5000 }]);
    expect(applyPullMessage(state, { status: 'Pull complete', id: 'bbbbbbbbbbbb' })[0]).toMatchObject({ status: 'complete', current: 5000 });
  });

  it('keeps the error for the caller to name the image', () => {
    const state = initialPullState();
    const splitter = new JsonLineSplitter();
    const raw = '{"status":"Pulling fs layer","id":"bbbbbbbbbbbb"}\n{"errorDetail":{"message":"manifest for x:y not found"},"error":"manifest for x:y not found"}\n';
    for (const msg of splitter.push(raw)) applyPullMessage(state, msg);
    expect(state.error).toBe('manifest for x:y not found');
  });

  it('shortens digests as Docker does', () => {
    expect(shortLayerId('sha256:0459b9678549a7e9f38bce1fc8bda32024bc49d39c9757e703db79c6dc64d3ca')).toBe('0459b9678549');
  });
});
