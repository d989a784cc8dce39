import { describe, expect, it } from 'vitest';
import {
  applyBuildMessage,
  describeBuildFailure,
  initialBuildState,
  JsonLineSplitter,
  shorten,
  type DockerStreamMessage,
} from './build-stream';

const lines = (...objects: DockerStreamMessage[]): string => objects.map((o) => JSON.stringify(o) + '\r\n').join('');

describe('JsonLineSplitter', () => {
  it('joins lines split across chunks, even inside a UTF-8 character', () => {
    const text = lines({ stream: 'héllo\n' }, { status: 'ok' });
    const bytes = Buffer.from(text);
    const cut = bytes.indexOf(Buffer.from('é')) + 1; // between the two bytes of "é"
    const splitter = new JsonLineSplitter();
    const first = splitter.push(bytes.subarray(0, cut));
    const second = splitter.push(bytes.subarray(cut));
    expect(first).toEqual([]);
    expect(second).toEqual([{ stream: 'héllo\n' }, { status: 'ok' }]);
    expect(splitter.flush()).toEqual([]);
  });

  it('returns a last line without a newline on flush, and keeps non-JSON text', () => {
    const splitter = new JsonLineSplitter();
    expect(splitter.push('not json\n{"status":"a"}')).toEqual([{ stream: 'not json\n' }]);
    expect(splitter.flush()).toEqual([{ status: 'a' }]);
  });
});

describe('applyBuildMessage', () => {
  it('tracks steps and the image id, and yields lines with their step', () => {
    const state = initialBuildState();
    expect(applyBuildMessage(state, { stream: 'Step 1/3 : FROM x\n' })).toEqual([
      { message: 'Step 1/3 : FROM x', step: 1, totalSteps: 3 },
    ]);
    applyBuildMessage(state, { stream: ' ---> abc\n' });
    applyBuildMessage(state, { stream: 'Step 2/3 : RUN make\n' });
    expect(applyBuildMessage(state, { stream: 'compiling\nlinking\n' })).toEqual([
      { message: 'compiling', step: 2, totalSteps: 3 },
      { message: 'linking', step: 2, totalSteps: 3 },
    ]);
    expect(state.instruction).toBe('RUN make');
    expect(state.tail).toEqual(['compiling', 'linking']);
    applyBuildMessage(state, { aux: { ID: 'sha256:' + 'a'.repeat(64) } });
    expect(state.imageId).toBe('sha256:' + 'a'.repeat(64));
  });

  it('falls back to "Successfully built" for the image id', () => {
    const state = initialBuildState();
    applyBuildMessage(state, { stream: 'Successfully built 0123456789ab\n' });
    expect(state.imageId).toBe('0123456789ab');
  });

  it('ignores download progress bars but keeps status lines', () => {
    const state = initialBuildState();
    expect(applyBuildMessage(state, { status: 'Downloading', progress: '[=>   ]', id: 'l1' })).toEqual([]);
    expect(applyBuildMessage(state, { status: 'Pull complete', id: 'l1' })).toEqual([{ message: 'l1: Pull complete' }]);
  });

  it('strips terminal colour codes and carriage-return redraws', () => {
    const state = initialBuildState();
    expect(applyBuildMessage(state, { stream: '\u001b[91mred\u001b[0m\r50%\r100%\n' }).map((l) => l.message)).toEqual([
      'red',
      '50%',
      '100%',
    ]);
  });

  it('records the error', () => {
    const state = initialBuildState();
    applyBuildMessage(state, { stream: 'Step 2/3 : RUN false\n' });
    const out = applyBuildMessage(state, {
      errorDetail: { code: 1, message: "The command '/bin/sh -c false' returned a non-zero code: 1" },
      error: "The command '/bin/sh -c false' returned a non-zero code: 1",
    });
    expect(state.error).toContain('non-zero code: 1');
    expect(out[0]?.message).toMatch(/^error: /);
  });
});

describe('describeBuildFailure', () => {
  it('names the image, the step and its instruction, then the last output lines', () => {
    const state = initialBuildState();
    for (const m of [
      { stream: 'Step 1/3 : FROM base\n' },
      { stream: ' ---> 123\n' },
      { stream: 'Step 2/3 : RUN apt-get install -y nosuchpackage\n' },
      { stream: 'Reading package lists...\n' },
      { stream: 'E: Unable to locate package nosuchpackage\n' },
      { error: "The command '/bin/sh -c apt-get install -y nosuchpackage' returned a non-zero code: 100" },
    ]) {
      applyBuildMessage(state, m);
    }
    const message = describeBuildFailure('lancer-sample-base:abc', state);
    expect(message).toMatch(/^building lancer-sample-base:abc: step 2\/3 `RUN apt-get install -y nosuchpackage` failed: /);
    expect(message).toContain('E: Unable to locate package nosuchpackage');
    expect(message).toContain('non-zero code: 100');
    expect(message).not.toContain('FROM base');
  });

  it('copes with a failure before the first step', () => {
    const state = initialBuildState();
    applyBuildMessage(state, { error: 'dockerfile parse error line 1: unknown instruction: FORM' });
    expect(describeBuildFailure('x:1', state)).toBe(
      'building x:1: the build failed: dockerfile parse error line 1: unknown instruction: FORM',
    );
  });

  it('shortens long instructions to one line', () => {
    expect(shorten('RUN a \\\n    b', 100)).toBe('RUN a \\ b');
    expect(shorten('x'.repeat(10), 5)).toBe('xxxx…');
  });
});
