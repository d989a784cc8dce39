import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { dedent, firstPythonBlock, isDoneReply, pythonCommand } from './text-protocol';

describe('firstPythonBlock (the reference regex)', () => {
  it('returns only the first block', () => {
    expect(firstPythonBlock('a\n```python\nprint(1)\n```\nb\n```python\nprint(2)\n```')).toBe('print(1)');
  });

  it('needs a newline after the tag (spaces allowed) and one before the closing fence', () => {
    expect(firstPythonBlock('```python   \nx = 1\n```')).toBe('x = 1');
    expect(firstPythonBlock('```python x = 1\n```')).toBeNull();
    expect(firstPythonBlock('```python\nx = 1```')).toBeNull();
    expect(firstPythonBlock('```py\nx = 1\n```')).toBeNull();
    expect(firstPythonBlock('no code here')).toBeNull();
  });

  it('takes the shortest body, across lines', () => {
    expect(firstPythonBlock('```python\na\n\nb\n```\n```')).toBe('a\n\nb');
  });
});

describe('dedent (textwrap.dedent semantics)', () => {
  it('removes the common margin and empties whitespace-only lines', () => {
    expect(dedent('    a\n      b\n  \n    c')).toBe('a\n  b\n\nc');
  });

  it('keeps text without a common margin, and treats tabs and spaces as different', () => {
    expect(dedent('a\n    b')).toBe('a\n    b');
    expect(dedent('\t a\n\t  b')).toBe('a\n b');
    expect(dedent('\ta\n    b')).toBe('\ta\n    b');
  });

  it('splits lines on \\n only, as Python does', () => {
    expect(dedent('  a\r\n  b')).toBe('a\r\nb');
  });
});

describe('isDoneReply', () => {
  it('is an exact, case-insensitive match without stripping', () => {
    expect(['DONE', 'done', 'Done'].map(isDoneReply)).toEqual([true, true, true]);
    expect(['DONE\n', ' done', 'Done.', 'DONE!'].map(isDoneReply)).toEqual([false, false, false, false]);
  });
});

describe('pythonCommand', () => {
  it('quotes the code so sh passes it to python unchanged', () => {
    const code = `print("it's $HOME and \`x\`")\nprint('\\n')`;
    const command = pythonCommand(code, 'printf %s');
    expect(command.startsWith("printf %s -c '")).toBe(true);
    // sh hands the quoted code to printf as-is: printf %s -c CODE prints "-c" then the code.
    expect(execFileSync('sh', ['-c', command], { encoding: 'utf8' })).toBe(`-c${code}`);
  });
});
