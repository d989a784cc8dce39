/**
 * The sample benchmark's images against the real Docker daemon: they build (cold, the first
 * time: debootstrap and apt downloads), a rebuild is a no-op, and every IC task's image really
 * is broken before its fix and passing after it, offline (containers have no network).
 *
 * Skipped when no daemon answers. The data dir (rootfs cache, build logs) is
 * .lancer-test/images, shared with scripts/bench-images.mjs.
 */
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import Dockerode from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildSampleImages,
  listWorkbenchImages,
  type BuildSampleImagesResult,
} from '../../src/main/core/images/sample-images';
import { imageNames, DEFAULT_PREFIX, DEFAULT_SUITE, DEFAULT_TAG } from '../../src/main/core/images/dockerfiles';
import { INPUTS_HASH_LABEL } from '../../src/main/core/images/inputs-hash';
import { icTaskIds, readSampleTasks, sampleBenchmarkDir, type SampleTask } from '../../src/main/core/images/sample-tasks';
import { required } from '../helpers/requirements';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const resourcesDir = path.join(projectRoot, 'resources');
const dataDir = path.join(projectRoot, '.lancer-test', 'images');
const docker = new Dockerode();
const names = imageNames(DEFAULT_PREFIX, DEFAULT_TAG, DEFAULT_SUITE);
const TEST_LABEL = 'lancer.test';
const MINUTE = 60_000;

const dockerAnswers = await Promise.race([
  docker.ping().then(
    () => true,
    () => false,
  ),
  new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 3000)),
]).then((ok) => required('a Docker daemon', ok));
// Read at collection time so each IC task gets its own test case.
const tasks: SampleTask[] = await readSampleTasks(sampleBenchmarkDir(resourcesDir)).catch(() => []);
const icIds = icTaskIds(tasks);
const managerTask = tasks.find((t) => t.variant === 'swe_manager' && t.managerCommit);

describe.skipIf(!dockerAnswers)('sample benchmark images (real Docker)', () => {
  let result: BuildSampleImagesResult;
  const containers: Dockerode.Container[] = [];

  beforeAll(async () => {
    const phases = new Set<string>();
    result = await buildSampleImages({
      docker,
      resourcesDir,
      dataDir,
      projectRoot,
      onProgress: (e) => {
        // One line per phase keeps the test output readable; the full logs are on disk.
        if (!phases.has(e.phase)) console.log(`[images] ${e.phase}: ${e.image}: ${e.message}`);
        phases.add(e.phase);
      },
    });
  }, 20 * MINUTE);

  afterAll(async () => {
    for (const c of containers) await c.remove({ force: true }).catch(() => undefined);
  }, 2 * MINUTE);

  it('has an image per IC task and the monolith, with the workbench labels', async () => {
    expect(icIds.length).toBeGreaterThan(0);
    const built = new Map(result.images.map((i) => [i.name, i]));
    for (const name of [...icIds.map(names.task), names.monolith, names.benchmark]) {
      expect(built.has(name), `${name} is in the build result`).toBe(true);
      const info = await docker.getImage(name).inspect();
      expect(info.Config.Labels).toMatchObject({ app: 'lancer-workbench' });
      expect(info.Config.Labels[INPUTS_HASH_LABEL]).toMatch(/^[0-9a-f]{64}$/);
    }
    for (const id of icIds) {
      const labels = (await docker.getImage(names.task(id)).inspect()).Config.Labels;
      expect(labels).toMatchObject({ 'lancer.kind': 'task', 'lancer.question-id': id });
      const env = (await docker.getImage(names.task(id)).inspect()).Config.Env ?? [];
      expect(env).toContain(`ISSUE_ID=${id}`);
    }
    const monolith = await docker.getImage(names.monolith).inspect();
    expect(monolith.Config.Env).toContain('RUNTIME_SETUP=true');
    expect(monolith.Config.Entrypoint).toEqual(['/bin/bash', '-l', '-c']);
    expect(monolith.Config.Cmd).toEqual(['/app/tests/run.sh']);
    expect(monolith.Config.WorkingDir).toBe('/app/sample');

    const listed = await listWorkbenchImages(docker);
    const listedNames = new Set(listed.flatMap((i) => i.names));
    for (const image of result.images.filter((i) => i.phase !== 'os' || i.name.startsWith(DEFAULT_PREFIX))) {
      expect(listedNames.has(image.name), `${image.name} is listed`).toBe(true);
    }
  });

  it('rebuilds nothing when nothing changed', async () => {
    const again = await buildSampleImages({ docker, resourcesDir, dataDir, projectRoot });
    expect(again.images.filter((i) => !i.upToDate).map((i) => i.name)).toEqual([]);
    expect(again.images.map((i) => i.id)).toEqual(result.images.map((i) => i.id));
  });

  // Two at a time: the machines running this have two cores, and each test drives a browser.
  const slots = semaphore(2);

  it.concurrent.each(icIds)(
    'IC task %s: the tests fail on the image as built, and pass once the bug patch is reverted',
    async (id) => {
      await slots.run(async () => {
        const container = await startContainer(names.task(id), [`ISSUE_ID=${id}`, 'EVAL_VARIANT=ic_swe']);
        containers.push(container);
        await waitForSetup(container, 2 * MINUTE);

        const broken = await runTests(container, id);
        expect(broken.code, `with the bug in place:\n${broken.log}`).toBe('1');
        const revert = await exec(container, [
          'sh',
          '-c',
          `cd /app/sample && git apply -R /app/tests/issues/${id}/bug_reintroduce.patch`,
        ]);
        expect(revert.exitCode, revert.output).toBe(0);
        const fixed = await runTests(container, id);
        expect(fixed.code, `with the bug reverted:\n${fixed.log}`).toBe('0');
        await container.remove({ force: true });
      });
    },
    20 * MINUTE,
  );

  it('monolith: set-up runs at container start for the ISSUE_ID given then', async () => {
    const id = icIds[0];
    expect(id).toBeDefined();
    const container = await startContainer(names.monolith, [`ISSUE_ID=${id}`, 'EVAL_VARIANT=ic_swe']);
    containers.push(container);
    await waitForSetup(container, 2 * MINUTE);
    const check = await exec(container, ['sh', '-c', `test -d /app/tests/logs/${id} && git -C /app/sample status --porcelain`]);
    expect(check.exitCode, check.output).toBe(0);
    // The bug patch is applied: the work tree differs from the commit it was reset to.
    expect(check.output.trim()).not.toBe('');
    await container.remove({ force: true });
  }, 5 * MINUTE);

  it.skipIf(!managerTask)('monolith: a manager task starts and resets to the commit before its fix', async () => {
    const task = managerTask as SampleTask & { managerCommit: string };
    const container = await startContainer(names.monolith, [`ISSUE_ID=${task.questionId}`, 'EVAL_VARIANT=swe_manager']);
    containers.push(container);
    const state = (await container.inspect()).State;
    expect(state.Running).toBe(true);
    const reset = await exec(container, ['sh', '-c', `git -C /app/sample reset --hard ${task.managerCommit}^`]);
    expect(reset.exitCode, reset.output).toBe(0);
    const head = await exec(container, ['sh', '-c', `git -C /app/sample rev-parse HEAD ${task.managerCommit}^`]);
    const [now, expected] = head.output.trim().split('\n');
    expect(now).toBe(expected);
    await container.remove({ force: true });
  }, 5 * MINUTE);

  async function startContainer(image: string, env: string[]): Promise<Dockerode.Container> {
    const container = await docker.createContainer({
      Image: image,
      Env: env,
      Labels: { app: 'lancer-workbench', [TEST_LABEL]: 'sample-images' },
      HostConfig: {
        // Chromium needs more than Docker's 64 MB default /dev/shm.
        ShmSize: 1024 * 1024 * 1024,
        Init: true,
        // The benchmark must work offline: no network at all, only loopback.
        NetworkMode: 'none',
      },
    });
    await container.start();
    return container;
  }
});

/** Polls /setup_done.txt like the official harness, failing fast when the container exits. */
async function waitForSetup(container: Dockerode.Container, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const state = (await container.inspect()).State;
    if (!state.Running) {
      const logs = (await container.logs({ stdout: true, stderr: true, tail: 40 })).toString('utf8');
      throw new Error(`the container exited (code ${state.ExitCode}) before set-up finished:\n${logs}`);
    }
    const done = await exec(container, ['cat', '/setup_done.txt']);
    if (done.exitCode === 0 && done.output.trim() === 'done') return;
    if (Date.now() > deadline) throw new Error('set-up did not finish in time');
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * Runs the task's tests; returns pytest_exit_code (or a note that it is missing) and the output
 * of run_tests.sh and the test, so a surprising result explains itself.
 */
async function runTests(container: Dockerode.Container, id: string): Promise<{ code: string; log: string }> {
  const run = await exec(container, ['bash', '/app/tests/run_tests.sh'], [`ISSUE_ID=${id}`]);
  const code = await exec(container, ['cat', `/app/tests/logs/${id}/pytest_exit_code`]);
  const testLog = await exec(container, ['sh', '-c', `tail -n 40 /app/tests/logs/${id}/pytest.log`]);
  const log = `run_tests.sh exited ${run.exitCode}:\n${run.output}\npytest.log:\n${testLog.output}`;
  return { code: code.exitCode === 0 ? code.output.trim() : '(no pytest_exit_code)', log };
}

/** docker exec, stdout and stderr combined as the official harness reads them. */
async function exec(
  container: Dockerode.Container,
  cmd: string[],
  env: string[] = [],
): Promise<{ exitCode: number; output: string }> {
  const execution = await container.exec({ Cmd: cmd, Env: env, AttachStdout: true, AttachStderr: true });
  const stream = await execution.start({ hijack: true, stdin: false });
  const sink = new PassThrough();
  const chunks: Buffer[] = [];
  sink.on('data', (c: Buffer) => chunks.push(c));
  container.modem.demuxStream(stream, sink, sink);
  await new Promise<void>((resolve, reject) => {
    stream.on('end', resolve);
    stream.on('close', resolve);
    stream.on('error', reject);
  });
  const info = await execution.inspect();
  return { exitCode: info.ExitCode ?? -1, output: Buffer.concat(chunks).toString('utf8') };
}

/** At most `n` callers inside `run` at once. */
function semaphore(n: number): { run: <T>(fn: () => Promise<T>) => Promise<T> } {
  let free = n;
  const waiting: Array<() => void> = [];
  return {
    async run(fn) {
      if (free === 0) await new Promise<void>((resolve) => waiting.push(resolve));
      else free -= 1;
      try {
        return await fn();
      } finally {
        const next = waiting.shift();
        if (next) next();
        else free += 1;
      }
    },
  };
}
