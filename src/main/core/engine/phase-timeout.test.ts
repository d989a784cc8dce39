import { describe, expect, it } from 'vitest';
import { CancelledError } from './container-runtime';
import { inPhase, PhaseTimeoutError } from './attempt-runner';

/** Waits `ms` or ends with a CancelledError when the phase's signal aborts, as runtime calls do. */
function work(ms: number, signal: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => resolve('done'), ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(new CancelledError());
    });
  });
}

describe('a phase under its timeout', () => {
  it('times out when its own work outlasts it', async () => {
    await expect(inPhase('setup', 0.2, new AbortController().signal, (s) => work(400, s))).rejects.toBeInstanceOf(PhaseTimeoutError);
  });

  it("does not count a held wait (a cluster's queue), only the work before and after it", async () => {
    const started = performance.now();
    const result = await inPhase('setup', 0.3, new AbortController().signal, async (s, hold) => {
      await work(100, s);
      await hold(new Promise((resolve) => setTimeout(resolve, 500)));
      return work(150, s);
    });
    expect(result).toBe('done');
    expect(performance.now() - started).toBeGreaterThan(700);
  });

  it('still times out when the work after a held wait uses up what was left', async () => {
    await expect(
      inPhase('setup', 0.3, new AbortController().signal, async (s, hold) => {
        await work(200, s);
        await hold(new Promise((resolve) => setTimeout(resolve, 300)));
        return work(200, s);
      }),
    ).rejects.toBeInstanceOf(PhaseTimeoutError);
  });
});
