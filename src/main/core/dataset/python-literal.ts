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
  return new Parser(text, options).parseDocument(toPlain);
}

/**
 * Like `parsePythonLiteral` but keeps floats as `PyFloat` and tuples as `PyTuple`.
 *
 * With these markers `toPythonRepr(parsePythonLiteralTyped(cell))` reproduces
 * a repr-generated cell exactly, e.g. `'price': 1000.0` stays a float.
 */
export function parsePythonLiteralTyped(text: string, options: ParseOptions = {}): ReprValue {
  return new Parser(text, options).parseDocument((v) => v);
}

const SIMPLE_ESCAPES = new Map(Object.entries({
  '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v',
}));
const HEX_ESCAPE_WIDTH = new Map([['x', 2], ['u', 4], ['U', 8]]);
// All patterns are sticky and free of nested ambiguous quantifiers, so they run in linear time.
const NAME = /[A-Za-z_][A-Za-z0-9_]*/y;
const RADIX_INT = /0(?:[xX](?:_?[0-9a-fA-F])+|[oO](?:_?[0-7])+|[bB](?:_?[01])+)/y;
const DIGITS = '[0-9](?:_?[0-9])*';
// Groups: 1 = fraction after an integer part, 2 = bare fraction (".5"), 3 = exponent; any of them makes a float.
const DECIMAL = new RegExp(`(?:${DIGITS}(\\.(?:${DIGITS})?)?|(\\.${DIGITS}))([eE][+-]?${DIGITS})?`, 'y');
const EMPTY_SET = /set[ \t\f]*\([ \t\f\r\n]*\)/y;
const HEX_DIGITS = /^[0-9a-fA-F]+$/;
const NAME_CHAR = /[A-Za-z0-9_.]/;
// Python 3.11+ refuses to convert longer decimal ints (sys.int_info.default_max_str_digits).
const MAX_INT_DIGITS = 4300;

class Parser {
  private pos = 0;
  private depth = 0;
  private readonly maxDepth: number;

  constructor(private readonly text: string, options: ParseOptions) {
    this.maxDepth = options.maxDepth ?? 100;
    const maxLength = options.maxLength ?? 100_000_000;
    if (text.length > maxLength) this.fail(`input longer than maxLength (${maxLength})`, maxLength);
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

  /** Parse the whole text; `finish` runs inside the stack-overflow guard too. */
  parseDocument<T>(finish: (value: ReprValue) => T): T {
    try {
      this.skipSpace(true);
      const first = this.parseValue();
      this.skipSpace(false);
      let result = first;
      // literal_eval accepts an unparenthesised tuple at top level: "1, 2" or "1,".
      if (this.peek() === ',') {
        const items = [first];
        while (this.peek() === ',') {
          this.pos++;
          this.skipSpace(false);
          if (this.pos >= this.text.length || '\r\n'.includes(this.peek())) break;
          items.push(this.parseValue());
          this.skipSpace(false);
        }
        result = new PyTuple(items);
      }
      this.skipSpace(true);
      if (this.pos < this.text.length) this.fail(`expected end of input but found ${this.describe()}`);
      return finish(result);
    } catch (err) {
      // A caller-supplied huge maxDepth can still exhaust the JS stack; report it as a parse error.
      if (err instanceof RangeError) this.fail('nesting too deep for the JS stack');
      throw err;
    }
  }

  private parseValue(): ReprValue {
    const c = this.peek();
    if (c === '[' || c === '(' || c === '{') return this.parseContainer(c);
    if (c === '-' || c === '+') {
      this.pos++;
      this.skipSpace(false);
      if (!/[0-9.]/.test(this.peek())) this.fail(`expected a number after '${c}' but found ${this.describe()}`);
      return this.parseNumber(c === '-');
    }
    if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(this.text.charAt(this.pos + 1)))) return this.parseNumber(false);
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
  private parseContainer(open: '[' | '(' | '{'): ReprValue {
    if (++this.depth > this.maxDepth) this.fail(`nesting deeper than maxDepth (${this.maxDepth})`);
    const start = this.pos++;
    const close = open === '[' ? ']' : open === '(' ? ')' : '}';
    const items: ReprValue[] = [];
    let dict: { [key: string]: ReprValue } | undefined;
    let sawComma = false;
    for (;;) {
      this.skipSpace(true);
      if (this.peek() === close) break;
      const item = this.parseValue();
      this.skipSpace(true);
      if (open === '{' && items.length === 0 && (dict !== undefined || this.peek() === ':')) {
        dict ??= Object.create(null) as { [key: string]: ReprValue };
        if (this.peek() !== ':') this.fail(`expected ':' after dict key but found ${this.describe()}`);
        this.pos++;
        this.skipSpace(true);
        dict[this.keyString(item, start)] = this.parseValue();
        this.skipSpace(true);
      } else {
        items.push(item);
      }
      if (this.peek() === close) break;
      if (this.peek() !== ',') this.fail(`expected ',' or '${close}' but found ${this.describe()}`);
      this.pos++;
      sawComma = true;
    }
    this.pos++;
    this.depth--;
    if (dict) return dict;
    if (open === '[') return items;
    if (open === '(') return items.length === 1 && !sawComma ? (items[0] as ReprValue) : new PyTuple(items);
    if (items.length === 0) return Object.create(null) as { [key: string]: ReprValue };
    // A set: keep the first of each equal (by str()) element, reject unhashable ones.
    const seen = new Set<string>();
    return items.filter((item) => {
      const key = this.keyString(item, start);
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  }

  /** Python's str() of a dict key or set element; lists, dicts and sets are unhashable. */
  private keyString(key: ReprValue, at: number): string {
    if (!isHashable(key)) this.fail('unhashable dict key or set element in container starting', at);
    return typeof key === 'string' ? key : toPythonRepr(key);
  }

  private parseNumber(negative: boolean): ReprValue {
    const start = this.pos;
    RADIX_INT.lastIndex = start;
    const radix = RADIX_INT.exec(this.text);
    DECIMAL.lastIndex = start;
    const match = radix ?? DECIMAL.exec(this.text);
    if (!match) return this.fail(`invalid number literal (found ${this.describe()})`);
    this.pos += match[0].length;
    const next = this.peek();
    if (next === 'j' || next === 'J') this.fail('complex numbers are not supported', start);
    if (NAME_CHAR.test(next)) this.fail(`invalid number literal (unexpected ${this.describe()})`);
    const literal = match[0].replaceAll('_', '');
    if (!radix && (match[1] ?? match[2] ?? match[3]) !== undefined) {
      const value = Number(literal);
      return new PyFloat(negative ? -value : value);
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
      const c = t.charAt(i);
      if (c === "'" || c === '"') return true;
      if (!/[rRuUbBfF]/.test(c)) return false;
    }
    return false;
  }

  /** One or more adjacent string literals, concatenated as Python does. */
  private parseStrings(): string {
    const parts: string[] = [];
    do {
      parts.push(this.parseString());
      this.skipSpace(false);
    } while (this.atStringStart());
    return parts.join('');
  }

  private parseString(): string {
    const t = this.text;
    const start = this.pos;
    while (/[a-zA-Z]/.test(this.peek())) this.pos++;
    const prefix = t.slice(start, this.pos).toLowerCase();
    if (prefix.includes('b')) this.fail('bytes literals are not supported', start);
    if (prefix.includes('f')) this.fail('f-strings are not literals', start);
    if (prefix !== '' && prefix !== 'r' && prefix !== 'u') this.fail(`invalid string prefix '${prefix}'`, start);
    const raw = prefix === 'r';
    const quote = t.charAt(this.pos);
    const triple = t.startsWith(quote.repeat(3), this.pos);
    this.pos += triple ? 3 : 1;
    const out: string[] = [];
    let run = this.pos;
    const quoteCode = quote.charCodeAt(0);
    const length = t.length;
    for (;;) {
      // Fast path: ordinary characters need no decision, so skip them with charCodeAt (this loop
      // is where import time goes on the official CSV, whose cells are mostly long strings).
      let i = this.pos;
      for (; i < length; i++) {
        const code = t.charCodeAt(i);
        if (code === quoteCode || code === 92 || code === 10 || code === 13) break;
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
    const c = t.charAt(at + 1);
    this.pos += 2;
    if (c === '\n') return '';
    if (c === '\r') {
      if (t.charAt(this.pos) === '\n') this.pos++;
      return '';
    }
    const simple = SIMPLE_ESCAPES.get(c);
    if (simple !== undefined) return simple;
    if (c >= '0' && c <= '7') {
      let end = this.pos;
      while (end < at + 4 && t.charAt(end) >= '0' && t.charAt(end) <= '7') end++;
      this.pos = end;
      return String.fromCharCode(parseInt(t.slice(at + 1, end), 8));
    }
    const width = HEX_ESCAPE_WIDTH.get(c);
    if (width !== undefined) {
      const digits = t.slice(this.pos, this.pos + width);
      if (digits.length < width || !HEX_DIGITS.test(digits)) this.fail(`truncated \\${c} escape (needs ${width} hex digits)`, at);
      const cp = parseInt(digits, 16);
      if (cp > 0x10ffff) this.fail('illegal Unicode character in \\U escape', at);
      this.pos += width;
      return String.fromCodePoint(cp);
    }
    if (c === 'N') this.fail('\\N{...} named escapes are not supported', at);
    // Unknown escapes keep their backslash; the character itself is scanned normally.
    this.pos = at + 1;
    return '\\';
  }

  /** Skip blanks, comments and line continuations; newlines only inside brackets (or at the ends). */
  private skipSpace(newlines: boolean): void {
    const t = this.text;
    for (;;) {
      const c = t.charAt(this.pos);
      if (c === ' ' || c === '\t' || c === '\f' || ((c === '\n' || c === '\r') && (newlines || this.depth > 0))) {
        this.pos++;
      } else if (c === '#') {
        while (this.pos < t.length && t[this.pos] !== '\n' && t[this.pos] !== '\r') this.pos++;
      } else if (c === '\\' && (t.charAt(this.pos + 1) === '\n' || t.charAt(this.pos + 1) === '\r')) {
        this.pos += t.startsWith('\r\n', this.pos + 1) ? 3 : 2;
      } else {
        return;
      }
    }
  }

  private peek(): string {
    return this.text.charAt(this.pos);
  }

  private describe(): string {
    return this.pos >= this.text.length ? 'end of input' : JSON.stringify(String.fromCodePoint(this.text.codePointAt(this.pos) as number));
  }

  private fail(reason: string, offset = this.pos, where = 'at'): never {
    throw new PythonLiteralError(reason, this.text, Math.min(offset, this.text.length), where);
  }
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
