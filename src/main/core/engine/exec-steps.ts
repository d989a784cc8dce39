/**
 * Several harness commands in one round trip. The official harness runs each set-up and grading
 * command as its own `docker exec`; each costs three API calls and a process spawned through
 * the container runtime (about 0.1 s here), and an attempt has a dozen of them. A batch runs the
 * same commands, each still as its own `sh -c` in the working dir with its own environment, from
 * one shell script in one exec, and reports every command's exit code and output separately, so
 * the caller checks them exactly as it would have checked separate execs.
 *
 * Step boundaries travel in the output as marker lines carrying a random nonce, which no command
 * can predict; they are taken out of the output before anyone sees it.
 */
import { randomBytes } from 'node:crypto';
import { ExecTimeoutError, shellQuote, type ExecInput, type ExecOptions, type ExecResult, type TaskContainer } from './container-runtime';

export interface ExecStep {
  command: string;
  /** `NAME=value` pairs for this command only (values from the CSV travel here, never in the text). */
  env?: string[];
  /** A non-zero exit stops the batch: the later steps do not run (as a check that throws). */
  stopOnFailure?: boolean;
  /**
   * The batch stops after this step unless its output (trailing newlines aside) ends with this
   * text (the `bash -lc pwd` check of the set-up). Such a step's output arrives when it ends.
   */
  expectOutputSuffix?: string;
  /** How long to wait for this step (default 10 minutes); the batch waits for the sum. */
  timeoutMs?: number;
  /**
   * Work on the host that must come between the previous step and this one (the network cut
   * before the internet probe): the script stops and waits until it is done, so one exec
   * serves both sides of it. When it throws, the batch ends there and the batch throws it.
   */
  waitFor?: () => Promise<void>;
  /**
   * Reads a file back instead of running a command (see `readFileStep`): its output is data for
   * the caller, never announced, streamed or logged. A runtime that cannot run scripts leaves
   * it to the caller's `getFile`.
   */
  readsFile?: string;
}

export interface StepResult extends ExecResult {
  command: string;
}

export interface StepsOptions extends Omit<ExecOptions, 'env' | 'timeoutMs' | 'onOutput'> {
  /** Called as each step begins (the attempt log's `$ command` line). */
  onStep?(step: ExecStep, index: number): void;
  /** The steps' output as it arrives, markers removed. */
  onOutput?(text: string): void;
}

const DEFAULT_STEP_TIMEOUT_MS = 10 * 60_000;

/** Runs the steps in order, one exec each: for runtimes that cannot run a script (test fakes). */
export async function execStepsOneByOne(container: TaskContainer, steps: ExecStep[], opts: StepsOptions): Promise<StepResult[]> {
  const results: StepResult[] = [];
  for (const [index, step] of steps.entries()) {
    await step.waitFor?.();
    if (step.readsFile !== undefined) {
      // The caller reads it with getFile, as it would without a batch.
      results.push({ command: step.command, exitCode: READ_BY_CALLER, output: '' });
      continue;
    }
    opts.onStep?.(step, index);
    const result = await container.exec(step.command, {
      timeoutMs: step.timeoutMs ?? DEFAULT_STEP_TIMEOUT_MS,
      ...(opts.signal ? { signal: opts.signal } : {}),
      ...(opts.workdir ? { workdir: opts.workdir } : {}),
      ...(step.env ? { env: step.env } : {}),
      ...(opts.onOutput ? { onOutput: opts.onOutput } : {}),
    });
    results.push({ command: step.command, ...result });
    if (stopsAfter(step, result)) break;
  }
  return results;
}

function stopsAfter(step: ExecStep, result: ExecResult): boolean {
  if (step.stopOnFailure && result.exitCode !== 0) return true;
  return step.expectOutputSuffix !== undefined && !result.output.replace(/\n+$/, '').endsWith(step.expectOutputSuffix);
}

/** The shell script of a batch; `nonce` marks the step boundaries in its output. */
export function stepsScript(steps: ExecStep[], nonce: string): string {
  const lines = [`__n=${nonce}`];
  for (const [i, step] of steps.entries()) {
    for (const pair of step.env ?? []) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*=/.test(pair)) throw new Error(`not an environment assignment: ${pair.slice(0, 40)}`);
    }
    // stderr joins stdout in one pipe: Docker carries the two in separate frames whose order
    // is not kept, and a step's errors must not arrive after its end marker. stdin is
    // /dev/null, as in an exec of its own: the script's own stdin carries the host's go-ahead.
    const run = `${step.env?.length ? `env ${step.env.map(shellQuote).join(' ')} ` : ''}sh -c ${shellQuote(step.command)} </dev/null 2>&1`;
    if (step.waitFor) {
      // Wait for the host's work; anything but "go" (its failure, a closed stdin) ends the batch.
      lines.push(`printf '\\n%s:w:${i}\\n' "$__n"`, `read -r __go; [ "$__go" = go ] || exit 0`);
    }
    // Each marker starts with a newline of its own, so a command's output is never cut short
    // when it does not end in one; the parser takes that newline away with the marker.
    lines.push(`printf '\\n%s:b:${i}\\n' "$__n"`);
    if (step.expectOutputSuffix === undefined) {
      lines.push(`${run}; __rc=$?`);
    } else {
      lines.push(`__o=$(${run}); __rc=$?; printf '%s\\n' "$__o"`);
    }
    lines.push(`printf '\\n%s:e:${i}:%s\\n' "$__n" "$__rc"`);
    if (step.stopOnFailure) lines.push(`[ "$__rc" -eq 0 ] || exit 0`);
    if (step.expectOutputSuffix !== undefined) lines.push(`case "$__o" in *${shellQuote(step.expectOutputSuffix)}) ;; *) exit 0 ;; esac`);
  }
  return lines.join('\n');
}

/**
 * Splits a batch's output stream at the markers: plain text is passed on as it arrives, except
 * a tail that could be the start of a marker, held until the next chunk says what it is.
 */
class MarkerParser {
  private pending = '';
  private readonly marker: RegExp;
  readonly outputs: string[] = [];
  readonly exitCodes: (number | undefined)[] = [];
  current = -1;

  constructor(
    private readonly nonce: string,
    private readonly onText: (text: string, index: number) => void,
    private readonly onBegin: (index: number) => void,
    private readonly onWait: (index: number) => void,
  ) {
    this.marker = new RegExp(`\\n${nonce}:(b|e|w):(\\d+)(?::(-?\\d+))?\\n`);
  }

  push(chunk: string): void {
    this.pending += chunk;
    for (;;) {
      const m = this.marker.exec(this.pending);
      if (!m) break;
      this.text(this.pending.slice(0, m.index));
      this.pending = this.pending.slice(m.index + m[0].length);
      const index = Number(m[2]);
      if (m[1] === 'b') {
        this.current = index;
        this.outputs[index] = '';
        this.onBegin(index);
      } else if (m[1] === 'w') {
        this.onWait(index);
      } else {
        this.exitCodes[index] = Number(m[3]);
        this.current = -1;
      }
    }
    // Keep back what could still grow into a marker: from the last newline, if it is short.
    const cut = this.pending.lastIndexOf('\n');
    const holdFrom = cut >= 0 && this.pending.length - cut <= this.nonce.length + 24 ? cut : this.pending.length;
    this.text(this.pending.slice(0, holdFrom));
    this.pending = this.pending.slice(holdFrom);
  }

  end(): void {
    this.text(this.pending);
    this.pending = '';
  }

  private text(text: string): void {
    if (text === '') return;
    if (this.current >= 0) this.outputs[this.current] += text;
    this.onText(text, this.current);
  }
}

/** Runs the steps as one shell script in one exec (see the file comment). */
export async function execStepsAsScript(container: TaskContainer, steps: ExecStep[], opts: StepsOptions): Promise<StepResult[]> {
  const nonce = `lancer-step-${randomBytes(12).toString('hex')}`;
  let input: ExecInput | undefined;
  let hostFailure: { error: unknown } | undefined;
  const parser = new MarkerParser(
    nonce,
    (text, index) => {
      if (steps[index]?.readsFile === undefined) opts.onOutput?.(text);
    },
    (index) => {
      if (steps[index]!.readsFile === undefined) opts.onStep?.(steps[index]!, index);
    },
    (index) => {
      steps[index]!.waitFor!().then(
        () => input?.write('go\n'),
        (error: unknown) => {
          hostFailure = { error };
          input?.write('stop\n');
        },
      );
    },
  );
  const timeoutMs = steps.reduce((sum, s) => sum + (s.timeoutMs ?? DEFAULT_STEP_TIMEOUT_MS), 0);
  let exitCode: number;
  try {
    ({ exitCode } = await container.exec(stepsScript(steps, nonce), {
      timeoutMs,
      ...(opts.signal ? { signal: opts.signal } : {}),
      ...(opts.workdir ? { workdir: opts.workdir } : {}),
      onOutput: (text) => parser.push(text),
      ...(steps.some((s) => s.waitFor) ? { stdin: (i: ExecInput) => (input = i) } : {}),
    }));
  } catch (error) {
    // Name the step that was running, not the script.
    const running = steps[parser.current];
    if (error instanceof ExecTimeoutError && running) throw new ExecTimeoutError(running.command, error.timeoutMs);
    throw error;
  } finally {
    input?.end();
  }
  if (hostFailure) throw hostFailure.error;
  parser.end();
  const results: StepResult[] = [];
  for (const [index, step] of steps.entries()) {
    const output = parser.outputs[index];
    if (output === undefined) break;
    // A step that began and never ended: the exec itself ended (the container stopped, a kill).
    const code = parser.exitCodes[index] ?? (exitCode === 0 ? -1 : exitCode);
    results.push({ command: step.command, exitCode: code, output });
  }
  return results;
}

/** A batch on whatever the container offers: one script where it can, else one exec per step. */
export function execSteps(container: TaskContainer, steps: ExecStep[], opts: StepsOptions): Promise<StepResult[]> {
  return container.runsScripts ? execStepsAsScript(container, steps, opts) : execStepsOneByOne(container, steps, opts);
}

/** Files up to this size come back through a batch's output; larger ones through getFile. */
export const INLINE_READ_MAX = 1024 * 1024;
/** `readFileStep`'s exit codes: no such file; read it with getFile (a link, not a file, large). */
const READ_MISSING = 44;
const READ_BY_CALLER = 45;

/**
 * A step that reads a file back through the batch's output, base64 so that bytes stay bytes:
 * a read at the end of a batch costs nothing, where Docker's archive call costs 0.15–0.3 s.
 * `fileFromStep` takes the result. A link, anything but a regular file, or a file over
 * INLINE_READ_MAX is left to getFile, which says what it is or refuses it as before.
 */
export function readFileStep(containerPath: string): ExecStep {
  const p = shellQuote(containerPath);
  return {
    command: [
      `if [ -L ${p} ] || { [ -e ${p} ] && [ ! -f ${p} ]; }; then exit ${READ_BY_CALLER}; fi`,
      `[ -e ${p} ] || exit ${READ_MISSING}`,
      `[ "$(wc -c < ${p})" -le ${INLINE_READ_MAX} ] || exit ${READ_BY_CALLER}`,
      `base64 < ${p}`,
    ].join('\n'),
    readsFile: containerPath,
  };
}

/**
 * The file `read` (a `readFileStep` of `steps`) read in the batch that gave `results`: its bytes,
 * null when there is none, or what getFile gives when the step left it (or did not run, or
 * failed: an image without base64, a file that grew).
 */
export async function fileFromStep(
  read: ExecStep,
  steps: ExecStep[],
  results: StepResult[],
  container: TaskContainer,
  maxBytes: number,
  signal?: AbortSignal,
): Promise<Buffer | null> {
  const containerPath = read.readsFile;
  if (containerPath === undefined) throw new Error(`not a readFileStep: ${read.command.slice(0, 80)}`);
  const result = results[steps.indexOf(read)];
  if (result?.exitCode === READ_MISSING) return null;
  if (result?.exitCode === 0) {
    const data = Buffer.from(result.output, 'base64');
    if (data.length <= Math.min(maxBytes, INLINE_READ_MAX)) return data;
  }
  return container.getFile(containerPath, maxBytes, signal);
}
