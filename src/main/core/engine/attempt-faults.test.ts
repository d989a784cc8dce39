/**
 * The judgments behind faults that are not the model's: which test logs say the browser died,
 * when a dead X server turns a failed run into a system error, and what a full disk makes of an
 * attempt's outcome.
 */
import { describe, expect, it } from 'vitest';
import type { AttemptResult } from './attempt-runner';
import { ArtifactStorageError, browserFailureIn, formatBytes, gradingEnvironmentFault, withArtifactFault, XVFB_ALIVE_COMMAND } from './attempt-faults';
import type { ExecOptions, TaskContainer } from './container-runtime';

describe('browserFailureIn', () => {
  it('finds Playwright and Chromium messages of a dead or missing browser', () => {
    expect(browserFailureIn('[ 1.2s] open the app\n  actual:   <error: page.evaluate: Target page, context or browser has been closed>\n')).toMatch(/Target page/);
    expect(browserFailureIn('InfrastructureError: the browser did not launch (x): browserType.launch: Missing X server or $DISPLAY')).toMatch(/browserType\.launch/);
    expect(browserFailureIn('[123:ERROR:x11_util.cc] X IO error received (X server probably went away)')).toMatch(/X IO error/);
    expect(browserFailureIn('Error: page.click: Target crashed')).toMatch(/Target crashed/);
  });

  it('does not take an ordinary failed assertion for one', () => {
    const log = 'AssertionError: Enter should send the message\n  expected: 1 element(s)\n  actual:   0\n==== 1 failed in 3.1s ====';
    expect(browserFailureIn(log)).toBeNull();
    expect(browserFailureIn('')).toBeNull();
  });
});

/** A container that answers the Xvfb check with `xvfbAlive` and records commands. */
function container(xvfbAlive: boolean, commands: string[]): TaskContainer {
  return {
    exec: async (command: string, _opts: ExecOptions) => {
      commands.push(command);
      return { exitCode: command === XVFB_ALIVE_COMMAND && !xvfbAlive ? 1 : 0, output: '' };
    },
  } as unknown as TaskContainer;
}

describe('gradingEnvironmentFault', () => {
  const signal = new AbortController().signal;

  it('blames the environment when Xvfb is gone, quoting the log line if there is one', async () => {
    const commands: string[] = [];
    expect(await gradingEnvironmentFault(container(false, commands), 'x\npage.goto: Browser has been closed\n', signal)).toBe(
      'the X server (Xvfb on :99) died during the test; the test log says: page.goto: Browser has been closed',
    );
    expect(commands).toEqual([XVFB_ALIVE_COMMAND]);
    expect(await gradingEnvironmentFault(container(false, []), 'AssertionError: x', signal)).toBe('the X server (Xvfb on :99) died during the test');
  });

  it('blames the browser from the log alone, and nothing when both look fine', async () => {
    expect(await gradingEnvironmentFault(container(true, []), 'Error: Target crashed', signal)).toMatch(/^the browser died or did not start .*Target crashed/);
    expect(await gradingEnvironmentFault(container(true, []), 'AssertionError: wrong total', signal)).toBeNull();
  });
});

describe('withArtifactFault', () => {
  const fault = new ArtifactStorageError('video-run1.mp4', 2_500_000, 800_000, '/data/artifacts', Object.assign(new Error('no space'), { code: 'ENOSPC' }));
  const graded: AttemptResult = {
    outcome: 'passed',
    earned: 250,
    patch: 'diff',
    decision: null,
    grader: { variant: 'ic_swe', earned: 250, available: 250, notes: 'ok' },
    error: null,
    retryable: false,
  };

  it('names the artifact, its size and the free space', () => {
    expect(fault.message).toBe('no space to store artifact video-run1.mp4 (2.5 MB) under /data/artifacts: 800 kB free (ENOSPC)');
  });

  it('makes a graded attempt a system error that keeps its verdict, earns nothing and is not retried', () => {
    const result = withArtifactFault(graded, fault);
    expect(result).toMatchObject({ outcome: 'error', earned: 0, retryable: false, patch: 'diff', grader: graded.grader });
    expect(result.error).toContain('the verdict was "passed"');
    expect(result.error).toContain(fault.message);
  });

  it('leaves an attempt that already ended otherwise as it was', () => {
    const timedOut: AttemptResult = { ...graded, outcome: 'timeout', earned: 0, grader: null, error: 'the grading phase timed out', retryable: true };
    expect(withArtifactFault(timedOut, fault)).toBe(timedOut);
  });

  it('formats sizes as df -H does', () => {
    expect([formatBytes(17), formatBytes(812_000), formatBytes(1_500_000), formatBytes(2e9)]).toEqual(['17 B', '812 kB', '1.5 MB', '2.0 GB']);
  });
});
