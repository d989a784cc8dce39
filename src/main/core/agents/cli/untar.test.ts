import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { packTar } from '../../images/tar-writer';
import { makeTempDir } from '../../../../../tests/helpers/temp-dir';
import { rawTar, tarHeader } from './test-tarballs';
import { parseIntegrity, TarError, untar } from './untar';

/** The buffer as a stream of `size`-byte chunks, as a slow socket delivers it. */
async function* chunks(buffer: Buffer, size = 7): AsyncGenerator<Buffer> {
  for (let i = 0; i < buffer.length; i += size) yield buffer.subarray(i, i + size);
}

let dir: string;
let outside: string;
let cleanup: () => void;
beforeEach(() => {
  ({ dir: outside, cleanup } = makeTempDir('lancer-untar-'));
  // The destination sits inside `outside`, which is what `..` entries would aim at.
  dir = path.join(outside, 'dest');
  mkdirSync(dir);
});
afterEach(() => cleanup());

const sha = (s: string | Buffer): string => createHash('sha256').update(s).digest('hex');

describe('untar', () => {
  it('unpacks files under package/ with their contents, hashes and modes, executables staying executable', async () => {
    const tar = rawTar([
      { name: 'package/', type: '5', mode: 0o755 },
      { name: 'package/bin/tool', data: '#!/bin/sh\necho hi\n', mode: 0o755 },
      { name: 'package/README.md', data: 'read me', mode: 0o664 },
      { name: 'package/lib/odd', data: 'x', mode: 0o700 },
      { name: 'deep/name.txt', prefix: 'package/a/b', data: 'from the ustar prefix' },
    ]);
    const files = await untar(chunks(tar), dir);
    expect(files.map((f) => f.path).sort()).toEqual(['README.md', 'a/b/deep/name.txt', 'bin/tool', 'lib/odd']);
    const tool = files.find((f) => f.path === 'bin/tool')!;
    expect(tool).toMatchObject({ size: 18, mode: 0o755, sha256: sha('#!/bin/sh\necho hi\n') });
    expect(statSync(path.join(dir, 'bin/tool')).mode & 0o777).toBe(0o755);
    expect(statSync(path.join(dir, 'lib/odd')).mode & 0o777).toBe(0o755);
    expect(statSync(path.join(dir, 'README.md')).mode & 0o777).toBe(0o644);
    expect(readFileSync(path.join(dir, 'a/b/deep/name.txt'), 'utf8')).toBe('from the ustar prefix');
  });

  it('reads pax long names and a file larger than any chunk, delivered in tiny pieces', async () => {
    const long = `package/${'n'.repeat(120)}/${'m'.repeat(120)}.bin`;
    const big = Buffer.alloc(300_000, 7);
    big.write('start');
    const tar = Buffer.concat([packTar([{ path: long, mode: 0o755, data: big }]), Buffer.alloc(1024)]);
    const files = await untar(chunks(tar, 1000), dir);
    expect(files).toEqual([{ path: long.slice('package/'.length), size: big.length, mode: 0o755, sha256: sha(big) }]);
    expect(readFileSync(path.join(dir, long.slice('package/'.length))).equals(big)).toBe(true);
  });

  it('lets a later entry of the same path replace an earlier one', async () => {
    const tar = rawTar([
      { name: 'package/a', data: 'first' },
      { name: 'package/a', data: 'second', mode: 0o755 },
    ]);
    expect(await untar(chunks(tar), dir)).toEqual([{ path: 'a', size: 6, mode: 0o755, sha256: sha('second') }]);
  });

  it.each([
    ['an absolute path', '/tmp/lancer-evil-absolute'],
    ['.. after the top folder', 'package/../../escaped'],
    ['.. in the middle', 'package/a/../../../escaped'],
    ['a bare ..', '../escaped'],
  ])('refuses %s and writes nothing outside', async (_what, name) => {
    const tar = rawTar([
      { name: 'package/fine', data: 'ok' },
      { name, data: 'evil' },
    ]);
    await expect(untar(chunks(tar), dir)).rejects.toThrow(TarError);
    await expect(untar(chunks(tar), dir)).rejects.toThrow(/refusing tar entry/);
    expect(existsSync('/tmp/lancer-evil-absolute')).toBe(false);
    expect(existsSync(path.join(outside, 'escaped'))).toBe(false);
    expect(readdirSync(outside)).toEqual(['dest']);
  });

  it('refuses a .. path given by a pax record', async () => {
    const record = (key: string, value: string): string => {
      const body = ` ${key}=${value}\n`;
      let len = body.length + 1;
      while (`${len}${body}`.length !== len) len += 1;
      return `${len}${body}`;
    };
    const pax = record('path', 'package/../../escaped');
    const tar = Buffer.concat([
      tarHeader({ name: 'PaxHeader', type: 'x' }, pax.length),
      Buffer.from(pax.padEnd(512, '\0')),
      rawTar([{ name: 'package/innocent', data: 'evil' }]),
    ]);
    await expect(untar(chunks(tar), dir)).rejects.toThrow(/points outside/);
    expect(readdirSync(outside)).toEqual(['dest']);
  });

  it.each([
    ['symbolic link', '2'],
    ['hard link', '1'],
    ['character device', '3'],
  ])('refuses a %s', async (what, type) => {
    const tar = rawTar([{ name: 'package/link', type, linkName: '/etc/passwd' }]);
    await expect(untar(chunks(tar), dir)).rejects.toThrow(new RegExp(what));
    expect(existsSync(path.join(dir, 'link'))).toBe(false);
  });

  it('refuses a header with a bad checksum, a truncated archive and one over the size limit', async () => {
    const corrupt = rawTar([{ name: 'package/a', data: 'abc' }]);
    corrupt[0] = 'q'.charCodeAt(0);
    await expect(untar(chunks(corrupt), dir)).rejects.toThrow(/checksum mismatch/);

    const whole = rawTar([{ name: 'package/a', data: Buffer.alloc(2000, 1) }]);
    await expect(untar(chunks(whole.subarray(0, 1200)), dir)).rejects.toThrow(/truncated/);

    const big = rawTar([
      { name: 'package/a', data: Buffer.alloc(600) },
      { name: 'package/b', data: Buffer.alloc(600) },
    ]);
    await expect(untar(chunks(big), dir, { maxBytes: 1000 })).rejects.toThrow(/more than 1000 bytes/);
  });
});

describe('parseIntegrity', () => {
  it('takes the strongest hash of an SRI string and refuses junk', () => {
    expect(parseIntegrity('sha1-AAAA sha512-QkJC')).toEqual({ algorithm: 'sha512', digest: 'QkJC' });
    expect(parseIntegrity('sha256-abc=')).toEqual({ algorithm: 'sha256', digest: 'abc=' });
    expect(() => parseIntegrity('md5-xyz')).toThrow(/not a usable integrity/);
  });
});
