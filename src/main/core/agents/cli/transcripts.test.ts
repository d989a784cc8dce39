/**
 * The transcript readers against outputs captured from the real binaries (tests/fixtures/
 * cli-agents, made by running each agent against the scripted model server with a script of a
 * failing `ls missing-dir`, then `echo fixed > answer.txt`, then a final message; paths
 * replaced by container-like ones). The server reported, over the three replies, 3300 prompt
 * tokens of which 1900 cached, 80 completion tokens of which 8 reasoning.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cliAgentNames } from '../../../../shared/cli-agents';
import type { AgentStep } from '../builtin/types';
import { CLI_OBSERVATION_MAX_CHARS, parseCliTranscript } from './transcripts';

const fixtureDir = path.resolve(import.meta.dirname, '../../../../../tests/fixtures/cli-agents');
const fixture = (name: string): string => readFileSync(path.join(fixtureDir, name), 'utf8');

const FULL_USAGE = { inputTokens: 3300, cachedTokens: 1900, outputTokens: 80, reasoningTokens: 8 };
const FINAL = 'Done: wrote answer.txt.';

/** The steps as `kind tool-or-text exit`, for comparing whole transcripts at a glance. */
function outline(steps: AgentStep[]): string[] {
  return steps.map((s) => {
    if (s.kind === 'tool') return `tool exit=${String(s.exitCode)}`;
    if (s.kind === 'note') return `note ${s.note ?? ''}`;
    if (s.toolCall) return `call ${s.toolCall.name} ${JSON.stringify(s.toolCall.arguments)}`;
    return `${s.note === 'reasoning' ? 'reasoning' : 'message'} ${s.message ?? ''}`;
  });
}

function expectWellFormed(steps: AgentStep[]): void {
  steps.forEach((s, i) => {
    expect(s.index).toBe(i);
    expect(new Date(s.at).toISOString()).toBe(s.at);
    expect(s.durationMs).toBeGreaterThanOrEqual(0);
    expect(s.fallback).toBe(false);
  });
}

describe('Codex', () => {
  const stdout = fixture('codex-exec.jsonl');
  const rollout = { name: '/tmp/lancer-agent/home/.codex/sessions/2026/11/29/rollout-2026-11-29T07-20-26-x.jsonl', text: fixture('codex-rollout.jsonl') };

  it('reads the rollout: real tool names, what the model was sent back, exit codes, times', () => {
    const t = parseCliTranscript('codex', { stdout, logs: [rollout] });
    expect(outline(t.steps)).toEqual([
      'reasoning Look around first.',
      'call exec_command {"cmd":"ls missing-dir"}',
      'tool exit=2',
      'message Now I will write the answer.',
      'call exec_command {"cmd":"echo fixed > answer.txt"}',
      'tool exit=0',
      `message ${FINAL}`,
    ]);
    expect(t.steps[1]!.toolCall!.raw).toBe('{"cmd":"ls missing-dir"}');
    expect(t.steps[2]!.observation).toMatch(/^Chunk ID: [\s\S]*^Process exited with code 2$[\s\S]*cannot access 'missing-dir'/m);
    expect(t.steps[0]!.at).toBe('2026-11-29T07:20:26.832Z');
    expectWellFormed(t.steps);
    expect(t.agentUsage).toEqual(FULL_USAGE);
    expect(t.finalMessage).toBe(FINAL);
  });

  it('falls back to the exec events without a rollout: the command line, its output and exit code, times from startedAt', () => {
    const t = parseCliTranscript('codex', { stdout, logs: [], startedAt: '2026-11-29T07:00:00.000Z' });
    expect(outline(t.steps)).toEqual([
      'note error: Model metadata for `scripted-model` not found. Defaulting to fallback metadata; this can degrade performance and cause issues.',
      `call shell {"command":"/bin/bash -lc 'ls missing-dir'"}`,
      'tool exit=2',
      'message Now I will write the answer.',
      `call shell {"command":"/bin/bash -lc 'echo fixed > answer.txt'"}`,
      'tool exit=0',
      `message ${FINAL}`,
    ]);
    expect(t.steps[2]!.observation).toBe("ls: cannot access 'missing-dir': No such file or directory\n");
    expect(t.steps.every((s) => s.at === '2026-11-29T07:00:00.000Z')).toBe(true);
    expect(t.agentUsage).toEqual(FULL_USAGE);
    expect(t.finalMessage).toBe(FINAL);
  });

  it('takes the largest running total: turn.completed counts are cumulative, and the rollout may have seen more', () => {
    const turn = (input: number, output: number): string =>
      JSON.stringify({ type: 'turn.completed', usage: { input_tokens: input, cached_input_tokens: 0, output_tokens: output, reasoning_output_tokens: 0 } });
    expect(parseCliTranscript('codex', { stdout: [turn(100, 10), turn(250, 20)].join('\n'), logs: [] }).agentUsage).toEqual({
      inputTokens: 250,
      cachedTokens: 0,
      outputTokens: 20,
      reasoningTokens: 0,
    });
    // Killed mid-turn: no turn.completed, but the rollout counted every finished request.
    const t = parseCliTranscript('codex', { stdout: stdout.split('\n').slice(0, 4).join('\n'), logs: [rollout] });
    expect(t.agentUsage).toEqual(FULL_USAGE);
  });

  it('reads an exit code from the exec_command header when no command event names it', () => {
    const lines = [
      { timestamp: '2026-01-01T00:00:00Z', type: 'response_item', payload: { type: 'function_call', name: 'exec_command', arguments: '{"cmd":"false"}', call_id: 'c1' } },
      { timestamp: '2026-01-01T00:00:01Z', type: 'response_item', payload: { type: 'function_call_output', call_id: 'c1', output: 'Wall time: 0.1 seconds\nProcess exited with code 1\nOutput:\n' } },
    ];
    const t = parseCliTranscript('codex', { stdout: '', logs: [{ name: 'rollout-a.jsonl', text: lines.map((l) => JSON.stringify(l)).join('\n') }] });
    expect(t.steps.map((s) => [s.kind, s.exitCode])).toEqual([
      ['model', undefined],
      ['tool', 1],
    ]);
  });
});

describe('opencode', () => {
  it('reads text, reasoning and tool_use events with their times, and sums the step tokens into totals', () => {
    const t = parseCliTranscript('opencode', { stdout: fixture('opencode-run.jsonl'), logs: [] });
    expect(outline(t.steps)).toEqual([
      'reasoning Look around first.',
      'call bash {"command":"ls missing-dir","description":"Run a command"}',
      'tool exit=2',
      'message Now I will write the answer.',
      'call bash {"command":"echo fixed > answer.txt","description":"Run a command"}',
      'tool exit=0',
      `message ${FINAL}`,
    ]);
    expect(t.steps[2]!.observation).toBe("ls: cannot access 'missing-dir': No such file or directory\n");
    // A tool step lasts from the tool's start to its end.
    expect(t.steps[2]!.durationMs).toBeGreaterThan(0);
    expectWellFormed(t.steps);
    // Its step tokens leave cache reads out of input and reasoning out of output.
    expect(t.agentUsage).toEqual(FULL_USAGE);
    expect(t.finalMessage).toBe(FINAL);
  });

  it('shows a failed tool and an error event', () => {
    const stdout = [
      { type: 'tool_use', timestamp: 1, part: { type: 'tool', tool: 'read', callID: 'c1', state: { status: 'error', input: { filePath: '/nope' }, error: 'File not found: /nope', time: { start: 1000, end: 1005 } } } },
      { type: 'error', timestamp: 2000, error: { name: 'APIError', data: { message: 'budget_exceeded' } } },
    ]
      .map((l) => JSON.stringify(l))
      .join('\n');
    const t = parseCliTranscript('opencode', { stdout, logs: [] });
    expect(outline(t.steps)).toEqual(['call read {"filePath":"/nope"}', 'tool exit=null', 'note error: budget_exceeded']);
    expect(t.steps[1]!.observation).toBe('error: File not found: /nope');
    expect(t.steps[1]!.durationMs).toBe(5);
    expect(t.agentUsage).toBeNull();
  });
});

describe('Claude Code', () => {
  it('reads stream-json: content blocks with their times, Bash exit codes, and result.usage with cache reads added to input', () => {
    const t = parseCliTranscript('claude-code', { stdout: fixture('claude-code-stream.jsonl'), logs: [] });
    expect(outline(t.steps)).toEqual([
      'reasoning Look around first.',
      'call Bash {"command":"ls missing-dir","description":"Run a command"}',
      'tool exit=2',
      'message Now I will write the answer.',
      'call Bash {"command":"echo fixed > answer.txt","description":"Run a command"}',
      'tool exit=0',
      `message ${FINAL}`,
    ]);
    expect(t.steps[2]!.observation).toBe("Exit code 2\nls: cannot access 'missing-dir': No such file or directory");
    expectWellFormed(t.steps);
    // Anthropic's wire format has no reasoning count, so the total has none either.
    expect(t.agentUsage).toEqual({ ...FULL_USAGE, reasoningTokens: 0 });
    expect(t.finalMessage).toBe(FINAL);
  });

  it('falls back to the project log when stdout has no messages; without a result there is no total', () => {
    const t = parseCliTranscript('claude-code', {
      stdout: '',
      logs: [{ name: '/tmp/lancer-agent/home/.claude/projects/-app-expensify/s.jsonl', text: fixture('claude-code-project.jsonl') }],
    });
    expect(outline(t.steps)).toEqual(outline(parseCliTranscript('claude-code', { stdout: fixture('claude-code-stream.jsonl'), logs: [] }).steps));
    expect(t.agentUsage).toBeNull();
    expect(t.finalMessage).toBe(FINAL);
  });

  it('notes a run that ended on an error, such as the turn limit', () => {
    const stdout = JSON.stringify({ type: 'result', subtype: 'error_max_turns', is_error: true, usage: { input_tokens: 5, output_tokens: 1 } });
    const t = parseCliTranscript('claude-code', { stdout, logs: [] });
    expect(outline(t.steps)).toEqual(['note ended: error_max_turns']);
    expect(t.agentUsage).toEqual({ inputTokens: 5, cachedTokens: 0, outputTokens: 1, reasoningTokens: 0 });
  });
});

describe('Qwen Code', () => {
  const stdout = fixture('qwen-code-stream.jsonl');
  const chat = { name: '/tmp/lancer-agent/home/.qwen/projects/-app-expensify/chats/s.jsonl', text: fixture('qwen-code-chat.jsonl') };

  it('reads its chat log for the steps (it has times) and stream-json for the totals, reasoning from the log', () => {
    const t = parseCliTranscript('qwen-code', { stdout, logs: [chat] });
    expect(outline(t.steps)).toEqual([
      'reasoning Look around first.',
      'call run_shell_command {"command":"ls missing-dir","description":"Run a command"}',
      'tool exit=2',
      'message Now I will write the answer.',
      'call run_shell_command {"command":"echo fixed > answer.txt","description":"Run a command"}',
      'tool exit=0',
      `message ${FINAL}`,
    ]);
    expect(t.steps[2]!.observation).toMatch(/^Command: ls missing-dir\n[\s\S]*Exit Code: 2/);
    expect(new Set(t.steps.map((s) => s.at)).size).toBeGreaterThan(1);
    expectWellFormed(t.steps);
    expect(t.agentUsage).toEqual(FULL_USAGE);
    expect(t.finalMessage).toBe(FINAL);
  });

  it('falls back to stream-json without the chat log (same steps, no reasoning count), and to the log without a result', () => {
    const fromStdout = parseCliTranscript('qwen-code', { stdout, logs: [] });
    expect(outline(fromStdout.steps)).toEqual(outline(parseCliTranscript('qwen-code', { stdout, logs: [chat] }).steps));
    expect(fromStdout.agentUsage).toEqual({ ...FULL_USAGE, reasoningTokens: 0 });
    // Killed by its turn limit (exit 53): no result line, the chat log still counts every reply.
    const killed = parseCliTranscript('qwen-code', { stdout: stdout.split('\n').slice(0, -2).join('\n'), logs: [chat] });
    expect(killed.agentUsage).toEqual(FULL_USAGE);
    expect(killed.finalMessage).toBe(FINAL);
  });
});

describe('every reader', () => {
  it('places each result right after its call when a reply makes two calls', () => {
    const stdout = [
      { type: 'assistant', timestamp: '2026-01-01T00:00:00Z', message: { content: [{ type: 'tool_use', id: 'a', name: 'Bash', input: { command: 'ls' } }] } },
      { type: 'assistant', timestamp: '2026-01-01T00:00:00Z', message: { content: [{ type: 'tool_use', id: 'b', name: 'Read', input: { file_path: '/x' } }] } },
      { type: 'user', timestamp: '2026-01-01T00:00:02Z', message: { content: [{ type: 'tool_result', tool_use_id: 'b', content: [{ type: 'text', text: 'x body' }] }] } },
      { type: 'user', timestamp: '2026-01-01T00:00:03Z', message: { content: [{ type: 'tool_result', tool_use_id: 'a', content: 'a.txt' }] } },
    ]
      .map((l) => JSON.stringify(l))
      .join('\n');
    const t = parseCliTranscript('claude-code', { stdout, logs: [] });
    expect(t.steps.map((s) => (s.toolCall ? `call ${s.toolCall.name}` : `result ${s.observation ?? ''}`))).toEqual(['call Bash', 'result a.txt', 'call Read', 'result x body']);
    expectWellFormed(t.steps);
    // Bash ran clean; Read runs no command.
    expect(t.steps[1]!.exitCode).toBe(0);
    expect(t.steps[3]!.exitCode).toBeNull();
  });

  it('keeps the head and tail of a long observation and records its full size', () => {
    const big = `${'é'.repeat(150_000)}${'z'.repeat(150_000)}`;
    const stdout = JSON.stringify({ type: 'item.completed', item: { id: 'i', type: 'command_execution', command: 'cat big', aggregated_output: big, exit_code: 0 } });
    const tool = parseCliTranscript('codex', { stdout, logs: [] }).steps[1]!;
    expect(tool.observation!.length).toBeLessThan(CLI_OBSERVATION_MAX_CHARS + 200);
    expect(tool.observation!.startsWith('é')).toBe(true);
    expect(tool.observation!.endsWith('z')).toBe(true);
    expect(tool.observationBytes).toBe(Buffer.byteLength(big));
  });

  it('skips text that is not JSON and a half-written last line', () => {
    const stdout = `Reading additional input from stdin...\n${fixture('codex-exec.jsonl')}{"type":"item.completed","item":{"id":"item_9","type":"agent_mes`;
    const t = parseCliTranscript('codex', { stdout, logs: [] });
    expect(t.steps).toHaveLength(7);
    expect(t.finalMessage).toBe(FINAL);
  });

  it('never throws on odd input: empty output, unknown events, fields of the wrong type', () => {
    const odd = [
      '',
      'null',
      '[]',
      '{"type":"item.completed","item":null}',
      '{"type":"item.completed","item":{"type":"command_execution","exit_code":"two","aggregated_output":{}}}',
      '{"type":"turn.completed","usage":"lots"}',
      '{"type":"step_finish","part":{"tokens":{"input":"9","cache":null}}}',
      '{"type":"tool_use","part":{"state":{"time":{"start":"x"},"metadata":null}}}',
      '{"type":"assistant","message":{"content":"just text"}}',
      '{"type":"assistant","message":{"content":[null,1,{"type":"tool_use"}]}}',
      '{"type":"user","message":{"content":[{"type":"tool_result","content":[{"type":"image"}]}]}}',
      '{"type":"result","usage":null,"result":5}',
      '{"timestamp":"not a time","type":"response_item","payload":{"type":"function_call","arguments":"{oops"}}',
      '{"type":"event_msg","payload":{"type":"token_count","info":null}}',
      '{"type":"assistant","message":{"parts":[{"functionCall":7},{"text":1}]},"usageMetadata":[]}',
    ].join('\n');
    for (const agent of cliAgentNames) {
      const t = parseCliTranscript(agent, { stdout: odd, logs: [{ name: 'rollout-x.jsonl', text: odd }, { name: 'chat.jsonl', text: odd }] });
      expectWellFormed(t.steps);
    }
  });

  it('never throws on random lines (property)', () => {
    const line = fc.oneof(
      fc.string(),
      fc.json(),
      fc.record({ type: fc.constantFrom('assistant', 'user', 'result', 'text', 'tool_use', 'step_finish', 'item.completed', 'turn.completed', 'response_item', 'event_msg'), payload: fc.jsonValue(), message: fc.jsonValue(), item: fc.jsonValue(), part: fc.jsonValue() }).map((o) => JSON.stringify(o)),
    );
    fc.assert(
      fc.property(fc.constantFrom(...cliAgentNames), fc.array(line, { maxLength: 12 }), (agent, lines) => {
        const text = lines.join('\n');
        const t = parseCliTranscript(agent, { stdout: text, logs: [{ name: 'rollout-r.jsonl', text }] });
        t.steps.forEach((s, i) => expect(s.index).toBe(i));
      }),
      { numRuns: 300 },
    );
  });
});
