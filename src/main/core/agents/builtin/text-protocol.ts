/**
 * How the reference agent reads a reply (harness doc §5.1), reproduced to the character: the
 * `<user-tool>` trigger, the exact "done" ending, the first ```python block, textwrap.dedent.
 */
import { shellQuote } from '../../engine/container-runtime';

/** The user tool runs when this appears anywhere in the reply (checked before anything else). */
export const USER_TOOL_TAG = '<user-tool>';

/** Python's `reply.lower() == "done"`: no stripping, so "DONE\n" and "Done." do not end. */
export function isDoneReply(reply: string): boolean {
  return reply.toLowerCase() === 'done';
}

/** The first match of the reference agent's `r"```python\s*\n(.*?)\n```"` (DOTALL), or null. */
export function firstPythonBlock(reply: string): string | null {
  const match = /```python\s*\n([\s\S]*?)\n```/.exec(reply);
  return match ? (match[1] ?? '') : null;
}

/**
 * Python's textwrap.dedent: lines of only spaces and tabs become empty, then the longest common
 * run of leading whitespace of the other lines is removed. Lines are split on "\n" only, as
 * Python's re.MULTILINE does (JavaScript's `m` flag would also split on "\r").
 */
export function dedent(text: string): string {
  const lines = text.split('\n').map((line) => (/^[ \t]+$/.test(line) ? '' : line));
  let margin: string | null = null;
  for (const line of lines) {
    if (line === '') continue;
    const indent = /^[ \t]*/.exec(line)![0];
    // A line of only whitespace was emptied above, so every remaining line has content after its indent.
    if (margin === null) margin = indent;
    else if (indent.startsWith(margin)) continue;
    else if (margin.startsWith(indent)) margin = indent;
    else {
      let i = 0;
      while (i < margin.length && i < indent.length && margin[i] === indent[i]) i++;
      margin = margin.slice(0, i);
    }
  }
  if (!margin) return lines.join('\n');
  const cut = margin;
  return lines.map((line) => (line.startsWith(cut) ? line.slice(cut.length) : line)).join('\n');
}

/** The reference agent's command: `python -c <quoted code>`, run by `sh -c` in the repo. */
export function pythonCommand(code: string, interpreter = 'python'): string {
  return `${interpreter} -c ${shellQuote(code)}`;
}
