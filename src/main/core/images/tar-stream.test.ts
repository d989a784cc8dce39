import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tarEnd, tarFileHeader, tarPadding } from './tar-writer';

/** The streamed form of the tar writer, as image-pull.ts sends a docker-archive to `docker load`. */
describe('tarFileHeader / tarPadding / tarEnd', () => {
  it('make an archive the system tar reads back byte for byte', () => {
    const files: Array<[string, Buffer]> = [
      ['c0ffee.json', Buffer.from('{"rootfs":{}}')],
      [`${'ab'.repeat(32)}/layer.tar`, Buffer.alloc(1500, 3)],
      ['manifest.json', Buffer.from('[]')],
    ];
    const archive = Buffer.concat([...files.flatMap(([name, data]) => [tarFileHeader(name, data.length), data, tarPadding(data.length)]), tarEnd()]);
    expect(archive.length % 512).toBe(0);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tar-stream-test-'));
    try {
      writeFileSync(path.join(dir, 'a.tar'), archive);
      execFileSync('tar', ['-xf', path.join(dir, 'a.tar'), '-C', dir, '--no-same-owner']);
      for (const [name, data] of files) expect(readFileSync(path.join(dir, name)).equals(data), name).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('puts sizes past the ustar limit (8 GiB) in a pax record', () => {
    const size = 9 * 2 ** 30;
    const header = tarFileHeader('big/layer.tar', size);
    expect(header.length).toBe(3 * 512);
    expect(header.subarray(156, 157).toString()).toBe('x');
    expect(header.subarray(512, 1024).toString('latin1')).toContain(` size=${size}\n`);
    expect(tarPadding(size)).toHaveLength(0);
    expect(tarPadding(1)).toHaveLength(511);
  });
});
