/**
 * The `tools` protocol's function definitions, and reading calls that a model wrote as text
 * instead of native tool calls (servers without a tool-aware chat template return them so).
 */
import type { Variant } from '../../../../shared/tasks';

/** The tool names of the `tools` protocol. */
export type ToolName = 'bash' | 'python' | 'edit_file' | 'write_file' | 'user_tool' | 'submit_decision' | 'finish';

export const TOOL_NAMES: readonly ToolName[] = ['bash', 'python', 'edit_file', 'write_file', 'user_tool', 'submit_decision', 'finish'];

export function isToolName(name: string): name is ToolName {
  return (TOOL_NAMES as readonly string[]).includes(name);
}

interface FunctionTool {
  type: 'function';
  function: { name: ToolName; description: string; parameters: Record<string, unknown> };
}

function tool(name: ToolName, description: string, properties: Record<string, { type: string; description: string }>): FunctionTool {
  return {
    type: 'function',
    function: { name, description, parameters: { type: 'object', properties, required: Object.keys(properties), additionalProperties: false } },
  };
}

const COMMON: FunctionTool[] = [
  tool('bash', 'Run a bash command in the repository directory; returns its combined stdout and stderr and its exit code.', {
    command: { type: 'string', description: 'The command.' },
  }),
  tool('python', 'Run Python code with `python -c` in the repository directory; returns its combined stdout and stderr.', {
    code: { type: 'string', description: 'The Python source.' },
  }),
  tool('edit_file', 'Replace one exact piece of text in a file. old_str must occur exactly once in the file.', {
    path: { type: 'string', description: 'The file, relative to the repository or absolute.' },
    old_str: { type: 'string', description: 'The exact text to replace, long enough to be unique.' },
    new_str: { type: 'string', description: 'The replacement text.' },
  }),
  tool('write_file', 'Create or overwrite a file with the given content (parent folders are created).', {
    path: { type: 'string', description: 'The file, relative to the repository or absolute.' },
    content: { type: 'string', description: 'The whole new content of the file.' },
  }),
];

const USER_TOOL = tool(
  'user_tool',
  'Run the hidden end-to-end test scenario against your current code in a browser; its trace is saved under user_tool/ in the repository. It does not say whether the test passed.',
  {},
);
const SUBMIT_DECISION = tool('submit_decision', 'Record which proposal you hire, by its id.', {
  selected_proposal_id: { type: 'integer', description: 'The id of the chosen proposal.' },
});
const FINISH = tool('finish', 'End your work; it is graded as it stands.', {});

/** The tools offered for a task: user_tool on IC tasks, submit_decision on manager tasks. */
export function toolsFor(variant: Variant): FunctionTool[] {
  return [...COMMON, variant === 'ic_swe' ? USER_TOOL : SUBMIT_DECISION, FINISH];
}

/** A call read from the reply's text; `arguments` is still unparsed when it came as a string. */
export interface TextCall {
  name: string;
  arguments: unknown;
  raw: string;
}

/** `{"name": …, "arguments"|"parameters": …}` as a call, else null. */
function callFromObject(value: unknown, raw: string): TextCall | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const o = value as Record<string, unknown>;
  // Some templates wrap it as {"function": {"name", "arguments"}}.
  if (typeof o.function === 'object' && o.function !== null && typeof o.name !== 'string') return callFromObject(o.function, raw);
  if (typeof o.name !== 'string') return null;
  const args = 'arguments' in o ? o.arguments : 'parameters' in o ? o.parameters : undefined;
  if (args === undefined) return null;
  return { name: o.name, arguments: args, raw };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Code-fence languages that run as bash; python and py run as python. */
const SHELL_LANGUAGES = new Set(['', 'bash', 'sh', 'shell', 'console', 'zsh']);

/**
 * The first call written as text in a reply without native tool calls: a `<tool_call>{…}`
 * element (Hermes and Qwen templates), a reply that is one JSON object with name and
 * arguments (bare or in a ```json fence), else the first ```bash / ```python code block.
 * Null when the reply holds none of these.
 */
export function callFromText(content: string): TextCall | null {
  const tagged = /<tool_call>\s*([\s\S]*?)\s*(?:<\/tool_call>|$)/.exec(content);
  if (tagged) {
    const call = callFromObject(parseJson(tagged[1] ?? ''), tagged[0]);
    if (call) return call;
  }
  const trimmed = content.trim();
  const fencedJson = /^```(?:json)?\s*\n([\s\S]*?)\n```$/.exec(trimmed);
  const whole = callFromObject(parseJson(fencedJson ? (fencedJson[1] ?? '') : trimmed), trimmed);
  if (whole) return whole;
  const fence = /```([\w+-]*)[ \t]*\n([\s\S]*?)\n```/g;
  for (let m = fence.exec(content); m; m = fence.exec(content)) {
    const lang = (m[1] ?? '').toLowerCase();
    const body = m[2] ?? '';
    if (lang === 'python' || lang === 'py' || lang === 'python3') return { name: 'python', arguments: { code: body }, raw: m[0] };
    if (SHELL_LANGUAGES.has(lang)) return { name: 'bash', arguments: { command: body }, raw: m[0] };
  }
  return null;
}

/**
 * Arguments as an object: native calls send a JSON string (some servers an object already).
 * Returns an error message for the model when they are not a JSON object.
 */
export function parseArguments(args: unknown): { ok: true; value: Record<string, unknown> } | { ok: false; error: string } {
  let value = args;
  if (typeof args === 'string') {
    if (args.trim() === '') return { ok: true, value: {} };
    try {
      value = JSON.parse(args);
    } catch (error) {
      return { ok: false, error: `the arguments are not valid JSON (${(error as Error).message})` };
    }
  }
  if (value === null || value === undefined) return { ok: true, value: {} };
  if (typeof value !== 'object' || Array.isArray(value)) return { ok: false, error: 'the arguments must be a JSON object' };
  return { ok: true, value: value as Record<string, unknown> };
}
