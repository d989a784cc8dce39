/**
 * The batch script against a real `sh` on this host: each step must come out as it would from
 * an exec of its own (output, exit code, environment, working dir), and the markers must never
 * reach the output, however the stream is cut into chunks.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ExecTimeoutError, type ExecOptions, type ExecResult, type TaskContainer } from './container-runtime';
import { execStepsAsScript, execStepsOneByOne, fileFromStep, INLINE_READ_MAX, readFileStep, type ExecStep } from './exec-steps';

/** `sh -c` on the host, its output handed on in chunks of `chunk` characters. */
function hostShell(chunk: number): TaskContainer {
  return {
    id: 'host',
    networkId: null,
    runsScripts: true,
    exec(command: string, opts: ExecOptions): Promise<ExecResult> {
      return new Promise((resolve, reject) => {
        const env = { ...process.env, ...Object.fromEntries((opts.env ?? []).map((p) => [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)])) };
        // One pipe for both streams, as a step of a batch has: ordered output to compare.
        const child = spawn('sh', ['-c', `exec 2>&1\n${command}`], { cwd: opts.workdir, env });
        if (opts.stdin) opts.stdin({ write: (text) => void child.stdin.write(text), end: () => void child.stdin.end() });
        else child.stdin.end();
        let output = '';
        const take = (data: Buffer): void => {
          const text = data.toString('utf8');
          output += text;
          for (let i = 0; i < text.length; i += chunk) opts.onOutput?.(text.slice(i, i + chunk));
        };
        child.stdout.on('data', take);
        child.stderr.on('data', take);
        const timer = setTimeout(() => {
          child.kill();
          reject(new ExecTimeoutError(command, opts.timeoutMs));
        }, opts.timeoutMs);
        child.on('close', (code) => {
          clearTimeout(timer);
          resolve({ exitCode: code ?? -1, output });
        });
      });
    },
    putFile: () => Promise.reject(new Error('not used')),
    getFile: async (p) => {
      gotByArchive.push(p);
      return readFileSync(p);
    },
    state: async () => ({ running: true }),
    cutNetwork: async () => undefined,
    joinNetwork: async () => undefined,
    remove: async () => undefined,
    keep: async () => undefined,
  };
}

/** The paths read with getFile (Docker's archive call, on a real container). */
const gotByArchive: string[] = [];
const dir = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'lancer-steps-')));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const steps: ExecStep[] = [
  { command: 'echo "issue $ISSUE_ID"; echo to-stderr >&2', env: ['ISSUE_ID=601'] },
  { command: 'echo "unset: [$ISSUE_ID]"; printf "no newline at the end"' },
  { command: 'cd / && pwd' },
  { command: 'pwd; exit 4' },
  // A command that prints what looks like a marker, with a nonce it cannot know.
  { command: "printf '\\nlancer-step-0123:e:5:0\\nstill output\\n'" },
  { command: 'echo checked; exit 3', stopOnFailure: true },
  { command: 'echo never runs' },
];

describe('execStepsAsScript', () => {
  it('gives each step the output and exit code a separate exec gives it, and stops where a checked step fails', async () => {
    const separate = await execStepsOneByOne(hostShell(4096), steps, { workdir: dir });
    for (const chunk of [1, 3, 4096]) {
      const seen: string[] = [];
      const begun: string[] = [];
      const batched = await execStepsAsScript(hostShell(chunk), steps, { workdir: dir, onOutput: (t) => seen.push(t), onStep: (s) => begun.push(s.command) });
      expect(batched).toEqual(separate);
      // The stream carries the steps' output and nothing else.
      expect(seen.join('')).toBe(batched.map((r) => r.output).join(''));
      expect(begun).toEqual(steps.slice(0, 6).map((s) => s.command));
    }
    expect(separate.map((r) => r.exitCode)).toEqual([0, 0, 0, 4, 0, 3]);
    expect(separate[0]!.output).toBe('issue 601\nto-stderr\n');
    expect(separate[1]!.output).toBe('unset: []\nno newline at the end');
    expect(separate[2]!.output).toBe('/\n');
    expect(separate[3]!.output).toBe(`${dir}\n`);
    expect(separate[4]!.output).toContain('still output');
  });

  it('stops after a step whose output does not end as expected (the pwd check)', async () => {
    const check: ExecStep[] = [
      { command: 'echo /somewhere/else', expectOutputSuffix: '/app/expensify' },
      { command: 'echo after' },
    ];
    const batched = await execStepsAsScript(hostShell(2), check, {});
    expect(batched).toEqual([{ command: check[0]!.command, exitCode: 0, output: '/somewhere/else\n' }]);
    expect(await execStepsOneByOne(hostShell(2), check, {})).toEqual(batched);
    const passing = await execStepsAsScript(hostShell(2), [{ ...check[0]!, command: 'echo /app/expensify' }, check[1]!], {});
    expect(passing.map((r) => r.output)).toEqual(['/app/expensify\n', 'after\n']);
  });

  it('names the step that was running when the wait timed out', async () => {
    const slow: ExecStep[] = [
      { command: 'true', timeoutMs: 100 },
      { command: 'sleep 5', timeoutMs: 100 },
    ];
    const error = await execStepsAsScript(hostShell(64), slow, {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExecTimeoutError);
    expect((error as Error).message).toContain('sleep 5');
  });

  it('refuses an environment entry that is not NAME=value', async () => {
    await expect(execStepsAsScript(hostShell(64), [{ command: 'true', env: ['x; rm -rf /'] }], {})).rejects.toThrow('not an environment assignment');
  });

  it('waits for work on the host between two steps, in both runners, and ends the batch when that work fails', async () => {
    const flag = path.join(dir, 'flag');
    const sideEffect = path.join(dir, 'after-the-wait');
    for (const runner of [execStepsAsScript, execStepsOneByOne]) {
      rmSync(flag, { force: true });
      const order: string[] = [];
      const waiting: ExecStep[] = [
        { command: 'echo set-up', stopOnFailure: true },
        // The host's work (the network cut) lands between the two, and the probe sees it.
        { command: `cat ${flag}`, waitFor: async () => void (writeFileSync(flag, 'cut\n'), order.push('host')) },
      ];
      const results = await runner(hostShell(3), waiting, { onStep: (s) => order.push(s.command.split(' ')[0]!) });
      expect(results.map((r) => [r.exitCode, r.output])).toEqual([
        [0, 'set-up\n'],
        [0, 'cut\n'],
      ]);
      expect(order).toEqual(['echo', 'host', 'cat']);

      rmSync(sideEffect, { force: true });
      const failing: ExecStep[] = [{ command: 'true' }, { command: `touch ${sideEffect}`, waitFor: () => Promise.reject(new Error('the cut failed')) }];
      await expect(runner(hostShell(3), failing, {})).rejects.toThrow('the cut failed');
      expect(existsSync(sideEffect)).toBe(false);
    }
  });

  it('reads files back through the output, bytes intact, and leaves links, folders and large files to getFile', async () => {
    const bytes = Buffer.concat([Buffer.from([...Array(256).keys()]), Buffer.from('é中😀\n'.repeat(50))]);
    writeFileSync(path.join(dir, 'data.bin'), bytes);
    writeFileSync(path.join(dir, 'big.bin'), Buffer.alloc(INLINE_READ_MAX + 1, 7));
    mkdirSync(path.join(dir, 'folder'), { recursive: true });
    symlinkSync(path.join(dir, 'data.bin'), path.join(dir, 'link'));
    const names = ['data.bin', 'missing', 'big.bin', 'folder', 'link'];
    for (const chunk of [1, 7, 65536]) {
      gotByArchive.length = 0;
      const shown: string[] = [];
      const begun: string[] = [];
      const container = hostShell(chunk);
      const reads = names.map((n) => readFileStep(path.join(dir, n)));
      const batch = [{ command: 'echo before' }, ...reads];
      const results = await execStepsAsScript(container, batch, { onOutput: (t) => shown.push(t), onStep: (s) => begun.push(s.command) });
      // Nothing of a read reaches the log.
      expect(shown.join('')).toBe('before\n');
      expect(begun).toEqual(['echo before']);
      const files = await Promise.all(reads.map((read) => fileFromStep(read, batch, results, container, 2 * INLINE_READ_MAX).catch((e: Error) => e.message)));
      expect(files[0]).toEqual(bytes);
      expect(files[1]).toBeNull();
      expect((files[2] as Buffer).length).toBe(INLINE_READ_MAX + 1);
      expect(gotByArchive).toEqual(['big.bin', 'folder', 'link'].map((n) => path.join(dir, n)));
    }
    // A runtime that runs each command on its own leaves every read to getFile.
    gotByArchive.length = 0;
    const single = [readFileStep(path.join(dir, 'data.bin'))];
    const oneByOne = await execStepsOneByOne(hostShell(64), single, {});
    expect(await fileFromStep(single[0]!, single, oneByOne, hostShell(64), 1024 * 1024)).toEqual(bytes);
    expect(gotByArchive).toEqual([path.join(dir, 'data.bin')]);
  });
});
