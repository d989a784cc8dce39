/**
 * A minimal POSIX tar (ustar + pax) writer for Docker build contexts.
 *
 * Docker's build endpoint wants the context as one tar stream. Writing it ourselves keeps the
 * bytes deterministic (fixed owner, fixed mtime, sorted order), which keeps the daemon's layer
 * cache stable across rebuilds and avoids relying on a transitive dependency of dockerode.
 */

/** One regular file in an archive. `path` is relative, with `/` separators. */
export interface TarFileEntry {
  path: string;
  /** Permission bits, e.g. 0o644 or 0o755. */
  mode: number;
  data: Buffer;
}

const BLOCK = 512;
/** A fixed mtime (2024-01-01T00:00:00Z) so the same inputs give the same archive bytes. */
export const TAR_FIXED_MTIME = 1704067200;

/**
 * Packs regular files into an uncompressed tar archive, in the order given.
 *
 * Long names use the ustar prefix field when they split at a `/`, else a pax `path` record, so
 * deep `node_modules` paths survive. Directories are implied by the file paths (Docker's COPY
 * creates parents), so none are written.
 */
export function packTar(entries: readonly TarFileEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    const name = normalizeEntryPath(entry.path);
    const split = splitUstarName(name);
    if (!split) {
      const pax = paxRecord('path', name);
      // Readers take the real name from the pax record; the header names are placeholders.
      parts.push(header({ name: '././@PaxHeader', prefix: '', mode: 0o644, size: pax.length, type: 'x' }));
      parts.push(pad(pax));
    }
    const { name: short, prefix } = split ?? { name: '././@LongName', prefix: '' };
    parts.push(header({ name: short, prefix, mode: entry.mode, size: entry.data.length, type: '0' }));
    parts.push(pad(entry.data));
  }
  // Two zero blocks mark the end of the archive.
  parts.push(Buffer.alloc(BLOCK * 2));
  return Buffer.concat(parts);
}

/**
 * The header block(s) of one regular file, for writers that stream the data themselves (a
 * layer blob of gigabytes cannot be held in memory). Write the header, then `size` bytes, then
 * {@link tarPadding}; end the archive with {@link tarEnd}. Files of 8 GiB and more (past the
 * ustar size field) carry their size in a pax record, which Docker's Go tar reader honours.
 */
export function tarFileHeader(path: string, size: number, mode = 0o644): Buffer {
  const name = normalizeEntryPath(path);
  const split = splitUstarName(name);
  const records: Buffer[] = [];
  if (!split) records.push(paxRecord('path', name));
  const big = size > 0o77777777777;
  if (big) records.push(paxRecord('size', String(size)));
  const parts: Buffer[] = [];
  if (records.length > 0) {
    const pax = Buffer.concat(records);
    parts.push(header({ name: '././@PaxHeader', prefix: '', mode: 0o644, size: pax.length, type: 'x' }));
    parts.push(pad(pax));
  }
  const { name: short, prefix } = split ?? { name: '././@LongName', prefix: '' };
  parts.push(header({ name: short, prefix, mode, size: big ? 0 : size, type: '0' }));
  return Buffer.concat(parts);
}

/** The zero bytes that fill a file of `size` bytes up to the next 512-byte block. */
export function tarPadding(size: number): Buffer {
  const rest = size % BLOCK;
  return Buffer.alloc(rest === 0 ? 0 : BLOCK - rest);
}

/** The two zero blocks that end an archive. */
export function tarEnd(): Buffer {
  return Buffer.alloc(BLOCK * 2);
}

/** Rejects absolute paths and `..` segments so a context can never write outside its root. */
export function normalizeEntryPath(p: string): string {
  const clean = p.replace(/\\/g, '/').replace(/^\.\//, '');
  if (clean === '' || clean.startsWith('/')) throw new Error(`tar entry path must be relative: ${JSON.stringify(p)}`);
  const segments = clean.split('/');
  if (segments.some((s) => s === '..' || s === '.' || s === '')) {
    throw new Error(`tar entry path must not contain empty, '.' or '..' segments: ${JSON.stringify(p)}`);
  }
  return clean;
}

function splitUstarName(name: string): { name: string; prefix: string } | undefined {
  if (Buffer.byteLength(name) <= 100) return { name, prefix: '' };
  // ustar keeps up to 155 bytes of leading directories in a separate field.
  for (let i = name.indexOf('/'); i !== -1; i = name.indexOf('/', i + 1)) {
    const prefix = name.slice(0, i);
    const rest = name.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(rest) <= 100 && rest !== '') return { name: rest, prefix };
  }
  return undefined;
}

function paxRecord(key: string, value: string): Buffer {
  // A record is "<len> <key>=<value>\n" where <len> counts its own digits too.
  const body = ` ${key}=${value}\n`;
  const bodyLen = Buffer.byteLength(body);
  let len = bodyLen + 1;
  while (bodyLen + String(len).length !== len) len = bodyLen + String(len).length;
  return Buffer.from(`${len}${body}`);
}

interface HeaderFields {
  name: string;
  prefix: string;
  mode: number;
  size: number;
  type: '0' | 'x';
}

function header(f: HeaderFields): Buffer {
  const buf = Buffer.alloc(BLOCK);
  writeString(buf, 0, 100, f.name);
  writeOctal(buf, 100, 8, f.mode & 0o7777);
  writeOctal(buf, 108, 8, 0);
  writeOctal(buf, 116, 8, 0);
  writeOctal(buf, 124, 12, f.size);
  writeOctal(buf, 136, 12, TAR_FIXED_MTIME);
  buf.fill(0x20, 148, 156); // checksum is computed with its own field set to spaces
  buf.write(f.type, 156, 'latin1');
  buf.write('ustar\u000000', 257, 'latin1');
  writeString(buf, 265, 32, 'root');
  writeString(buf, 297, 32, 'root');
  writeString(buf, 345, 155, f.prefix);
  let sum = 0;
  for (const byte of buf) sum += byte;
  buf.write(sum.toString(8).padStart(6, '0') + '\u0000 ', 148, 'latin1');
  return buf;
}

function writeString(buf: Buffer, offset: number, length: number, value: string): void {
  const bytes = Buffer.from(value, 'utf8');
  if (bytes.length > length) throw new Error(`tar header field too long: ${value}`);
  bytes.copy(buf, offset);
}

function writeOctal(buf: Buffer, offset: number, length: number, value: number): void {
  const digits = value.toString(8);
  if (digits.length > length - 1) throw new Error(`tar header number too large: ${value}`);
  buf.write(digits.padStart(length - 1, '0') + '\u0000', offset, 'latin1');
}

function pad(data: Buffer): Buffer {
  const rest = data.length % BLOCK;
  return rest === 0 ? data : Buffer.concat([data, Buffer.alloc(BLOCK - rest)]);
}
