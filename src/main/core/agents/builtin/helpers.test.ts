import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TaskDetail } from '../../../../shared/tasks';
import { makeTempDir } from '../../../../../tests/helpers/temp-dir';
import { trimToFit, truncateMiddle, type ChatMessage } from './context';
import {
  buildTaskPrompt,
  firstUserMessage,
  formatPrice,
  OFFICIAL_ADDITIONAL_INSTRUCTIONS,
  resolveInstructions,
  TOOLS_ADDITIONAL_INSTRUCTIONS,
} from './prompts';
import { useSampleTasks } from '../../../../../tests/helpers/sample-tasks';
import { callFromText, parseArguments, toolsFor } from './tool-calls';

const task = useSampleTasks();

describe('task prompts', () => {
  it('formats prices as Python floats', () => {
    expect([500, 250, 8000, 1234.5].map(formatPrice)).toEqual(['500.0', '250.0', '8000.0', '1234.5']);
  });

  it('IC: title, description, $price, repo and the user tool as the protocol reaches it', () => {
    const t = task('9002');
    const official = buildTaskPrompt(t, 'official');
    expect(official).toContain(t.title);
    expect(official).toContain(t.description);
    expect(official).toContain('$500.0');
    expect(official).toContain('/app/sample');
    expect(official).toContain('<user-tool>');
    const tools = buildTaskPrompt(t, 'tools');
    expect(tools).not.toContain('<user-tool>');
    expect(tools).toContain('`user_tool`');
  });

  it('manager: every proposal in the official block format, the price without $, how to decide', () => {
    const t = task('9101-manager-0');
    const prompt = buildTaskPrompt(t, 'official');
    for (const p of t.proposals) expect(prompt).toContain(`Proposal: ${p.id}:\n\n${p.content}\n\n${'-'.repeat(44)}\n\n`);
    expect(prompt).toContain('1000.0');
    expect(prompt).not.toContain('$1000.0');
    expect(prompt).toContain('/app/sample/manager_decisions.json');
    expect(buildTaskPrompt(t, 'tools')).toContain('submit_decision');
  });

  it("uses the old schema's prompt column as it is, whatever the protocol", () => {
    const t: TaskDetail = { ...task('9002'), prompt: [{ role: 'user', content: 'first part' }, { role: 'user', content: 'second part' }] };
    expect(buildTaskPrompt(t, 'official')).toBe('first part\n\nsecond part');
    expect(firstUserMessage(t, 'tools', 'INSTR')).toBe('first part\n\nsecond part\n\nINSTR');
  });

  it('takes replacement instructions from a file, inline text, or the protocol default', () => {
    const { dir, cleanup } = makeTempDir();
    const file = path.join(dir, 'published.txt');
    writeFileSync(file, 'published instructions');
    expect(resolveInstructions({ protocol: 'official', additionalInstructionsFile: file, additionalInstructions: 'inline' })).toBe('published instructions');
    expect(resolveInstructions({ protocol: 'official', additionalInstructions: 'inline' })).toBe('inline');
    expect(resolveInstructions({ protocol: 'official' })).toBe(OFFICIAL_ADDITIONAL_INSTRUCTIONS);
    expect(resolveInstructions({ protocol: 'tools' })).toBe(TOOLS_ADDITIONAL_INSTRUCTIONS);
    expect(() => resolveInstructions({ protocol: 'tools', additionalInstructionsFile: path.join(dir, 'missing.txt') })).toThrow(/missing\.txt/);
    cleanup();
  });
});

describe('context and observations', () => {
  it('truncates the middle, keeping head and tail and saying what was cut', () => {
    const text = `HEAD${'x'.repeat(1000)}\n${'y'.repeat(1000)}TAIL`;
    const out = truncateMiddle(text, 100);
    expect(out.startsWith('HEADxxx')).toBe(true);
    expect(out.endsWith('yyyTAIL')).toBe(true);
    expect(out).toContain(`${text.length - 100} characters (1 line breaks) cut`);
    expect(truncateMiddle('short', 100)).toBe('short');
  });

  it('drops messages[1] until it fits, never the first, with the tool results of a dropped call', () => {
    const m = (role: ChatMessage['role'], content: string, extra: Partial<ChatMessage> = {}): ChatMessage => ({ role, content, ...extra });
    const messages: ChatMessage[] = [
      m('user', 'task'),
      m('assistant', null as unknown as string, { tool_calls: [{ id: 'a', type: 'function', function: { name: 'bash', arguments: '{}' } }] }),
      m('tool', 'out a', { tool_call_id: 'a' }),
      m('assistant', 'b'),
      m('user', 'c'),
    ];
    const count = (ms: readonly ChatMessage[]): number => ms.length;
    // Four messages would fit, but not with a tool result whose call is gone.
    expect(trimToFit(messages, 4, count)).toBe(2);
    expect(messages.map((x) => x.content)).toEqual(['task', 'b', 'c']);
    expect(trimToFit(messages, 0, count)).toBe(2);
    expect(messages.map((x) => x.content)).toEqual(['task']);
  });
});

describe('tool calls', () => {
  it('offers user_tool on IC tasks and submit_decision on manager tasks', () => {
    expect(toolsFor('ic_swe').map((t) => t.function.name)).toEqual(['bash', 'python', 'edit_file', 'write_file', 'user_tool', 'finish']);
    expect(toolsFor('swe_manager').map((t) => t.function.name)).toEqual(['bash', 'python', 'edit_file', 'write_file', 'submit_decision', 'finish']);
  });

  it('reads calls written as text: <tool_call>, a bare or fenced JSON object, code blocks', () => {
    expect(callFromText('Let me look.\n<tool_call>\n{"name": "bash", "arguments": {"command": "ls"}}\n</tool_call>')).toMatchObject({
      name: 'bash',
      arguments: { command: 'ls' },
    });
    expect(callFromText('{"name": "finish", "arguments": {}}')).toMatchObject({ name: 'finish', arguments: {} });
    expect(callFromText('```json\n{"name": "python", "parameters": "{\\"code\\": \\"1\\"}"}\n```')).toMatchObject({
      name: 'python',
      arguments: '{"code": "1"}',
    });
    expect(callFromText('Run this:\n```sh\ngit status\n```')).toMatchObject({ name: 'bash', arguments: { command: 'git status' } });
    expect(callFromText('```python\nprint(1)\n```')).toMatchObject({ name: 'python', arguments: { code: 'print(1)' } });
    expect(callFromText('```diff\n-a\n+b\n```')).toBeNull();
    expect(callFromText('I think the fix is done.')).toBeNull();
  });

  it('parses arguments, and words the error for malformed ones', () => {
    expect(parseArguments('{"command":"ls"}')).toEqual({ ok: true, value: { command: 'ls' } });
    expect(parseArguments({ command: 'ls' })).toEqual({ ok: true, value: { command: 'ls' } });
    expect(parseArguments('')).toEqual({ ok: true, value: {} });
    expect(parseArguments('{"command": "ls')).toMatchObject({ ok: false, error: expect.stringMatching(/not valid JSON/) });
    expect(parseArguments('[1]')).toMatchObject({ ok: false, error: expect.stringMatching(/JSON object/) });
  });
});
