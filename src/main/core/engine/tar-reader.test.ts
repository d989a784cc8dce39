import { describe, expect, it } from 'vitest';
import { packTar } from '../images/tar-writer';
import { checkEntryName, readTar, TarError } from './tar-reader';

/** A one-member tar with an arbitrary (possibly hostile) name, written by hand. */
function rawTar(name: string, data: Buffer): Buffer {
  const header = Buffer.alloc(512);
  header.write(name, 0, 100, 'utf8');
  header.write('0000644\0', 100);
  header.write('0000000\0', 108);
  header.write('0000000\0', 116);
  header.write(data.length.toString(8).padStart(11, '0') + '\0', 124);
  header.write('00000000000\0', 136);
  header.write('0', 156);
  header.write('ustar\0', 257);
  header.write('00', 263);
  header.fill(' ', 148, 156);
  let sum = 0;
  for (const b of header) sum += b;
  header.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
  const body = Buffer.alloc(Math.ceil(data.length / 512) * 512);
  data.copy(body);
  return Buffer.concat([header, body, Buffer.alloc(1024)]);
}

describe('readTar', () => {
  it('reads what the tar writer wrote, long names included', () => {
    const long = `${'d'.repeat(120)}/file.txt`;
    const entries = readTar(packTar([{ path: 'a.txt', mode: 0o644, data: Buffer.from('hello') }, { path: long, mode: 0o644, data: Buffer.from('x') }]), 1024);
    expect(entries.map((e) => [e.name, e.data.toString()])).toEqual([['a.txt', 'hello'], [long, 'x']]);
  });

  it('refuses names that climb out of the archive', () => {
    expect(() => readTar(rawTar('../../etc/passwd', Buffer.from('x')), 1024)).toThrow(TarError);
    expect(() => readTar(rawTar('/etc/passwd', Buffer.from('x')), 1024)).toThrow(/outside the archive/);
    expect(() => checkEntryName('a/../../b')).toThrow(TarError);
    expect(checkEntryName('./patch.diff')).toBe('patch.diff');
  });

  it('refuses members over the size limit and truncated archives', () => {
    expect(() => readTar(rawTar('big.bin', Buffer.alloc(4096)), 1000)).toThrow(/over the 1000-byte limit/);
    expect(() => readTar(rawTar('t.bin', Buffer.alloc(2048)).subarray(0, 1024), 10_000)).toThrow(/truncated/);
  });
});
