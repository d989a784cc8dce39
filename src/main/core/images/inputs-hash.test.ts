import { Readable } from 'node:stream';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hashInputs, hashStream } from './inputs-hash';

const file = (path: string, data: string, mode = 0o644) => ({ path, mode, data: Buffer.from(data) });

describe('hashInputs', () => {
  const base = { dockerfile: 'FROM x\n', files: [file('a', '1'), file('b', '2')], parentId: 'sha256:p' };

  it('is stable and ignores the order files are listed in', () => {
    expect(hashInputs(base)).toBe(hashInputs({ ...base, files: [...base.files].reverse() }));
    expect(hashInputs(base)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('changes with the Dockerfile, any file byte, a mode, a name, the parent or an extra value', () => {
    const h = hashInputs(base);
    expect(hashInputs({ ...base, dockerfile: 'FROM y\n' })).not.toBe(h);
    expect(hashInputs({ ...base, files: [file('a', '1'), file('b', '3')] })).not.toBe(h);
    expect(hashInputs({ ...base, files: [file('a', '1'), file('b', '2', 0o755)] })).not.toBe(h);
    expect(hashInputs({ ...base, files: [file('a', '1'), file('c', '2')] })).not.toBe(h);
    expect(hashInputs({ ...base, parentId: 'sha256:q' })).not.toBe(h);
    expect(hashInputs({ ...base, extra: { k: 'v' } })).not.toBe(h);
  });

  it('cannot be fooled by moving bytes between a name and content', () => {
    expect(hashInputs({ dockerfile: '', files: [file('ab', 'c')] })).not.toBe(
      hashInputs({ dockerfile: '', files: [file('a', 'bc')] }),
    );
  });
});

describe('hashStream', () => {
  it('is the sha256 of the bytes', async () => {
    const expected = createHash('sha256').update('hello world').digest('hex');
    expect(await hashStream(Readable.from([Buffer.from('hello '), Buffer.from('world')]))).toBe(expected);
  });
});
