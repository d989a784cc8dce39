/**
 * A TaskContainer for the agent's unit tests: it records every call, answers exec from a
 * handler when the test gives one, and otherwise runs `sh -c` on the host, with files on the
 * host's file system. Tests point the task's cwd at a temp folder, so edits are real files.
 * Real Docker is exercised by the integration suite.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CancelledError, ExecTimeoutError, type ExecOptions, type ExecResult, type TaskContainer } from '../../engine/container-runtime';

export interface RecordedExec {
  command: string;
  workdir: string | undefined;
  timeoutMs: number;
}

/** Returns a result to answer the exec, or undefined to run it with the host's sh. */
export type ExecHandler = (command: string, opts: ExecOptions) => ExecResult | undefined | Promise<ExecResult | undefined>;

export class FakeTaskContainer implements TaskContainer {
  readonly id = 'fake-container';
  readonly networkId = null;
  readonly execs: RecordedExec[] = [];
  readonly puts: { path: string; content: string }[] = [];

  constructor(private readonly handler?: ExecHandler) {}

  async exec(command: string, opts: ExecOptions): Promise<ExecResult> {
    this.execs.push({ command, workdir: opts.workdir, timeoutMs: opts.timeoutMs });
    if (opts.signal?.aborted) throw new CancelledError();
    const answered = await this.handler?.(command, opts);
    if (answered) return answered;
    return runOnHost(command, opts);
  }

  async putFile(containerPath: string, content: Buffer | string): Promise<void> {
    const text = typeof content === 'string' ? content : content.toString('utf8');
    this.puts.push({ path: containerPath, content: text });
    // As Docker's putArchive: the folder must exist.
    if (!statSync(path.dirname(containerPath), { throwIfNoEntry: false })?.isDirectory()) throw new Error(`no such folder: ${path.dirname(containerPath)}`);
    writeFileSync(containerPath, content);
  }

  async getFile(containerPath: string, maxBytes: number): Promise<Buffer | null> {
    const stat = statSync(containerPath, { throwIfNoEntry: false });
    if (!stat) return null;
    if (!stat.isFile()) throw new Error(`${containerPath} is not a regular file`);
    if (stat.size > maxBytes) throw new Error(`${containerPath} is over the ${maxBytes}-byte limit`);
    return readFileSync(containerPath);
  }

  async state(): Promise<{ running: boolean }> {
    return { running: true };
  }

  async cutNetwork(): Promise<void> {}
  async joinNetwork(): Promise<void> {}

  async remove(): Promise<void> {}

  async keep(): Promise<void> {}
}

/** `sh -c` on the host with the exec contract: combined output, timeout and abort errors. */
function runOnHost(command: string, opts: ExecOptions): Promise<ExecResult> {
  if (opts.workdir) mkdirSync(opts.workdir, { recursive: true });
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', command], { cwd: opts.workdir, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const add = (chunk: Buffer): void => {
      output += chunk.toString('utf8');
    };
    child.stdout.on('data', add);
    child.stderr.on('data', add);
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new ExecTimeoutError(command, opts.timeoutMs));
    }, opts.timeoutMs);
    const onAbort = (): void => {
      child.kill('SIGKILL');
      reject(new CancelledError());
    };
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      resolve({ exitCode: code ?? -1, output });
    });
  });
}
