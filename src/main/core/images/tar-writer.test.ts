import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { normalizeEntryPath, packTar } from './tar-writer';

/** Extracts with the system tar, the same kind of reader the Docker daemon is. */
function extract(archive: Buffer): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tar-writer-test-'));
  const file = path.join(dir, 'a.tar');
  writeFileSync(file, archive);
  execFileSync('tar', ['-xf', file, '-C', dir, '--no-same-owner']);
  return dir;
}

describe('packTar', () => {
  it('writes files that the system tar reads back byte for byte, with their modes', () => {
    const archive = packTar([
      { path: 'Dockerfile', mode: 0o644, data: Buffer.from('FROM scratch\n') },
      { path: 'bin/run.sh', mode: 0o755, data: Buffer.from('#!/bin/sh\necho hi\n') },
      { path: 'empty.txt', mode: 0o644, data: Buffer.alloc(0) },
      { path: 'exact.bin', mode: 0o600, data: Buffer.alloc(512, 7) },
    ]);
    expect(archive.length % 512).toBe(0);
    const dir = extract(archive);
    try {
      expect(readFileSync(path.join(dir, 'Dockerfile'), 'utf8')).toBe('FROM scratch\n');
      expect(readFileSync(path.join(dir, 'bin/run.sh'), 'utf8')).toContain('echo hi');
      expect(statSync(path.join(dir, 'bin/run.sh')).mode & 0o777).toBe(0o755);
      expect(readFileSync(path.join(dir, 'empty.txt')).length).toBe(0);
      expect(readFileSync(path.join(dir, 'exact.bin')).equals(Buffer.alloc(512, 7))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps long paths, through the ustar prefix or a pax record', () => {
    const splittable = 'node_modules/' + 'a'.repeat(90) + '/' + 'b'.repeat(90) + '.js';
    const unsplittable = 'c'.repeat(120) + '.js';
    const unicode = 'dir/' + 'é'.repeat(70) + '.txt';
    const archive = packTar([
      { path: splittable, mode: 0o644, data: Buffer.from('one') },
      { path: unsplittable, mode: 0o644, data: Buffer.from('two') },
      { path: unicode, mode: 0o644, data: Buffer.from('three') },
    ]);
    const dir = extract(archive);
    try {
      expect(readFileSync(path.join(dir, splittable), 'utf8')).toBe('one');
      expect(readFileSync(path.join(dir, unsplittable), 'utf8')).toBe('two');
      expect(readFileSync(path.join(dir, unicode), 'utf8')).toBe('three');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is deterministic', () => {
    const entries = [{ path: 'x', mode: 0o644, data: Buffer.from('x') }];
    expect(packTar(entries).equals(packTar(entries))).toBe(true);
  });
});

describe('normalizeEntryPath', () => {
  it('rejects paths that could escape the context', () => {
    expect(() => normalizeEntryPath('/etc/passwd')).toThrow(/relative/);
    expect(() => normalizeEntryPath('a/../../b')).toThrow(/'\.\.'/);
    expect(() => normalizeEntryPath('')).toThrow();
    expect(normalizeEntryPath('./a/b')).toBe('a/b');
  });
});
