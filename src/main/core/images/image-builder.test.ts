import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import type Dockerode from 'dockerode';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DockerStreamMessage } from './build-stream';
import {
  ensureImage,
  ImageBuildError,
  logFileStem,
  pruneOldLogs,
  specHash,
  splitName,
  timestampForFile,
  withLabels,
  type ImageBuildProgress,
  type ImageSpec,
} from './image-builder';
import { INPUTS_HASH_LABEL } from './inputs-hash';

interface FakeImage {
  Id: string;
  Size: number;
  Config: { Labels: Record<string, string> };
}

/** A daemon stand-in that records builds and answers inspects from a map. */
function fakeDocker(script: DockerStreamMessage[]) {
  const images = new Map<string, FakeImage>();
  const builds: Array<{ options: Record<string, unknown>; context: Buffer }> = [];
  const docker = {
    getImage: (name: string) => ({
      inspect: async () => {
        const image = images.get(name);
        if (!image) throw Object.assign(new Error('no such image'), { statusCode: 404 });
        return image;
      },
    }),
    buildImage: async (stream: NodeJS.ReadableStream, options: Record<string, unknown>) => {
      const chunks: Buffer[] = [];
      for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
      const context = Buffer.concat(chunks);
      builds.push({ options, context });
      const ok = !script.some((m) => m.error || m.errorDetail);
      if (ok) {
        images.set(options.t as string, {
          Id: 'sha256:' + String(builds.length).padStart(64, '0'),
          Size: 1000,
          Config: { Labels: labelsOf(dockerfileOf(context)) },
        });
      }
      // The daemon's chunking is arbitrary: split the JSON lines mid-object on purpose.
      const text = script.map((m) => JSON.stringify(m) + '\r\n').join('');
      return Readable.from([text.slice(0, 7), text.slice(7)].map((s) => Buffer.from(s)));
    },
  };
  return { docker: docker as unknown as Dockerode, images, builds };
}

/** The first member of a tar: the Dockerfile. */
function dockerfileOf(context: Buffer): string {
  const size = parseInt(context.subarray(124, 136).toString('latin1').replace(/\0.*$/, ''), 8);
  return context.subarray(512, 512 + size).toString('utf8');
}

/** The labels of the LABEL lines, as the daemon would set them. */
function labelsOf(dockerfile: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const line of dockerfile.split('\n').filter((l) => l.startsWith('LABEL '))) {
    for (const m of line.matchAll(/([\w.-]+)=("(?:[^"\\]|\\.)*")/g)) labels[m[1] ?? ''] = JSON.parse(m[2] ?? '""') as string;
  }
  return labels;
}

let logDir: string;
beforeEach(() => {
  logDir = mkdtempSync(path.join(os.tmpdir(), 'image-builder-test-'));
});
afterEach(() => {
  rmSync(logDir, { recursive: true, force: true });
});

const spec: ImageSpec = {
  phase: 'task',
  name: 'lancer-sample_9001:latest',
  dockerfile: 'FROM lancer-sample:latest\nENV ISSUE_ID=9001\nRUN bash /app/tests/setup_task.sh\n',
  files: [],
  parentId: 'sha256:parent',
  labels: { 'lancer.kind': 'task' },
  questionId: '9001',
};

const okScript: DockerStreamMessage[] = [
  { stream: 'Step 1/3 : FROM lancer-sample:latest\n' },
  { stream: 'Step 2/3 : ENV ISSUE_ID=9001\n' },
  { stream: 'Step 3/3 : RUN bash /app/tests/setup_task.sh\n' },
  { stream: 'HEAD is now at abc\n' },
  { aux: { ID: 'sha256:' + '1'.padStart(64, '0') } },
  { stream: 'Successfully built 000000000001\n' },
];

describe('ensureImage', () => {
  it('builds with the labels and hash, reports steps, writes the log, then skips when unchanged', async () => {
    const { docker, builds } = fakeDocker(okScript);
    const events: ImageBuildProgress[] = [];
    const first = await ensureImage({ docker, logDir, onProgress: (e) => events.push(e) }, spec);
    expect(first).toMatchObject({ name: spec.name, upToDate: false, questionId: '9001', phase: 'task', sizeBytes: 1000 });
    expect(builds).toHaveLength(1);
    const dockerfile = dockerfileOf(builds[0]?.context ?? Buffer.alloc(0));
    expect(dockerfile.startsWith(spec.dockerfile)).toBe(true);
    expect(dockerfile.trimEnd().split('\n').filter((l) => l.startsWith('LABEL '))).toHaveLength(1);
    expect(labelsOf(dockerfile)).toEqual({
      app: 'lancer-workbench',
      'lancer.image-set': 'sample',
      'lancer.kind': 'task',
      [INPUTS_HASH_LABEL]: specHash(spec),
    });
    expect(builds[0]?.options).toMatchObject({ t: spec.name, version: '1', rm: true, forcerm: true });
    // The context is a tar whose first member is the Dockerfile.
    expect(builds[0]?.context.subarray(0, 10).toString()).toBe('Dockerfile');
    expect(events.filter((e) => e.step === 3).map((e) => e.message)).toEqual([
      'Step 3/3 : RUN bash /app/tests/setup_task.sh',
      'HEAD is now at abc',
      'Successfully built 000000000001',
    ]);
    expect(events.at(-1)).toMatchObject({ done: true, message: 'built' });
    expect(readFileSync(first.logPath ?? '', 'utf8')).toContain('HEAD is now at abc');

    events.length = 0;
    const second = await ensureImage({ docker, logDir, onProgress: (e) => events.push(e) }, spec);
    expect(second.upToDate).toBe(true);
    expect(second.logPath).toBeUndefined();
    expect(builds).toHaveLength(1);
    expect(events).toEqual([{ phase: 'task', image: spec.name, message: 'up to date', done: true }]);

    // A new parent id changes the hash, so the image is built again.
    await ensureImage({ docker, logDir }, { ...spec, parentId: 'sha256:newparent' });
    expect(builds).toHaveLength(2);
  });

  it('throws an ImageBuildError naming the image, the step and the output', async () => {
    const { docker } = fakeDocker([
      { stream: 'Step 1/3 : FROM lancer-sample:latest\n' },
      { stream: 'Step 3/3 : RUN bash /app/tests/setup_task.sh\n' },
      { stream: 'patch: **** malformed patch at line 3\n' },
      { errorDetail: { code: 2, message: "The command '/bin/sh -c bash /app/tests/setup_task.sh' returned a non-zero code: 2" } },
    ]);
    const error = await ensureImage({ docker, logDir }, spec).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImageBuildError);
    const err = error as ImageBuildError;
    expect(err.message).toMatch(/^building lancer-sample_9001:latest: step 3\/3 `RUN bash \/app\/tests\/setup_task.sh` failed: /);
    expect(err.message).toContain('malformed patch');
    expect(err.step).toBe(3);
    expect(readFileSync(err.logPath ?? '', 'utf8')).toContain('# failed');
  });

  it('does not start when already aborted', async () => {
    const { docker, builds } = fakeDocker(okScript);
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    await expect(ensureImage({ docker, logDir, signal: controller.signal }, spec)).rejects.toThrow('stop');
    expect(builds).toHaveLength(0);
  });
});

describe('pruneOldLogs', () => {
  it('keeps the newest logs of each image and leaves other files alone', async () => {
    const names = [
      'a_latest-20250101-000000-000.log',
      'a_latest-20250102-000000-000.log',
      'a_latest-20250103-000000-000.log',
      'b-20250101-000000-000.log',
      'notes.txt',
    ];
    for (const n of names) writeFileSync(path.join(logDir, n), '');
    expect(await pruneOldLogs(logDir, 2)).toEqual(['a_latest-20250101-000000-000.log']);
    expect(readdirSync(logDir).sort()).toEqual(names.slice(1));
  });
});

describe('helpers', () => {
  it('splitName keeps registry ports in the repo', () => {
    expect(splitName('lancer-sample:latest')).toEqual(['lancer-sample', 'latest']);
    expect(splitName('localhost:5000/x')).toEqual(['localhost:5000/x', 'latest']);
    expect(splitName('localhost:5000/x:v1')).toEqual(['localhost:5000/x', 'v1']);
  });

  it('withLabels appends one quoted LABEL line', () => {
    expect(withLabels('FROM x\n\n', { b: 'two words', a: '1' })).toBe('FROM x\nLABEL a="1" b="two words"\n');
  });

  it('makes log file names safe and sortable', () => {
    expect(logFileStem('lancer-sample_9001:latest')).toBe('lancer-sample_9001_latest');
    expect(logFileStem('localhost:5000/a:b')).toBe('localhost_5000_a_b');
    expect(timestampForFile(new Date('2025-01-02T03:04:05.678Z'))).toBe('20250102-030405-678');
  });
});
