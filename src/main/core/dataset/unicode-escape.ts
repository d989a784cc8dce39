/**
 * Error raised where Python's unicode_escape codec would raise UnicodeDecodeError (or encode would raise UnicodeEncodeError).
 *
 * `offset` is the position in the UTF-8 bytes of the input, as in Python's message.
 */
export class UnicodeEscapeError extends Error {
  constructor(message: string, readonly offset: number) {
    super(`${message} at byte ${offset}`);
    this.name = 'UnicodeEscapeError';
  }
}

const SIMPLE = new Map<number, string>([
  [0x5c, '\\'], [0x27, "'"], [0x22, '"'], [0x61, '\x07'], [0x62, '\b'],
  [0x66, '\f'], [0x6e, '\n'], [0x72, '\r'], [0x74, '\t'], [0x76, '\v'],
]);
const HEX_WIDTH = new Map<number, number>([[0x78, 2], [0x75, 4], [0x55, 8]]);
const HEX_NAMES = new Map<number, string>([[2, '\\xXX'], [4, '\\uXXXX'], [8, '\\UXXXXXXXX']]);

/**
 * Emulate Python's `text.encode("utf-8").decode("unicode_escape")`.
 *
 * The official SWE-Lancer harness passes prompt text through this round trip,
 * so the prompt a model sees has backslash escapes decoded and every non-ASCII
 * character mojibaked: the UTF-8 bytes are read back as Latin-1, so ’
 * (E2 80 99) becomes "â\x80\x99". Reproducing that keeps our prompts
 * byte-identical to the harness's.
 *
 * Escapes: \\ \' \" \a \b \f \n \r \t \v, octal \o to \ooo (up to \777),
 * \xHH, \uXXXX, \UXXXXXXXX, and backslash-newline (removed). Unknown escapes
 * keep the backslash. `\N{NAME}` is not supported and raises an error naming
 * its byte offset, as do truncated hex escapes, code points above U+10FFFF, a
 * trailing lone backslash and lone surrogates in the input (UTF-8 cannot
 * encode them). A \uD83D\uDE00 pair decodes to two lone surrogates in Python;
 * in a JS string they combine into one character.
 */
export function decodeUnicodeEscape(text: string): string {
  const surrogate = /\p{Cs}/u.exec(text);
  if (surrogate) {
    const offset = new TextEncoder().encode(text.slice(0, surrogate.index)).length;
    throw new UnicodeEscapeError("'utf-8' codec can't encode a lone surrogate", offset);
  }
  const bytes = new TextEncoder().encode(text);
  const out: string[] = [];
  let run = 0;
  let i = 0;
  while (i < bytes.length) {
    if (bytes[i] !== 0x5c) {
      i++;
      continue;
    }
    out.push(latin1(bytes, run, i));
    const at = i;
    const c = bytes[i + 1];
    i += 2;
    if (c === undefined) throw new UnicodeEscapeError('\\ at end of string', at);
    const simple = SIMPLE.get(c);
    const width = HEX_WIDTH.get(c);
    if (c === 0x0a) {
      // Backslash-newline is a line continuation and produces nothing.
    } else if (simple !== undefined) {
      out.push(simple);
    } else if (c >= 0x30 && c <= 0x37) {
      // Up to two more octal digits follow; \777 (511) is the largest value.
      let value = c - 0x30;
      for (let n = 0; n < 2; n++) {
        const digit = (bytes[i] ?? 0) - 0x30;
        if (digit < 0 || digit > 7) break;
        value = value * 8 + digit;
        i++;
      }
      out.push(String.fromCharCode(value));
    } else if (width !== undefined) {
      const digits = latin1(bytes, i, Math.min(i + width, bytes.length));
      if (!/^[0-9a-fA-F]+$/.test(digits) || digits.length < width) {
        throw new UnicodeEscapeError(`truncated ${HEX_NAMES.get(width)} escape`, at);
      }
      const cp = parseInt(digits, 16);
      if (cp > 0x10ffff) throw new UnicodeEscapeError('illegal Unicode character', at);
      out.push(String.fromCodePoint(cp));
      i += width;
    } else if (c === 0x4e) {
      throw new UnicodeEscapeError('\\N{...} named escapes are not supported', at);
    } else {
      // Unknown escape: Python keeps the backslash and decodes the next byte normally.
      i = at + 1;
      out.push('\\');
    }
    run = i;
  }
  out.push(latin1(bytes, run, bytes.length));
  return out.join('');
}

/** Bytes as Latin-1 (byte value = code point), chunked to stay under argument-count limits. */
function latin1(bytes: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let i = start; i < end; i += 8192) {
    s += String.fromCharCode(...bytes.subarray(i, Math.min(i + 8192, end)));
  }
  return s;
}
