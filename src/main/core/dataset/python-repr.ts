import type { PyValue } from './python-literal';

/**
 * Marks a number as a Python float.
 *
 * Plain JS numbers cannot tell `1000` from `1000.0`, yet the SWE-Lancer CSV
 * writes prices as `1000.0`; wrapping the value lets fixture generators (and
 * `parsePythonLiteralTyped`) reproduce such cells byte for byte.
 */
export class PyFloat {
  constructor(readonly value: number) {}
}

/**
 * Marks an array as a Python tuple.
 *
 * Arrays serialise as lists; a tuple needs its own marker because its repr
 * differs (parentheses, trailing comma for one element).
 */
export class PyTuple {
  constructor(readonly items: readonly ReprValue[]) {}
}

/**
 * Anything `toPythonRepr` can serialise: a `PyValue` plus explicit float and tuple markers.
 *
 * Objects (other than the marker classes) are dicts; arrays are lists.
 */
export type ReprValue =
  | PyValue
  | PyFloat
  | PyTuple
  | ReprValue[]
  | { [key: string]: ReprValue };

/**
 * Python's notion of a non-printable character (`str.isprintable()` is false).
 *
 * CPython escapes code points in categories Cc, Cf, Cs, Co, Cn, Zl, Zp and Zs
 * (ASCII space excepted, handled before this test). We use the JS engine's
 * Unicode tables, so a character assigned in a newer Unicode version than the
 * reference Python knows (Python 3.11 ships Unicode 14) is printed raw here but
 * escaped by that Python; this only affects characters that a modern Python
 * would also print raw.
 */
const NON_PRINTABLE = /[\p{C}\p{Z}]/u;

/**
 * Serialise a value exactly like CPython's `repr()`.
 *
 * - numbers: safe integers print as ints, everything else (fractions, -0,
 *   integral values beyond 2^53) as floats; wrap in `PyFloat` to force a float.
 *   NaN/Infinity print as `nan`/`inf`, which (as in Python) do not parse back.
 * - bigint → int, null → None, booleans → True/False.
 * - arrays → lists, `PyTuple` → tuples, other objects → dicts in key order
 *   (JS enumerates integer-like keys first; that order is what gets printed).
 *
 * The value must be acyclic.
 */
export function toPythonRepr(value: ReprValue): string {
  if (value === null) return 'None';
  switch (typeof value) {
    case 'boolean':
      return value ? 'True' : 'False';
    case 'bigint':
      return value.toString();
    case 'number':
      return Number.isSafeInteger(value) && !Object.is(value, -0) ? String(value) : floatRepr(value);
    case 'string':
      return strRepr(value);
  }
  if (value instanceof PyFloat) return floatRepr(value.value);
  if (value instanceof PyTuple) {
    const items = value.items.map(toPythonRepr);
    return items.length === 1 ? `(${items[0]},)` : `(${items.join(', ')})`;
  }
  if (Array.isArray(value)) return `[${value.map(toPythonRepr).join(', ')}]`;
  const parts = Object.entries(value).map(([k, v]) => `${strRepr(k)}: ${toPythonRepr(v)}`);
  return `{${parts.join(', ')}}`;
}

/**
 * Python's `repr(float)`: shortest round-tripping digits, exponent form when the decimal exponent is < -4 or >= 16.
 *
 * JS `toExponential()` without an argument yields the same shortest digit
 * string Python uses, so only the layout has to be reproduced.
 */
export function floatRepr(n: number): string {
  if (Number.isNaN(n)) return 'nan';
  if (!Number.isFinite(n)) return n > 0 ? 'inf' : '-inf';
  if (n === 0) return Object.is(n, -0) ? '-0.0' : '0.0';
  const sign = n < 0 ? '-' : '';
  const [mantissa = '', expText = ''] = Math.abs(n).toExponential().split('e');
  const digits = mantissa.replace('.', '');
  const exp = Number(expText);
  if (exp < -4 || exp >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  if (digits.length <= exp + 1) return `${sign}${digits}${'0'.repeat(exp + 1 - digits.length)}.0`;
  return `${sign}${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
}

/**
 * Python's `repr(str)`.
 *
 * Quotes with ' unless the text contains ' and no ". Lone surrogates (which a
 * JS string may hold, like a Python str) are escaped as \udXXX.
 */
export function strRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  let runStart = 0;
  // Copy runs of plain printable ASCII in one slice; only specials go through the slow path.
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c < 0x7f && c !== 0x5c && c !== quote.charCodeAt(0)) continue;
    out += s.slice(runStart, i);
    const cp = s.codePointAt(i) as number;
    if (cp > 0xffff) i++;
    runStart = i + 1;
    out += escapeCodePoint(cp);
  }
  return out + s.slice(runStart) + quote;
}

function escapeCodePoint(cp: number): string {
  switch (cp) {
    case 0x5c: return '\\\\';
    case 0x27: return "\\'";
    case 0x22: return '\\"';
    case 0x09: return '\\t';
    case 0x0a: return '\\n';
    case 0x0d: return '\\r';
  }
  const ch = String.fromCodePoint(cp);
  if (cp >= 0x80 && !NON_PRINTABLE.test(ch)) return ch;
  if (cp <= 0xff) return `\\x${hex(cp, 2)}`;
  if (cp <= 0xffff) return `\\u${hex(cp, 4)}`;
  return `\\U${hex(cp, 8)}`;
}

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0');
}
