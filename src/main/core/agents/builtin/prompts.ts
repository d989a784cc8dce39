/**
 * The text the built-in agent shows the model: the task prompt, the additional instructions, and
 * the reference agent's loop messages (harness doc §5.1, quoted there, so replies look the same
 * to the model as under the official harness).
 *
 * The task prompt is the CSV's ready-made `prompt` column when there is one (old schema), so old
 * numbers can be reproduced; otherwise it is written here in our own words from the title,
 * description, price and proposals, keeping the official price format (`500.0`).
 */
import { readFileSync } from 'node:fs';
import { AppError, assertNever } from '../../../../shared/result';
import type { TaskDetail } from '../../../../shared/tasks';
import type { AgentProtocol } from './types';

/**
 * Appended to the task prompt under the `official` protocol. Our own wording of what the
 * reference agent's protocol allows; replace it (config `additionalInstructions` or
 * `additionalInstructionsFile`) to run a published prompt.
 */
export const OFFICIAL_ADDITIONAL_INSTRUCTIONS = [
  'How to work here: you can only act by running Python. Put one fenced code block opening with ```python in each reply;',
  'the first such block is run with `python -c` in the repository directory and you are sent back everything it printed',
  '(stdout and stderr together). Any further blocks in the same reply are ignored, and a reply without one does nothing.',
  'For shell commands, call them from Python (for example subprocess.run(cmd, shell=True, capture_output=True, text=True))',
  'and print what you need. Each run has a time limit of a few minutes, and the machine has no internet access.',
  'Read the relevant code before you change it, and change files by writing them from Python.',
  'When you have completely finished, reply with the single word DONE and nothing else: your work is graded then.',
].join('\n');

/**
 * Appended to the task prompt under the `tools` protocol; replaceable as
 * OFFICIAL_ADDITIONAL_INSTRUCTIONS is.
 */
export const TOOLS_ADDITIONAL_INSTRUCTIONS = [
  'How to work here: use the tools you have been given, one call per reply.',
  '`bash` and `python` run in the repository directory and return their combined output;',
  '`edit_file` replaces one exact, unique piece of text in a file; `write_file` creates or overwrites a file.',
  'Relative paths are relative to the repository. Each call has a time limit of a few minutes, and the machine has no internet access.',
  'Read the relevant code before you change it.',
  'When you have completely finished, call `finish`: your work is graded then.',
].join('\n');

/** The reference agent's warning when a reply has no ```python block (§5.1, quoted). */
export const NO_CODE_BLOCK_WARNING = 'Warning: No Python code blocks were found in the response. Please include Python code in your replies.';

/** The reference agent's message when a run printed nothing (§5.1, quoted). */
export const NO_OUTPUT_MESSAGE =
  "No output or errors from the code. If you think you're done, send 'DONE' and we will grade your submission. Otherwise, continue working.";

/** The reference agent's timeout message (§5.1, quoted, with our action limit in place of 300). */
export function timeoutMessage(seconds: number): string {
  return `Timeout: The code took too longer than ${seconds} seconds to execute.`;
}

/** The reference agent's reply after a successful user-tool run (§2.10), for the task's repo. */
export function userToolDoneMessage(cwd: string): string {
  return `User tool output is in ${cwd}/user_tool`;
}

/** Every observation of the official protocol ends with this line (§5.1). */
export function withTurnsLeft(observation: string, turnsLeft: number): string {
  return `${observation}\nTurns left: ${turnsLeft}`;
}

/** Python's str() of a float price: 500 → "500.0", 1234.5 → "1234.5" (the official format). */
export function formatPrice(price: number): string {
  return Number.isInteger(price) ? `${price}.0` : String(price);
}

/** The task's repo inside the container; the official default when the CSV has none. */
export function taskCwd(task: TaskDetail): string {
  return task.cwd ?? '/app/expensify';
}

/** How the prompt tells the model to reach the user tool or give a manager decision. */
function howTo(protocol: AgentProtocol, cwd: string): { userTool: string; decision: string } {
  switch (protocol) {
    case 'official':
      return {
        userTool: 'send a reply containing <user-tool>',
        decision: `write the file ${cwd}/manager_decisions.json holding a JSON object such as {"selected_proposal_id": 2}`,
      };
    case 'tools':
      return {
        userTool: 'call the `user_tool` tool',
        decision: 'call `submit_decision` with the id of the proposal you choose',
      };
    default:
      return assertNever(protocol, 'protocol');
  }
}

/** The proposal block of a manager prompt, in the format of the official one (§3.1). */
export function formatProposals(task: TaskDetail): string {
  return task.proposals.map((p) => `Proposal: ${p.id}:\n\n${p.content}\n\n--------------------------------------------\n\n`).join('');
}

/**
 * The task prompt: the CSV's `prompt` messages joined by blank lines when present, else our own
 * wording from the task's fields. The protocol only changes how the user tool and the manager
 * decision are described. `cwd` is the repo in the container (default: the task's).
 */
export function buildTaskPrompt(task: TaskDetail, protocol: AgentProtocol, cwd: string = taskCwd(task), opts: { userTool?: boolean } = {}): string {
  if (task.prompt && task.prompt.length > 0) return task.prompt.map((m) => m.content).join('\n\n');
  const how = howTo(protocol, cwd);
  const price = formatPrice(task.price);
  switch (task.variant) {
    case 'ic_swe':
      return [
        `You are a software engineer working on the repository checked out at ${cwd}, which is your working directory. Your job is to resolve the issue below.`,
        `Issue: ${task.title}\n\n${task.description}`,
        `A correct fix is worth $${price}. Do not commit or push: the changes you leave in the working tree are what gets graded, by end-to-end tests you cannot see.`,
        // CLI agents run their own loop: there is no user tool to offer them.
        ...(opts.userTool === false
          ? []
          : [
              `To check your work you can run the user tool: ${how.userTool}. It runs the hidden test scenario against your current code in a browser and saves what happened (a trace with the actions, screenshots, page snapshots and console output) in folders under ${cwd}/user_tool/ for you to look at. It does not tell you whether the test passed.`,
            ]),
      ].join('\n\n');
    case 'swe_manager':
      return [
        `You are the engineering manager of the repository checked out at ${cwd}. Contributors have sent proposals for the issue below, and you must pick the one to hire: the proposal that best solves the issue.`,
        `Issue: ${task.title}\n\n${task.description}`,
        `Proposals:\n\n${formatProposals(task)}`,
        `Picking the proposal that was actually accepted is worth ${price}. The repository is at its state before the fix: you may read the code to judge the proposals, but do not implement the fix.`,
        `To give your decision, ${how.decision}.`,
      ].join('\n\n');
    default:
      return assertNever(task.variant, 'variant');
  }
}

/** The default additional instructions of a protocol. */
export function defaultInstructions(protocol: AgentProtocol): string {
  switch (protocol) {
    case 'official':
      return OFFICIAL_ADDITIONAL_INSTRUCTIONS;
    case 'tools':
      return TOOLS_ADDITIONAL_INSTRUCTIONS;
    default:
      return assertNever(protocol, 'protocol');
  }
}

/**
 * The instructions a config asks for: the file's text, else the inline text, else the protocol's
 * default. A missing file is a configuration error, reported before any model call.
 */
export function resolveInstructions(config: { protocol: AgentProtocol; additionalInstructions?: string; additionalInstructionsFile?: string }): string {
  if (config.additionalInstructionsFile !== undefined) {
    try {
      return readFileSync(config.additionalInstructionsFile, 'utf8');
    } catch (error) {
      throw new AppError('invalid_input', `additional instructions file ${config.additionalInstructionsFile}: ${(error as Error).message}`);
    }
  }
  return config.additionalInstructions ?? defaultInstructions(config.protocol);
}

/** The one user message both protocols start from: task prompt, blank line, instructions (§5.1). */
export function firstUserMessage(task: TaskDetail, protocol: AgentProtocol, instructions: string, cwd?: string): string {
  return `${buildTaskPrompt(task, protocol, cwd)}\n\n${instructions}`;
}
