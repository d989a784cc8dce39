import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parsePythonLiteral, parsePythonLiteralTyped, PythonLiteralError, type PyValue } from './python-literal';
import { floatRepr, PyFloat, PyTuple, strRepr, toPythonRepr, type ReprValue } from './python-repr';

// ---------------------------------------------------------------------------------------------
// helpers

const pythonAvailable = (() => {
  const r = spawnSync('python3', ['-c', 'import sys; print(sys.version_info[0])'], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() === '3';
})();

/** Run one python3 process with `input` on stdin and return its stdout (UTF-8 both ways). */
function runPython(script: string, input: string): string {
  const r = spawnSync('python3', ['-W', 'ignore', '-c', script], {
    input,
    encoding: 'utf8',
    maxBuffer: 1 << 28,
    env: { ...process.env, PYTHONIOENCODING: 'utf-8', PYTHONUTF8: '1' },
  });
  if (r.status !== 0) throw new Error(`python3 failed: ${r.stderr}`);
  return r.stdout;
}

/** Python's verdict for each text: repr(ast.literal_eval(text)) or "ERROR". */
function pythonReprs(texts: string[]): string[] {
  const script = `
import ast, json, sys
out = []
for s in json.load(sys.stdin):
    try:
        out.append(repr(ast.literal_eval(s)))
    except Exception:
        out.append('ERROR')
sys.stdout.write(json.dumps(out))
`;
  return JSON.parse(runPython(script, JSON.stringify(texts))) as string[];
}

/** Our verdict in the same shape as `pythonReprs`. */
function ourRepr(text: string): string {
  try {
    return toPythonRepr(parsePythonLiteralTyped(text));
  } catch (err) {
    if (err instanceof PythonLiteralError) return 'ERROR';
    throw err;
  }
}

function parseError(text: string, options?: { maxDepth?: number }): PythonLiteralError {
  try {
    parsePythonLiteral(text, options);
  } catch (err) {
    if (err instanceof PythonLiteralError) return err;
    throw new Error(`expected PythonLiteralError, got ${String(err)}`);
  }
  throw new Error(`expected ${JSON.stringify(text.slice(0, 80))} to fail`);
}

/** Non-mutating twin of the parser's marker erasure, for building expectations. */
function plain(v: ReprValue): PyValue {
  if (v instanceof PyFloat) return v.value;
  if (v instanceof PyTuple) return v.items.map(plain);
  if (Array.isArray(v)) return v.map(plain);
  if (v !== null && typeof v === 'object') {
    const out: { [key: string]: PyValue } = Object.create(null);
    for (const [k, item] of Object.entries(v)) out[k] = plain(item);
    return out;
  }
  return v;
}

function dict(entries: [string, PyValue][]): { [key: string]: PyValue } {
  const out: { [key: string]: PyValue } = Object.create(null);
  for (const [k, v] of entries) out[k] = v;
  return out;
}

// ---------------------------------------------------------------------------------------------
// parsing

describe('parsePythonLiteral: scalars', () => {
  it.each([
    ['True', true],
    ['False', false],
    ['None', null],
    ['0', 0],
    ['2000000', 2000000],
    ['-7', -7],
    ['+7', 7],
    ['- 7', -7],
    ['1_000_000', 1000000],
    ['00', 0],
    ['0_0', 0],
    ['0x_1F', 31],
    ['0XfF', 255],
    ['0o17', 15],
    ['0O17', 15],
    ['0b101', 5],
    ['-0x10', -16],
    ['1000.0', 1000],
    ['1.5', 1.5],
    ['1e+16', 1e16],
    ['1.5e-07', 1.5e-7],
    ['1E5', 1e5],
    ['.5', 0.5],
    ['5.', 5],
    ['1.e5', 1e5],
    ['1_000.000_1', 1000.0001],
    ['1e1_0', 1e10],
    ['09.5', 9.5],
    ['0e0', 0],
    ['-2.5', -2.5],
    ['1e400', Infinity],
  ] as [string, PyValue][])('%s', (text, expected) => {
    expect(parsePythonLiteral(text)).toBe(expected);
  });

  it('keeps -0.0 as negative zero but -0 as integer zero', () => {
    expect(Object.is(parsePythonLiteral('-0.0'), -0)).toBe(true);
    expect(Object.is(parsePythonLiteral('-0'), 0)).toBe(true);
  });

  it('turns ints outside the safe range into bigints', () => {
    expect(parsePythonLiteral('9007199254740991')).toBe(9007199254740991);
    expect(parsePythonLiteral('9007199254740992')).toBe(9007199254740992n);
    expect(parsePythonLiteral('-9007199254740992')).toBe(-9007199254740992n);
    expect(parsePythonLiteral('123456789012345678901234567890')).toBe(123456789012345678901234567890n);
    expect(parsePythonLiteral('0x' + 'f'.repeat(40))).toBe(BigInt('0x' + 'f'.repeat(40)));
  });

  it('marks floats and tuples in typed mode', () => {
    expect(parsePythonLiteralTyped('1000.0')).toEqual(new PyFloat(1000));
    expect(parsePythonLiteralTyped('1000')).toBe(1000);
    expect(parsePythonLiteralTyped('(1, 2.0)')).toEqual(new PyTuple([1, new PyFloat(2)]));
  });
});

describe('parsePythonLiteral: strings', () => {
  it.each([
    [`'abc'`, 'abc'],
    [`"abc"`, 'abc'],
    [`"it's"`, "it's"],
    [`'it\\'s'`, "it's"],
    [`'say "hi"'`, 'say "hi"'],
    [`'a\\nb\\rc\\td'`, 'a\nb\rc\td'],
    [`'\\\\'`, '\\'],
    [`'\\"'`, '"'],
    [`'\\a\\b\\f\\v'`, '\x07\b\f\v'],
    [`'\\x41\\x7f\\xa0\\xff'`, 'A\x7f\xa0\xff'],
    [`'\\u00e9\\u200d\\u063a'`, 'é\u200d\u063a'],
    [`'\\U0001F600'`, '😀'],
    [`'\\U0010ffff'`, '\u{10ffff}'],
    [`'\\udc80'`, '\udc80'],
    [`'\\0'`, '\0'],
    [`'\\0a'`, '\0a'],
    [`'\\101'`, 'A'],
    [`'\\1234'`, 'S4'],
    [`'\\777'`, '\u01ff'],
    [`'\\d\\w\\8'`, '\\d\\w\\8'],
    [`'a\\\nb'`, 'ab'],
    [`'a\\\r\nb'`, 'ab'],
    [`'a\\\rb'`, 'ab'],
    [`'’ é 中 😀'`, '’ é 中 😀'],
    [`'''a'b"c'''`, `a'b"c`],
    [`"""multi\nline"""`, 'multi\nline'],
    [`'''a\r\nb\rc'''`, 'a\nb\nc'],
    [`'''x''''''y'''`, 'xy'],
    [`''`, ''],
    [`""""""`, ''],
    [`r'\\n\\d'`, '\\n\\d'],
    [`R'\\''`, "\\'"],
    [`r'a\\\nb'`, 'a\\\nb'],
    [`r'''\\''''`, "\\'"],
    [`u'x'`, 'x'],
    [`U"x"`, 'x'],
    [`'a' 'b'`, 'ab'],
    [`'a' "b" r'\\n' u'c'`, 'ab\\nc'],
    [`('a'\n 'b')`, 'ab'],
    [`'a' \\\n 'b'`, 'ab'],
  ])('%j', (text, expected) => {
    expect(parsePythonLiteral(text)).toBe(expected);
  });
});

describe('parsePythonLiteral: documented deviations', () => {
  it('joins an escaped surrogate pair into one character (Python keeps two lone surrogates)', () => {
    expect(parsePythonLiteral(`'\\ud83d\\ude00'`)).toBe('😀');
    expect(parsePythonLiteral(`'\\ude00\\ud83d'`)).toBe('\ude00\ud83d');
  });

  it('keeps keys that Python would merge because 1 == 1.0 == True', () => {
    expect(Object.keys(parsePythonLiteral('{1: 0, 1.0: 0, True: 0}') as object)).toEqual(['1', '1.0', 'True']);
  });

  it('enumerates integer-like keys first, as every JS object does', () => {
    expect(Object.keys(parsePythonLiteral(`{'b': 1, '2': 2, 'a': 3, '1': 4}`) as object)).toEqual(['1', '2', 'b', 'a']);
  });
});

describe('parsePythonLiteral: containers', () => {
  it('parses lists, tuples and nesting with trailing commas', () => {
    expect(parsePythonLiteral('[1, [2, [3]], []]')).toEqual([1, [2, [3]], []]);
    expect(parsePythonLiteral('[1, 2,]')).toEqual([1, 2]);
    expect(parsePythonLiteral('(1, 2)')).toEqual([1, 2]);
    expect(parsePythonLiteral('(1,)')).toEqual([1]);
    expect(parsePythonLiteral('()')).toEqual([]);
    expect(parsePythonLiteral('(1)')).toBe(1);
    expect(parsePythonLiteral('((1))')).toBe(1);
    expect(parsePythonLiteral('((1,),)')).toEqual([[1]]);
    expect(parsePythonLiteralTyped('((1,),)')).toEqual(new PyTuple([new PyTuple([1])]));
  });

  it('accepts an unparenthesised tuple at top level, like literal_eval', () => {
    expect(parsePythonLiteralTyped('1, 2')).toEqual(new PyTuple([1, 2]));
    expect(parsePythonLiteralTyped('None,')).toEqual(new PyTuple([null]));
    expect(parsePythonLiteralTyped('1,\n')).toEqual(new PyTuple([1]));
  });

  it('parses dicts into null-prototype objects', () => {
    const v = parsePythonLiteral(`{'a': 1, "b": [True, None], 'c': {'d': 1.5},}`);
    expect(v).toEqual(dict([['a', 1], ['b', [true, null]], ['c', dict([['d', 1.5]])]]));
    expect(Object.getPrototypeOf(v)).toBeNull();
    expect(Object.getPrototypeOf(parsePythonLiteral('{}'))).toBeNull();
  });

  it("treats '__proto__' and 'constructor' as ordinary keys", () => {
    const v = parsePythonLiteral(`{'__proto__': {'polluted': 1}, 'constructor': 2}`) as Record<string, PyValue>;
    expect(Object.keys(v)).toEqual(['__proto__', 'constructor']);
    expect(v['__proto__']).toEqual(dict([['polluted', 1]]));
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('keeps the last value of a duplicate key at the first position, as Python does', () => {
    const v = parsePythonLiteral(`{'a': 1, 'b': 2, 'a': 3}`) as Record<string, PyValue>;
    expect(v).toEqual(dict([['a', 3], ['b', 2]]));
    expect(Object.keys(v)).toEqual(['a', 'b']);
  });

  it("stringifies non-string keys the way Python's str() does", () => {
    const v = parsePythonLiteral(`{1: 'a', -2: 'b', 1.0: 'c', 1e16: 'd', None: 'e', True: 'f', (1, 'x', 2.5): 'g', (): 'h', ((1,),): 'i'}`);
    expect(v).toEqual(
      dict([
        ['1', 'a'],
        ['-2', 'b'],
        ['1.0', 'c'],
        ['1e+16', 'd'],
        ['None', 'e'],
        ['True', 'f'],
        ["(1, 'x', 2.5)", 'g'],
        ['()', 'h'],
        ['((1,),)', 'i'],
      ]),
    );
  });

  it('parses sets as arrays without duplicates', () => {
    expect(parsePythonLiteral('{1, 2, 1, "a", "a",}')).toEqual([1, 2, 'a']);
    expect(parsePythonLiteral('set()')).toEqual([]);
    expect(parsePythonLiteral('[set( \n)]')).toEqual([[]]);
    expect(parseError('set').message).toContain("unexpected name 'set'");
    expect(parseError('set([1])').message).toContain("unexpected name 'set'");
    expect(parsePythonLiteral('{(1, 2), (1, 2)}')).toEqual([[1, 2]]);
  });

  it('accepts newlines, comments and continuations between tokens', () => {
    const text = `# header comment\n{\n  'a': [\n    1,  # one\n    2,\n  ],\r\n  'b':\t\f(3,\n),\n}\n\n`;
    expect(parsePythonLiteral(text)).toEqual(dict([['a', [1, 2]], ['b', [3]]]));
    expect(parsePythonLiteral('- \\\n1')).toBe(-1);
    expect(parsePythonLiteral('\n\n  [1]  ')).toEqual([1]);
  });

  it('parses a manager_data-shaped record', () => {
    const text =
      `{'all_proposals': [{'author': 'dev', 'proposed_changes': "<!-- it's -->\\r\\nUse \`x\`"}], ` +
      `'game': {'correct_proposal_scraped_beforehand': False, 'all_formal_proposals': [{'id': 0, 'source_url': 'https://x', 'content': 'a\\u200db', 'explanation': ''}], ` +
      `'correct_proposal': {'id': 0, 'approval_comment_url': 'https://y', 'explanation': 'ok'}}, 'price': 1000.0, 'title': "[$1000] Fix 'x'", ` +
      `'issue_repo_steps': 'Steps:\\n1. …', 'html_description': '<p>\\xa0</p>', 'fix_commit_hash': 'abc123'}`;
    const v = parsePythonLiteral(text) as Record<string, PyValue>;
    const game = v['game'] as Record<string, PyValue>;
    expect(v['price']).toBe(1000);
    expect(v['title']).toBe("[$1000] Fix 'x'");
    expect(v['html_description']).toBe('<p>\xa0</p>');
    expect((game['correct_proposal'] as Record<string, PyValue>)['id']).toBe(0);
    expect(toPythonRepr(parsePythonLiteralTyped(text))).toBe(text);
  });
});

describe('parsePythonLiteral: errors', () => {
  it.each([
    [`{'a': 1, 'b': 'xyz}`, 1, 15, 'unterminated string starting at line 1, column 15'],
    [`[\n  1,\n  2 3\n]`, 3, 5, `expected ',' or ']' but found "3" at line 3, column 5`],
    [`[1,\r\n@]`, 2, 1, 'expected a value but found "@" at line 2, column 1'],
    [`[1,\r@]`, 2, 1, 'expected a value'],
    [`1 2`, 1, 3, 'expected end of input but found "2"'],
    [``, 1, 1, 'expected a value but found end of input at line 1, column 1'],
    [`[1, 2`, 1, 6, `expected ',' or ']' but found end of input`],
    [`{'a' 1}`, 1, 6, `expected ',' or '}' but found "1"`],
    [`{'a': 1, 'b'}`, 1, 13, `expected ':' after dict key but found "}"`],
    [`{1, 2: 3}`, 1, 6, `expected ',' or '}' but found ":"`],
    [`[,]`, 1, 2, 'expected a value but found ","'],
    [`(,)`, 1, 2, 'expected a value'],
    [`'''abc`, 1, 1, 'unterminated string starting at line 1, column 1'],
    [`'abc\ndef'`, 1, 1, 'unterminated string'],
    [`'a\rb'`, 1, 1, 'unterminated string'],
    [`'ab\\x4'`, 1, 4, 'truncated \\x escape (needs 2 hex digits) at line 1, column 4'],
    [`'\\u12g4'`, 1, 2, 'truncated \\u escape'],
    [`'\\U00110000'`, 1, 2, 'illegal Unicode character'],
    [`'\\N{BULLET}'`, 1, 2, '\\N{...} named escapes are not supported at line 1, column 2'],
    [`inf`, 1, 1, "unexpected name 'inf'"],
    [`-inf`, 1, 2, "expected a number after '-'"],
    [`nan`, 1, 1, "unexpected name 'nan'"],
    [`[1, true]`, 1, 5, "unexpected name 'true'"],
    [`True1`, 1, 1, "unexpected name 'True1'"],
    [`--1`, 1, 2, "expected a number after '-'"],
    [`-True`, 1, 2, "expected a number after '-'"],
    [`-'a'`, 1, 2, "expected a number after '-'"],
    [`-\n1`, 1, 2, "expected a number after '-'"],
    [`-.`, 1, 2, 'invalid number literal'],
    [`1__0`, 1, 2, 'invalid number literal'],
    [`1_`, 1, 2, 'invalid number literal'],
    [`1e`, 1, 2, 'invalid number literal'],
    [`1._5`, 1, 3, 'invalid number literal'],
    [`1.5.3`, 1, 4, 'invalid number literal'],
    [`0x`, 1, 2, 'invalid number literal'],
    [`0b2`, 1, 2, 'invalid number literal'],
    [`0o8`, 1, 2, 'invalid number literal'],
    [`017`, 1, 1, 'leading zeros'],
    [`0_7`, 1, 1, 'leading zeros'],
    [`1j`, 1, 1, 'complex numbers are not supported'],
    [`1.5J`, 1, 1, 'complex numbers'],
    [`b'x'`, 1, 1, 'bytes literals are not supported'],
    [`'a' b'x'`, 1, 5, 'bytes literals'],
    [`f'x'`, 1, 1, 'f-strings are not literals'],
    [`ur'x'`, 1, 1, "invalid string prefix 'ur'"],
    [`{[1]: 2}`, 1, 1, 'unhashable'],
    [`{{1}}`, 1, 1, 'unhashable'],
    [`{(1, [2]): 3}`, 1, 1, 'unhashable'],
    [`{'a': 1}}`, 1, 9, 'expected end of input'],
    [`'a'\n'b'`, 2, 1, 'expected end of input'],
    [`1,\n2`, 2, 1, 'expected end of input'],
    [`2**3`, 1, 2, 'expected end of input but found "*"'],
    [`[1]\0`, 1, 4, 'null character in source'],
    [`'\0'`, 1, 2, 'null character'],
    [`[1,\n 😀]`, 2, 2, 'expected a value but found "😀"'],
    [`\u00a01`, 1, 1, 'expected a value'],
    [`\v1`, 1, 1, 'expected a value'],
    [`['ok', '\udc00']`, 1, 9, 'lone surrogate in source'],
  ])('%j', (text, line, column, message) => {
    const err = parseError(text);
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('PythonLiteralError');
    expect(err.message).toContain(message);
    expect(err.message).toContain(`at line ${line}, column ${column}`);
    expect([err.line, err.column]).toEqual([line, column]);
  });

  it('reports the offset and reason separately', () => {
    const err = parseError(`[1, 2 3]`);
    expect(err.offset).toBe(6);
    expect(err.reason).toBe(`expected ',' or ']' but found "3"`);
  });

  it('enforces maxDepth and maxLength', () => {
    expect(parsePythonLiteral('[[[1]]]', { maxDepth: 3 })).toEqual([[[1]]]);
    expect(parseError('[[[[1]]]]', { maxDepth: 3 }).message).toContain('nesting deeper than maxDepth (3) at line 1, column 4');
    expect(() => parsePythonLiteral('[1, 2, 3]', { maxLength: 5 })).toThrow(/input longer than maxLength \(5\)/);
    expect(() => parsePythonLiteral('[1, 2, 3]', { maxLength: 5 })).toThrow(PythonLiteralError);
  });

  it('refuses decimal ints longer than Python 3.11 converts (4300 digits)', () => {
    expect(parsePythonLiteral('9'.repeat(4300))).toBe(BigInt('9'.repeat(4300)));
    expect(parseError('9'.repeat(4301)).message).toContain('integer literal longer than 4300 digits');
  });
});

describe('parsePythonLiteral: adversarial input', () => {
  it.each(['[', '(', '{', "{'a': ", '[(', '-'])('%j repeated 100,000 times fails on depth, not the stack', (unit) => {
    const err = parseError(unit.repeat(100_000));
    expect(err.message).toMatch(unit === '-' ? /expected a number/ : /nesting deeper than maxDepth \(100\)/);
  });

  it('turns JS stack exhaustion into a PythonLiteralError when maxDepth is huge', () => {
    expect(parseError('['.repeat(1_000_000), { maxDepth: 10_000_000 }).message).toContain('nesting too deep');
  });

  it('parses a 5 MB string literal, with and without escapes', () => {
    const big = 'a’'.repeat(2_500_000);
    expect(parsePythonLiteral(`'${big}'`)).toBe(big);
    expect(parsePythonLiteral(`'${'\\n'.repeat(2_500_000)}'`)).toBe('\n'.repeat(2_500_000));
    expect(parsePythonLiteral(`r'${'\\x'.repeat(2_500_000)}'`)).toBe('\\x'.repeat(2_500_000));
    expect(parsePythonLiteral(toPythonRepr(big + "'\0"))).toBe(big + "'\0");
  });

  it('fails fast on a 5 MB unterminated string and on 1 MB of digits', () => {
    expect(parseError(`['${'a'.repeat(5_000_000)}`).message).toContain('unterminated string starting at line 1, column 2');
    expect(parseError('1'.repeat(1_000_000)).message).toContain('integer literal longer');
    expect(parsePythonLiteral(`${'1'.repeat(1_000_000)}.0`)).toBe(Infinity);
  });

  it('handles a million elements and many adjacent strings', () => {
    expect((parsePythonLiteral(`[${'1,'.repeat(1_000_000)}]`) as PyValue[]).length).toBe(1_000_000);
    expect(parsePythonLiteral(`${"'ab' ".repeat(100_000)}`)).toBe('ab'.repeat(100_000));
  });
});

// ---------------------------------------------------------------------------------------------
// repr

describe('toPythonRepr', () => {
  it.each([
    ['', `''`],
    ['abc', `'abc'`],
    ["it's", `"it's"`],
    [`say "hi"`, `'say "hi"'`],
    [`it's "x"`, `'it\\'s "x"'`],
    ['back\\slash', `'back\\\\slash'`],
    ['\n\r\t', `'\\n\\r\\t'`],
    ['\0\x01\x1f\x7f\x80\x9f\xa0', `'\\x00\\x01\\x1f\\x7f\\x80\\x9f\\xa0'`],
    ['\x07\b\f\v', `'\\x07\\x08\\x0c\\x0b'`],
    ['é ’ 中 😀 \u0301', `'é ’ 中 😀 \u0301'`],
    ['\xa1\xad\xff', `'\xa1\\xad\xff'`],
    ['\u200d\u2028\u3000\ufeff\uffff', `'\\u200d\\u2028\\u3000\\ufeff\\uffff'`],
    ['\ue000\udc80\ud800x', `'\\ue000\\udc80\\ud800x'`],
    ['\u{e0001}\u{10ffff}\u{f0000}', `'\\U000e0001\\U0010ffff\\U000f0000'`],
  ])('str %j', (value, expected) => {
    expect(strRepr(value)).toBe(expected);
    expect(toPythonRepr(value)).toBe(expected);
  });

  it.each([
    [1, '1.0'],
    [1000, '1000.0'],
    [-2.5, '-2.5'],
    [0, '0.0'],
    [-0, '-0.0'],
    [0.1, '0.1'],
    [1 / 3, '0.3333333333333333'],
    [0.0001, '0.0001'],
    [0.00001, '1e-05'],
    [1.5e-7, '1.5e-07'],
    [123456789012345.6, '123456789012345.6'],
    [1e15, '1000000000000000.0'],
    [9999999999999998, '9999999999999998.0'],
    [1e16, '1e+16'],
    [1.2345e16, '1.2345e+16'],
    [1e100, '1e+100'],
    [-1e-100, '-1e-100'],
    [5e-324, '5e-324'],
    [Number.MAX_VALUE, '1.7976931348623157e+308'],
    [Infinity, 'inf'],
    [-Infinity, '-inf'],
    [NaN, 'nan'],
  ])('float %s', (value, expected) => {
    expect(floatRepr(value)).toBe(expected);
    expect(toPythonRepr(new PyFloat(value))).toBe(expected);
  });

  it('prints safe integral numbers as ints and everything else as floats', () => {
    expect(toPythonRepr(2000000)).toBe('2000000');
    expect(toPythonRepr(-3)).toBe('-3');
    expect(toPythonRepr(0)).toBe('0');
    expect(toPythonRepr(-0)).toBe('-0.0');
    expect(toPythonRepr(1.5)).toBe('1.5');
    expect(toPythonRepr(2 ** 60)).toBe('1.152921504606847e+18');
    expect(toPythonRepr(2n ** 60n)).toBe('1152921504606846976');
    expect(toPythonRepr(-(10n ** 30n))).toBe('-1000000000000000000000000000000');
  });

  it('prints constants and containers with CPython separators', () => {
    expect(toPythonRepr(null)).toBe('None');
    expect(toPythonRepr(true)).toBe('True');
    expect(toPythonRepr(false)).toBe('False');
    expect(toPythonRepr([])).toBe('[]');
    expect(toPythonRepr([1, 'a', [null]])).toBe("[1, 'a', [None]]");
    expect(toPythonRepr({})).toBe('{}');
    expect(toPythonRepr({ a: 1, "b'": [true], c: {} })).toBe(`{'a': 1, "b'": [True], 'c': {}}`);
    expect(toPythonRepr(new PyTuple([]))).toBe('()');
    expect(toPythonRepr(new PyTuple([1]))).toBe('(1,)');
    expect(toPythonRepr(new PyTuple([1, new PyTuple(['x'])]))).toBe("(1, ('x',))");
    expect(toPythonRepr({ price: new PyFloat(1000) })).toBe("{'price': 1000.0}");
  });
});

// ---------------------------------------------------------------------------------------------
// agreement with CPython on hand-written literals

describe.skipIf(!pythonAvailable)('agreement with python3 ast.literal_eval', () => {
  // Only forms where we promise identical behaviour; documented deviations (str() dict keys,
  // \N{...}, bytes, complex, multi-element sets) are covered by the unit tests above.
  const corpus = [
    `{'a': 1, "b": 'x', 'c': [1.0, 2, None, True, False]}`,
    `{'a': 1, 'a': 2}`,
    `['it\\'s', "it's", 'say "x"', 'both \\' "', '\\\\']`,
    `'\\a\\b\\f\\v\\t\\n\\r\\0\\1\\12\\123\\1234\\400\\777\\8\\9\\d\\ \\x00\\x7f\\x80\\xa0\\xad\\xff'`,
    `'\\u0000\\u00e9\\u200d\\u2028\\udfff\\ud800\\U0001f600\\U000e0001\\U0010FFFF'`,
    `'a\\\nb' 'c\\\r\nd' r'e\\\nf'`,
    `'''x\r\ny\rz'''`,
    `r'\\'' r"\\"" R'\\\\' u'\\x41' U'b'`,
    `"""a"b""c""" '''''' ''`,
    `('a'\n'b', 'c'\\\n'd')`,
    `[0, -0, 00, 0_0, +5, - 5, 1_000, 0x_1f, 0XAB, 0o7_7, 0b1_0, -0x10, 9007199254740993, -123456789012345678901234567890]`,
    `[1.0, 1., .5, 1e5, 1E-5, 1.5e-07, 1e+16, 1e16, 1e15, 1_0.0_1e1_0, -0.0, 0e0, 09.5, 1e400, -1e400, 5e-324, 1e-400, 0.1, 2.675]`,
    `[123456789012345678.0, 1.7976931348623157e308, 4.9406564584124654e-324, 100000000000000000000000.0]`,
    `((), (1,), (1, 2), ((1,),), [()], (1))`,
    `1, 2`,
    `1,`,
    `{'k': {'': ()}}`,
    `{}`,
    `[1, 2, 3,]`,
    `{'a': 1,}`,
    `# comment\n[1, # one\n 2]\n`,
    `'unicode ’ é 中 😀 \u0301 \u00ad \u200b \u2028 \ue000'`,
    `-\n1`,
    `--1`,
    `-True`,
    `+-1`,
    `inf`,
    `nan`,
    `-inf`,
    `[1 2]`,
    `[,]`,
    `(,)`,
    `{1: 2, 3}`,
    `{1, 2: 3}`,
    `'abc`,
    `'''abc''`,
    `'a\nb'`,
    `'a\rb'`,
    `'\\x4'`,
    `'\\u12'`,
    `'\\U00110000'`,
    `1__0`,
    `1_`,
    `017`,
    `0_7`,
    `0x`,
    `0b2`,
    `1e`,
    `1._5`,
    `1.5.3`,
    `True1`,
    `None None`,
    `'a'\n'b'`,
    `[1]]`,
    `{[1]: 2}`,
    `{{1}}`,
    `{(1, [2]): 3}`,
    `2**3`,
    `1 + 2`,
    `ur'x'`,
    `f'x'`,
    `x`,
    `[1]\0`,
    `\u00a01`,
    ``,
  ];

  it('gives the same repr (or an error) for every corpus entry', () => {
    const python = pythonReprs(corpus);
    const ours = corpus.map(ourRepr);
    const rows = corpus.map((text, i) => ({ text, ours: ours[i], python: python[i] }));
    expect(rows.filter((r) => r.ours !== r.python)).toEqual([]);
    // The corpus must exercise both outcomes to mean anything.
    expect(python.filter((p) => p === 'ERROR').length).toBeGreaterThan(20);
    expect(python.filter((p) => p !== 'ERROR').length).toBeGreaterThan(20);
  });

  it("classifies every code point's printability like str.isprintable (except Unicode-version gaps)", () => {
    // Python prints one flag per code point: 1 printable, 0 not, u unassigned in its Unicode database.
    const script = `
import sys, unicodedata
sys.stdout.write(''.join('u' if unicodedata.category(chr(i)) == 'Cn' else '1' if chr(i).isprintable() else '0' for i in range(0x110000)))
`;
    const flags = runPython(script, '');
    expect(flags.length).toBe(0x110000);
    const unassignedHere = /\p{Cn}/u;
    const mismatches: string[] = [];
    for (let cp = 0x80; cp < 0x110000; cp++) {
      const ch = String.fromCodePoint(cp);
      const raw = strRepr(ch) === `'${ch}'`;
      const flag = flags[cp];
      if (flag === 'u' || unassignedHere.test(ch)) continue;
      if (raw !== (flag === '1')) mismatches.push(cp.toString(16));
    }
    expect(mismatches).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// properties

/**
 * Code points for generated strings: every escape class, surrogates, astral, and long-assigned
 * blocks only, so printable-ness cannot differ between the JS and the Python Unicode versions.
 * High surrogates come with a trailing 'x' so two units never pair up into an arbitrary
 * (possibly newly assigned) astral character.
 */
const codePoint = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0x20, max: 0x7e }) },
  fc.integer({ min: 0x00, max: 0x1f }),
  fc.integer({ min: 0x7f, max: 0x2ff }),
  fc.integer({ min: 0x370, max: 0x52f }),
  fc.integer({ min: 0x2000, max: 0x206f }),
  fc.integer({ min: 0x3000, max: 0x30ff }),
  fc.integer({ min: 0xdc00, max: 0xdfff }),
  fc.integer({ min: 0xe000, max: 0xe0ff }),
  fc.integer({ min: 0xfff0, max: 0xffff }),
  fc.integer({ min: 0x1f300, max: 0x1f5ff }),
  fc.integer({ min: 0xe0000, max: 0xe007f }),
  fc.integer({ min: 0x10fff0, max: 0x10ffff }),
  fc.constantFrom(0x27, 0x22, 0x5c, 0x0a, 0x0d, 0x09),
);
const pyChar = fc.oneof(
  { weight: 20, arbitrary: codePoint.map((cp) => String.fromCodePoint(cp)) },
  { weight: 1, arbitrary: fc.integer({ min: 0xd800, max: 0xdbff }).map((high) => String.fromCharCode(high) + 'x') },
);
const pyString = fc.string({ unit: pyChar, maxLength: 12 });
const dictKey = fc.oneof(pyString, fc.constantFrom('__proto__', 'constructor', 'toString', '0', '10', '-1', 'id'));
const unsafeBigInt = fc
  .bigInt({ min: 0n, max: 2n ** 200n })
  .chain((b) => fc.constantFrom(b + 2n ** 53n, -(b + 2n ** 53n)));
const scalar = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.maxSafeInteger(),
  fc.integer({ min: -1000, max: 1000 }),
  unsafeBigInt,
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => new PyFloat(d)),
  fc.constantFrom(1, 1e16, 1e15, 0.0001, 1e-5, 1.5e-7, 1000, 0.1, -0).map((d) => new PyFloat(d)),
  pyString,
);
const { value: reprValue } = fc.letrec<{ value: ReprValue; list: ReprValue[]; tuple: PyTuple; dict: { [key: string]: ReprValue } }>((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalar, tie('list'), tie('tuple'), tie('dict')),
  list: fc.array(tie('value'), { maxLength: 5 }),
  tuple: fc.array(tie('value'), { maxLength: 4 }).map((items) => new PyTuple(items)),
  dict: fc.dictionary(dictKey, tie('value'), { maxKeys: 5 }),
}));

function expectParsesOrLiteralError(text: string): void {
  for (const parse of [parsePythonLiteral, parsePythonLiteralTyped]) {
    try {
      parse(text);
    } catch (err) {
      if (!(err instanceof PythonLiteralError)) throw err;
      expect(err.offset).toBeGreaterThanOrEqual(0);
      expect(err.offset).toBeLessThanOrEqual(text.length);
    }
  }
}

describe('properties', () => {
  it('toPythonRepr output parses back to the same value (typed and plain)', () => {
    fc.assert(
      fc.property(reprValue, (v) => {
        const text = toPythonRepr(v);
        expect(parsePythonLiteralTyped(text)).toEqual(v);
        expect(parsePythonLiteral(text)).toEqual(plain(v));
        expect(toPythonRepr(parsePythonLiteralTyped(text))).toBe(text);
      }),
      { numRuns: 500 },
    );
  });

  it.skipIf(!pythonAvailable)("matches CPython: repr(ast.literal_eval(ours)) == ours for 200 random values", () => {
    const seed = Date.now() | 0;
    const texts = fc.sample(reprValue, { numRuns: 200, seed }).map(toPythonRepr);
    const python = pythonReprs(texts);
    const mismatches = texts.flatMap((text, i) => (python[i] === text ? [] : [{ ours: text, python: python[i] }]));
    expect(mismatches, `fast-check seed ${seed}`).toEqual([]);
  });

  const syntaxChar = fc.constantFrom(
    ...`[](){},:'"\\ \n\r\t#-+._0123456789eEjJxXoObBuUrRfFN{}TrueFalseNone\0é😀`.split(''),
    "'''",
    '"""',
    '\\x',
    '\\u',
    '\\U',
  );

  it('random text either parses or throws PythonLiteralError', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: syntaxChar, maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 40 })), (text) => {
        expectParsesOrLiteralError(text);
      }),
      { numRuns: 3000 },
    );
  });

  it('mutated valid reprs (truncated, inserted, deleted characters) parse or throw PythonLiteralError', () => {
    fc.assert(
      fc.property(
        reprValue,
        fc.nat(),
        fc.nat(),
        fc.string({ unit: syntaxChar, minLength: 1, maxLength: 3 }),
        fc.constantFrom('truncate', 'insert', 'delete', 'replace'),
        (v, a, b, insert, mode) => {
          const text = toPythonRepr(v);
          const i = a % (text.length + 1);
          const j = i + (b % 4);
          const mutated =
            mode === 'truncate'
              ? text.slice(0, i)
              : mode === 'insert'
                ? text.slice(0, i) + insert + text.slice(i)
                : mode === 'delete'
                  ? text.slice(0, i) + text.slice(j + 1)
                  : text.slice(0, i) + insert + text.slice(j + 1);
          expectParsesOrLiteralError(mutated);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('random bracket nesting never escapes as another error type', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('[', '(', '{', ']', ')', '}', ',', '1', ':'), maxLength: 400 }), (text) => {
        expectParsesOrLiteralError(text);
      }),
    );
  });
});
