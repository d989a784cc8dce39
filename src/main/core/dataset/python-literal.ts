import { PyFloat, PyTuple, toPythonRepr, type ReprValue } from './python-repr';

/**
 * A parsed Python literal.
 *
 * Ints become numbers, or bigints when outside the safe-integer range; floats
 * become numbers; tuples and sets become arrays; dicts become null-prototype
 * objects (so a '__proto__' key is an ordinary key).
 */
export type PyValue = null | boolean | number | bigint | string | PyValue[] | { [key: string]: PyValue };

/** Limits that keep parsing bounded on hostile input. */
export interface ParseOptions {
  /** Deepest allowed container nesting; default 100 (CPython's parser gives up near 200). */
  maxDepth?: number;
  /** Longest accepted input in UTF-16 code units; default 100,000,000. */
  maxLength?: number;
  /**
   * The caller guarantees the text holds no NUL and no lone surrogate, as text decoded from
   * UTF-8 without zero bytes does (a decoder never makes lone surrogates), so the parser does
   * not scan for them.
   */
  checkedText?: boolean;
}

/**
 * Error raised for any text that is not a valid Python literal.
 *
 * `offset` is a 0-based UTF-16 index; `line` and `column` are 1-based, with
 * columns counted in UTF-16 code units and lines split at \n, \r\n or \r as
 * Python does.
 */
export class PythonLiteralError extends Error {
  /** What went wrong, without the position (the message adds "at line L, column C"). */
  readonly reason: string;
  readonly offset: number;
  readonly line: number;
  readonly column: number;

  constructor(reason: string, text: string, offset: number, where = 'at') {
    const { line, column } = lineAndColumn(text, offset);
    super(`${reason} ${where} line ${line}, column ${column}`);
    this.name = 'PythonLiteralError';
    this.reason = reason;
    this.offset = offset;
    this.line = line;
    this.column = column;
  }
}

/**
 * Parse the Python literal subset accepted by `ast.literal_eval` (the form the SWE-Lancer CSV stores cells in).
 *
 * Accepts dicts, lists, tuples (also unparenthesised at top level), sets,
 * `set()`, str (any quoting, r/u prefixes, implicit concatenation), ints (any base,
 * underscores, one unary sign), floats, True/False/None, comments and line
 * continuations. Rejects what literal_eval rejects: names such as inf/nan,
 * bytes, f-strings and complex numbers. Deviations, all documented here:
 * - Non-string dict keys are stored as Python's `str()` of the key
 *   (`1` → "1", `1.0` → "1.0", `None` → "None", `(1, 'a')` → "(1, 'a')").
 *   Keys therefore compare as strings, so `{1: 'a', True: 'b'}` keeps two keys.
 * - Duplicate keys: the last value wins and the key keeps its first position,
 *   as in Python. Integer-like keys are enumerated first by JS objects.
 * - Sets become arrays in source order with duplicates (by `str()`) removed.
 * - `\N{NAME}` escapes are rejected with an error (no name table).
 * - Leading indentation and trailing whitespace are tolerated.
 */
export function parsePythonLiteral(text: string, options: ParseOptions = {}): PyValue {
  return new Parser(text, options, false).parseDocument() as PyValue;
}

/**
 * Like `parsePythonLiteral` but keeps floats as `PyFloat` and tuples as `PyTuple`.
 *
 * With these markers `toPythonRepr(parsePythonLiteralTyped(cell))` reproduces
 * a repr-generated cell exactly, e.g. `'price': 1000.0` stays a float.
 */
export function parsePythonLiteralTyped(text: string, options: ParseOptions = {}): ReprValue {
  return new Parser(text, options, true).parseDocument();
}

// All patterns are sticky and free of nested ambiguous quantifiers, so they run in linear time.
const NAME = /[A-Za-z_][A-Za-z0-9_]*/y;
const RADIX_INT = /0(?:[xX](?:_?[0-9a-fA-F])+|[oO](?:_?[0-7])+|[bB](?:_?[01])+)/y;
const DIGITS = '[0-9](?:_?[0-9])*';
// Groups: 1 = fraction after an integer part, 2 = bare fraction (".5"), 3 = exponent; any of them makes a float.
const DECIMAL = new RegExp(`(?:${DIGITS}(\\.(?:${DIGITS})?)?|(\\.${DIGITS}))([eE][+-]?${DIGITS})?`, 'y');
const EMPTY_SET = /set[ \t\f]*\([ \t\f\r\n]*\)/y;
const HEX_DIGITS = /^[0-9a-fA-F]+$/;
// Python 3.11+ refuses to convert longer decimal ints (sys.int_info.default_max_str_digits).
const MAX_INT_DIGITS = 4300;

const enum Ch {
  Tab = 9, Lf = 10, Ff = 12, Cr = 13, Space = 32, DoubleQuote = 34, Hash = 35, SingleQuote = 39,
  OpenParen = 40, CloseParen = 41, Plus = 43, Comma = 44, Minus = 45, Dot = 46, Zero = 48, Seven = 55,
  Nine = 57, Colon = 58, OpenBracket = 91, Backslash = 92, CloseBracket = 93, Underscore = 95,
  OpenBrace = 123, CloseBrace = 125,
}

const isDigit = (c: number): boolean => c >= Ch.Zero && c <= Ch.Nine;
const isLetter = (c: number): boolean => (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a;
/** The letters of a string prefix: r, u, b, f in either case. */
const isPrefixLetter = (c: number): boolean => {
  const l = c | 0x20;
  return l === 0x72 || l === 0x75 || l === 0x62 || l === 0x66;
};
/** What may not directly follow a number: a letter, a digit, '_' or '.'. */
const isNameChar = (c: number): boolean => isLetter(c) || isDigit(c) || c === Ch.Underscore || c === Ch.Dot;

/** The one-character escapes, by the character after the backslash. */
function simpleEscape(c: number): string | undefined {
  switch (c) {
    case Ch.Backslash: return '\\';
    case Ch.SingleQuote: return "'";
    case Ch.DoubleQuote: return '"';
    case 0x61: return '\x07'; // a
    case 0x62: return '\b';
    case 0x66: return '\f';
    case 0x6e: return '\n';
    case 0x72: return '\r';
    case 0x74: return '\t';
    case 0x76: return '\v';
    default: return undefined;
  }
}
/** Digits after \x, \u and \U. */
function hexEscapeWidth(c: number): number {
  return c === 0x78 ? 2 : c === 0x75 ? 4 : c === 0x55 ? 8 : 0;
}

/**
 * A recursive-descent parser over char codes. The SWE-Lancer cells are mostly long quoted
 * strings, so strings are cut out with `indexOf` (native, fast) rather than a loop per
 * character: the next backslash, line feed and carriage return are each searched once and
 * remembered while they lie ahead, so every character is looked at by one native search only.
 */
class Parser {
  private pos = 0;
  private depth = 0;
  private readonly maxDepth: number;
  private readonly length: number;
  // Offsets of the next '\\', '\n' and '\r' at or after some earlier position; `length` means none.
  private nextBackslash = -1;
  private nextLf = -1;
  private nextCr = -1;

  constructor(private readonly text: string, options: ParseOptions, private readonly typed: boolean) {
    this.maxDepth = options.maxDepth ?? 100;
    this.length = text.length;
    const maxLength = options.maxLength ?? 100_000_000;
    if (text.length > maxLength) this.fail(`input longer than maxLength (${maxLength})`, maxLength);
    if (options.checkedText) return;
    // Python refuses source containing NUL anywhere, even inside a string literal, and source
    // with a lone surrogate cannot even be encoded to UTF-8 for its tokenizer.
    const nul = text.indexOf('\0');
    if (nul >= 0) this.fail('null character in source', nul);
    // isWellFormed is a fast native check; the regex that finds the position runs only on failure.
    if (!(text as string & { isWellFormed(): boolean }).isWellFormed()) {
      const surrogate = /\p{Cs}/u.exec(text);
      this.fail('lone surrogate in source', surrogate?.index ?? 0);
    }
  }

  /** Parse the whole text; the result is plain (`parsePythonLiteral`) or typed, as constructed. */
  parseDocument(): ReprValue {
    try {
      this.skipSpace(true);
      const first = this.parseValue(this.typed);
      this.skipSpace(false);
      let result = first;
      // literal_eval accepts an unparenthesised tuple at top level: "1, 2" or "1,".
      if (this.code() === Ch.Comma) {
        const items = [first];
        while (this.code() === Ch.Comma) {
          this.pos++;
          this.skipSpace(false);
          const c = this.code();
          if (this.pos >= this.length || c === Ch.Cr || c === Ch.Lf) break;
          items.push(this.parseValue(this.typed));
          this.skipSpace(false);
        }
        result = this.typed ? new PyTuple(items) : items;
      }
      this.skipSpace(true);
      if (this.pos < this.length) this.fail(`expected end of input but found ${this.describe()}`);
      return result;
    } catch (err) {
      // A caller-supplied huge maxDepth can still exhaust the JS stack; report it as a parse error.
      if (err instanceof RangeError) this.fail('nesting too deep for the JS stack');
      throw err;
    }
  }

  /**
   * One value. `typed` keeps floats as PyFloat and tuples as PyTuple: always for dict keys and
   * set elements (their str() depends on it), otherwise only for parsePythonLiteralTyped.
   */
  private parseValue(typed: boolean): ReprValue {
    const c = this.code();
    if (c === Ch.OpenBracket || c === Ch.OpenParen || c === Ch.OpenBrace) return this.parseContainer(c, typed);
    if (c === Ch.SingleQuote || c === Ch.DoubleQuote) return this.parseStrings();
    if (c === Ch.Minus || c === Ch.Plus) {
      this.pos++;
      this.skipSpace(false);
      const d = this.code();
      if (!isDigit(d) && d !== Ch.Dot) this.fail(`expected a number after '${String.fromCharCode(c)}' but found ${this.describe()}`);
      return this.parseNumber(c === Ch.Minus, typed);
    }
    if (isDigit(c) || (c === Ch.Dot && isDigit(this.text.charCodeAt(this.pos + 1)))) return this.parseNumber(false, typed);
    if (this.atStringStart()) return this.parseStrings();
    NAME.lastIndex = this.pos;
    const name = NAME.exec(this.text)?.[0];
    if (name === 'True' || name === 'False' || name === 'None') {
      this.pos += name.length;
      return name === 'True' ? true : name === 'False' ? false : null;
    }
    // literal_eval special-cases the empty-set call, the one set with no literal syntax.
    EMPTY_SET.lastIndex = this.pos;
    if (name === 'set' && EMPTY_SET.test(this.text)) {
      this.pos = EMPTY_SET.lastIndex;
      return [];
    }
    if (name !== undefined) this.fail(`unexpected name '${name}' (only True, False and None are literals)`);
    this.fail(`expected a value but found ${this.describe()}`);
  }

  /** Lists, tuples, dicts and sets share one loop: element, then ',' or the closer. */
  private parseContainer(open: number, typed: boolean): ReprValue {
    if (++this.depth > this.maxDepth) this.fail(`nesting deeper than maxDepth (${this.maxDepth})`);
    const start = this.pos++;
    const close = open === Ch.OpenBracket ? Ch.CloseBracket : open === Ch.OpenParen ? Ch.CloseParen : Ch.CloseBrace;
    const brace = open === Ch.OpenBrace;
    const items: ReprValue[] = [];
    let dict: { [key: string]: ReprValue } | undefined;
    let sawComma = false;
    for (;;) {
      this.skipSpace(true);
      if (this.code() === close) break;
      // Inside braces an element is a dict key or a set element: both need their typed form.
      const item = this.parseValue(typed || brace);
      this.skipSpace(true);
      if (brace && items.length === 0 && (dict !== undefined || this.code() === Ch.Colon)) {
        dict ??= Object.create(null) as { [key: string]: ReprValue };
        if (this.code() !== Ch.Colon) this.fail(`expected ':' after dict key but found ${this.describe()}`);
        this.pos++;
        this.skipSpace(true);
        dict[this.keyString(item, start)] = this.parseValue(typed);
        this.skipSpace(true);
      } else {
        items.push(item);
      }
      const c = this.code();
      if (c === close) break;
      if (c !== Ch.Comma) this.fail(`expected ',' or '${String.fromCharCode(close)}' but found ${this.describe()}`);
      this.pos++;
      sawComma = true;
    }
    this.pos++;
    this.depth--;
    if (dict) return dict;
    if (open === Ch.OpenBracket) return items;
    if (open === Ch.OpenParen) {
      if (items.length === 1 && !sawComma) return items[0] as ReprValue;
      return typed ? new PyTuple(items) : items;
    }
    if (items.length === 0) return Object.create(null) as { [key: string]: ReprValue };
    // A set: keep the first of each equal (by str()) element, reject unhashable ones.
    const seen = new Set<string>();
    const kept = items.filter((item) => {
      const key = this.keyString(item, start);
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
    return typed ? kept : kept.map(toPlain);
  }

  /** Python's str() of a dict key or set element; lists, dicts and sets are unhashable. */
  private keyString(key: ReprValue, at: number): string {
    if (typeof key === 'string') return key;
    if (!isHashable(key)) this.fail('unhashable dict key or set element in container starting', at);
    return toPythonRepr(key);
  }

  private parseNumber(negative: boolean, typed: boolean): ReprValue {
    const t = this.text;
    const start = this.pos;
    // Fast path: a short run of plain digits (ids, counts) is the common case.
    let end = start;
    while (end < this.length && isDigit(t.charCodeAt(end))) end++;
    const after = t.charCodeAt(end);
    if (end > start && end - start <= 15 && !isNameChar(after) && (t.charCodeAt(start) !== Ch.Zero || end - start === 1)) {
      this.pos = end;
      if (after === 0x6a || after === 0x4a) this.fail('complex numbers are not supported', start);
      const value = Number(t.slice(start, end));
      // -0 is an int 0 in Python, not a negative zero.
      return negative && value !== 0 ? -value : value;
    }
    RADIX_INT.lastIndex = start;
    const radix = RADIX_INT.exec(t);
    DECIMAL.lastIndex = start;
    const match = radix ?? DECIMAL.exec(t);
    if (!match) return this.fail(`invalid number literal (found ${this.describe()})`);
    this.pos += match[0].length;
    const next = this.code();
    if (next === 0x6a || next === 0x4a) this.fail('complex numbers are not supported', start);
    if (isNameChar(next)) this.fail(`invalid number literal (unexpected ${this.describe()})`);
    const literal = match[0].replaceAll('_', '');
    if (!radix && (match[1] ?? match[2] ?? match[3]) !== undefined) {
      const value = Number(literal);
      return typed ? new PyFloat(negative ? -value : value) : negative ? -value : value;
    }
    if (!radix && /^0+[1-9]/.test(literal)) this.fail('leading zeros in a decimal integer are not permitted', start);
    if (!radix && literal.length > MAX_INT_DIGITS) this.fail(`integer literal longer than ${MAX_INT_DIGITS} digits`, start);
    const big = negative ? -BigInt(literal) : BigInt(literal);
    const small = Number(big);
    return Number.isSafeInteger(small) ? small : big;
  }

  private atStringStart(): boolean {
    const t = this.text;
    for (let i = this.pos; i < this.pos + 3; i++) {
      const c = t.charCodeAt(i);
      if (c === Ch.SingleQuote || c === Ch.DoubleQuote) return true;
      if (!isPrefixLetter(c)) return false;
    }
    return false;
  }

  /** One or more adjacent string literals, concatenated as Python does. */
  private parseStrings(): string {
    let value = this.parseString();
    this.skipSpace(false);
    while (this.atStringStart()) {
      value += this.parseString();
      this.skipSpace(false);
    }
    return value;
  }

  private parseString(): string {
    const t = this.text;
    const start = this.pos;
    while (isLetter(this.code())) this.pos++;
    if (this.pos > start) {
      const prefix = t.slice(start, this.pos).toLowerCase();
      if (prefix.includes('b')) this.fail('bytes literals are not supported', start);
      if (prefix.includes('f')) this.fail('f-strings are not literals', start);
      if (prefix !== 'r' && prefix !== 'u') this.fail(`invalid string prefix '${prefix}'`, start);
      if (prefix === 'r') return this.parseStringGeneral(start, true);
    }
    const quote = t.charCodeAt(this.pos);
    if (t.charCodeAt(this.pos + 1) === quote && t.charCodeAt(this.pos + 2) === quote) return this.parseStringGeneral(start, false);
    return this.parseShortString(start, quote);
  }

  /**
   * A single-quoted (or double-quoted), non-raw string: the form every repr() cell uses. Text
   * between escapes is sliced out whole; a line break before the closing quote ends it unterminated.
   */
  private parseShortString(start: number, quote: number): string {
    const t = this.text;
    const length = this.length;
    const quoteChar = quote === Ch.SingleQuote ? "'" : '"';
    this.pos++;
    let run = this.pos;
    let value = '';
    let nextQuote = t.indexOf(quoteChar, this.pos);
    if (nextQuote < 0) nextQuote = length;
    for (;;) {
      const pos = this.pos;
      if (nextQuote < pos) {
        nextQuote = t.indexOf(quoteChar, pos);
        if (nextQuote < 0) nextQuote = length;
      }
      if (this.nextBackslash < pos) this.nextBackslash = indexOrEnd(t, '\\', pos);
      if (this.nextLf < pos) this.nextLf = indexOrEnd(t, '\n', pos);
      if (this.nextCr < pos) this.nextCr = indexOrEnd(t, '\r', pos);
      const stop = Math.min(nextQuote, this.nextBackslash, this.nextLf, this.nextCr);
      if (stop === length || stop === this.nextLf || stop === this.nextCr) {
        this.pos = stop;
        this.fail('unterminated string', start, 'starting at');
      }
      if (stop === nextQuote) {
        this.pos = stop + 1;
        // '' + slice is the slice itself: an escape-free string is never copied.
        return value + t.slice(run, stop);
      }
      // A backslash: decode the escape, then carry on after it.
      value += t.slice(run, stop);
      this.pos = stop;
      value += this.parseEscape();
      run = this.pos;
    }
  }

  /** Raw and triple-quoted strings: rare in the CSVs, so one careful loop per character. */
  private parseStringGeneral(start: number, raw: boolean): string {
    const t = this.text;
    const quote = t.charAt(this.pos);
    const triple = t.startsWith(quote.repeat(3), this.pos);
    this.pos += triple ? 3 : 1;
    const out: string[] = [];
    let run = this.pos;
    const quoteCode = quote.charCodeAt(0);
    const length = this.length;
    for (;;) {
      let i = this.pos;
      for (; i < length; i++) {
        const code = t.charCodeAt(i);
        if (code === quoteCode || code === Ch.Backslash || code === Ch.Lf || code === Ch.Cr) break;
      }
      this.pos = i;
      const c = t.charAt(this.pos);
      if (c === quote && (!triple || t.startsWith(quote.repeat(3), this.pos))) break;
      if (c === '' || (!triple && (c === '\n' || c === '\r'))) this.fail('unterminated string', start, 'starting at');
      if (c === '\\' && !raw) {
        out.push(t.slice(run, this.pos), this.parseEscape());
        run = this.pos;
        continue;
      }
      // In a raw string a backslash is kept but still stops the next character (quote, newline) from ending the string.
      if (c === '\\' && t.charAt(this.pos + 1) !== '\r') {
        this.pos += t.charAt(this.pos + 1) === '' ? 1 : 2;
        continue;
      }
      if (c === '\\') this.pos++;
      if (t.charAt(this.pos) === '\r') {
        // Python reads source with universal newlines, so a literal \r\n or \r inside a string is \n.
        out.push(t.slice(run, this.pos), '\n');
        this.pos += t.charAt(this.pos + 1) === '\n' ? 2 : 1;
        run = this.pos;
        continue;
      }
      this.pos++;
    }
    out.push(t.slice(run, this.pos));
    this.pos += triple ? 3 : 1;
    return out.join('');
  }

  /** Decode one backslash escape at `pos`, leaving `pos` after it. */
  private parseEscape(): string {
    const t = this.text;
    const at = this.pos;
    const code = t.charCodeAt(at + 1);
    this.pos += 2;
    const simple = simpleEscape(code);
    if (simple !== undefined) return simple;
    if (code === Ch.Lf) return '';
    if (code === Ch.Cr) {
      if (t.charCodeAt(this.pos) === Ch.Lf) this.pos++;
      return '';
    }
    if (code >= Ch.Zero && code <= Ch.Seven) {
      let end = this.pos;
      while (end < at + 4 && t.charCodeAt(end) >= Ch.Zero && t.charCodeAt(end) <= Ch.Seven) end++;
      this.pos = end;
      return String.fromCharCode(parseInt(t.slice(at + 1, end), 8));
    }
    const width = hexEscapeWidth(code);
    if (width !== 0) {
      const c = t.charAt(at + 1);
      const digits = t.slice(this.pos, this.pos + width);
      if (digits.length < width || !HEX_DIGITS.test(digits)) this.fail(`truncated \\${c} escape (needs ${width} hex digits)`, at);
      const cp = parseInt(digits, 16);
      if (cp > 0x10ffff) this.fail('illegal Unicode character in \\U escape', at);
      this.pos += width;
      return String.fromCodePoint(cp);
    }
    if (code === 0x4e) this.fail('\\N{...} named escapes are not supported', at);
    // Unknown escapes keep their backslash; the character itself is scanned normally.
    this.pos = at + 1;
    return '\\';
  }

  /** Skip blanks, comments and line continuations; newlines only inside brackets (or at the ends). */
  private skipSpace(newlines: boolean): void {
    const t = this.text;
    for (;;) {
      const c = t.charCodeAt(this.pos);
      if (c === Ch.Space || c === Ch.Tab || c === Ch.Ff || ((c === Ch.Lf || c === Ch.Cr) && (newlines || this.depth > 0))) {
        this.pos++;
      } else if (c === Ch.Hash) {
        while (this.pos < this.length && t.charCodeAt(this.pos) !== Ch.Lf && t.charCodeAt(this.pos) !== Ch.Cr) this.pos++;
      } else if (c === Ch.Backslash && (t.charCodeAt(this.pos + 1) === Ch.Lf || t.charCodeAt(this.pos + 1) === Ch.Cr)) {
        this.pos += t.startsWith('\r\n', this.pos + 1) ? 3 : 2;
      } else {
        return;
      }
    }
  }

  /** The char code at `pos`; NaN at the end, which equals nothing. */
  private code(): number {
    return this.text.charCodeAt(this.pos);
  }

  private describe(): string {
    return this.pos >= this.length ? 'end of input' : JSON.stringify(String.fromCodePoint(this.text.codePointAt(this.pos) as number));
  }

  private fail(reason: string, offset = this.pos, where = 'at'): never {
    throw new PythonLiteralError(reason, this.text, Math.min(offset, this.length), where);
  }
}

function indexOrEnd(text: string, search: string, from: number): number {
  const at = text.indexOf(search, from);
  return at < 0 ? text.length : at;
}

function isHashable(v: ReprValue): boolean {
  if (v instanceof PyTuple) return v.items.every(isHashable);
  return v === null || typeof v !== 'object' || v instanceof PyFloat;
}

/** Replace the PyFloat/PyTuple markers in place; depth is bounded by maxDepth. */
function toPlain(v: ReprValue): PyValue {
  if (v instanceof PyFloat) return v.value;
  if (v instanceof PyTuple) return toPlain(v.items as ReprValue[]);
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) {
    v.forEach((item, i) => (v[i] = toPlain(item)));
    return v as PyValue[];
  }
  for (const [k, item] of Object.entries(v)) v[k] = toPlain(item);
  return v as { [key: string]: PyValue };
}

function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x0a || (c === 0x0d && text.charCodeAt(i + 1) !== 0x0a)) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}
