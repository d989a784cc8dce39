/**
 * Network holders made ahead (spare-holders.ts) on a real Docker daemon: an attempt's container
 * joins the namespace of a holder made while the previous attempt ran; cutting its network
 * takes every interface but loopback out of it; removing it removes the holder; an attempt that
 * may be kept never joins one; the reaper removes holders whose process is gone; a run leaves
 * none behind. And a start cancelled while the daemon creates its container leaves no container.
 */
import { spawn, spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importDataset } from '../../src/main/core/dataset/importer';
import { createDockerClient } from '../../src/main/core/docker/docker-client';
import type Dockerode from 'dockerode';
import {
  CancelledError,
  LABEL_APP,
  LABEL_APP_VALUE,
  LABEL_HOLDER,
  LABEL_STORE,
  type ContainerRuntime,
  type ContainerSpec,
  type TaskContainer,
} from '../../src/main/core/engine/container-runtime';
import { DockerRuntime } from '../../src/main/core/engine/docker-runtime';
import { storeIdFor, Workbench } from '../../src/main/core/workbench';
import { canRunSample, ensureSampleImages, sampleCsv, sampleIssues } from '../helpers/sample-images';
import { makeTempDir } from '../helpers/temp-dir';

const MINUTE = 60_000;
const IMAGE = 'lancer-sample_monolith:latest';
const runnable = await canRunSample();

const docker = (...args: string[]): string => {
  const r = spawnSync('docker', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`docker ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
};
const networkMode = (containerId: string): string => docker('inspect', '-f', '{{.HostConfig.NetworkMode}}', containerId);
/** This store's holders, running or not. */
const holdersOf = (storeId: string): string[] =>
  docker('ps', '-aq', '--no-trunc', '--filter', `label=${LABEL_STORE}=${storeId}`, '--filter', `label=${LABEL_HOLDER}`).split('\n').filter(Boolean);
/** Polls until `read` returns a non-empty list (a spare is made in the background). */
async function until(read: () => string[]): Promise<string[]> {
  for (let i = 0; i < 100; i++) {
    const found = read();
    if (found.length > 0) return found;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('timed out waiting for a holder');
}
/** The network interfaces the container sees. */
const interfaces = async (c: TaskContainer): Promise<string[]> => (await c.exec('ls /sys/class/net', { timeoutMs: 30_000 })).output.split(/\s+/).filter(Boolean).sort();

describe.skipIf(!runnable)('spare network holders (real Docker)', () => {
  const { dir, cleanup } = makeTempDir('lancer-holders-');
  const storeId = storeIdFor(dir);
  const runtime = new DockerRuntime(createDockerClient(), storeId);
  const spec = (name: string, extra: Partial<ContainerSpec> = {}): ContainerSpec => ({
    name: `lancer-holders-test-${name}-${process.pid}`,
    image: IMAGE,
    env: ['ISSUE_ID=9001'], // the sample's entrypoint sets a task up and stays; without one it exits
    labels: { [LABEL_APP]: LABEL_APP_VALUE },
    cpus: 0,
    memoryMb: 0,
    shmMb: 64,
    ...extra,
  });

  beforeAll(async () => {
    await ensureSampleImages();
  }, 25 * MINUTE);
  afterAll(async () => {
    await runtime.dispose();
    for (const id of holdersOf(storeId)) docker('rm', '-f', id);
    cleanup();
  });

  it('a started container joins the holder made for its image; the cut and the removal reach the holder', async () => {
    const first = await runtime.start(spec('first'));
    let second: TaskContainer | undefined;
    try {
      // Nothing was prepared: the first container is on the store's network itself.
      expect(networkMode(first.id)).toMatch(/^lancer-net-/);
      runtime.prepare(IMAGE);
      second = await runtime.start(spec('second'));
      const [holder] = holdersOf(storeId);
      expect(holdersOf(storeId)).toHaveLength(1);
      expect(networkMode(second.id)).toBe(`container:${holder}`);
      expect(docker('inspect', '-f', `{{index .Config.Labels "${LABEL_HOLDER}"}}`, holder!)).toBe(String(process.pid));
      // The ledger records the attempt's network, whoever is attached to it.
      expect(second.networkId).toBe(first.networkId);
      expect(await interfaces(second)).toEqual(['eth0', 'lo']);
      await second.cutNetwork();
      expect(await interfaces(second)).toEqual(['lo']);
      // The agents' network is joined through the holder too.
      const egress = await runtime.egressNetwork();
      await second.joinNetwork(egress.name);
      expect(await interfaces(second)).toHaveLength(2);
      await second.cutNetwork();
      await second.remove();
      expect(holdersOf(storeId)).toEqual([]);
    } finally {
      await second?.remove();
      await first.remove();
    }
  }, 2 * MINUTE);

  it('an attempt that may be kept, and a clean grading container, start on the network and leave the spare for the next', async () => {
    runtime.prepare(IMAGE);
    const kept = await runtime.start(spec('kept', { keepOnFailure: true }));
    const clean = await runtime.start(spec('clean', { useSpare: false }));
    try {
      expect(networkMode(kept.id)).toMatch(/^lancer-net-/);
      expect(networkMode(clean.id)).toMatch(/^lancer-net-/);
    } finally {
      await kept.remove();
      await clean.remove();
    }
    const next = await runtime.start(spec('next'));
    try {
      expect(networkMode(next.id)).toMatch(/^container:/);
    } finally {
      await next.remove();
    }
    expect(holdersOf(storeId)).toEqual([]);
  }, 2 * MINUTE);

  it('a holder that stopped meanwhile is dropped and the container starts on the network itself', async () => {
    runtime.prepare(IMAGE);
    const [stale] = await until(() => holdersOf(storeId));
    docker('kill', stale!); // as a daemon's restart leaves it
    const c = await runtime.start(spec('after-stale'));
    try {
      expect(networkMode(c.id)).toMatch(/^lancer-net-/);
      expect(holdersOf(storeId)).toEqual([]);
    } finally {
      await c.remove();
    }
  }, 2 * MINUTE);

  it('releaseSpares removes a spare no start took; the reaper removes holders nobody wants any more', async () => {
    runtime.prepare(IMAGE);
    runtime.prepare(IMAGE); // one spare per image, however often asked
    await until(() => holdersOf(storeId));
    expect(holdersOf(storeId)).toHaveLength(1);
    await runtime.releaseSpares();
    expect(holdersOf(storeId)).toEqual([]);

    // Left by a crashed process (its pid names no process); left by this process (a removal that
    // failed while the daemon was away); of another live process (its own spare).
    const other = spawn('sleep', ['600']);
    const make = (pid: number): string =>
      docker('run', '-d', '--label', `${LABEL_APP}=${LABEL_APP_VALUE}`, '--label', `${LABEL_STORE}=${storeId}`, '--label', `${LABEL_HOLDER}=${pid}`, '--entrypoint', 'sleep', IMAGE, '600');
    try {
      const orphan = make(spawnSync('true').pid!);
      const ownLeftover = make(process.pid);
      const othersSpare = make(other.pid!);
      runtime.prepare(IMAGE); // this process's own spare stays
      await until(() => (holdersOf(storeId).length === 4 ? holdersOf(storeId) : []));
      const reaped = await runtime.reap(() => false);
      expect(reaped.containers).toBe(2);
      const left = holdersOf(storeId);
      expect(left).toContain(othersSpare);
      expect(left).not.toContain(orphan);
      expect(left).not.toContain(ownLeftover);
      expect(left).toHaveLength(2); // and the spare
      await runtime.releaseSpares();
      expect(holdersOf(storeId)).toEqual([othersSpare]);
      docker('rm', '-f', othersSpare);
    } finally {
      other.kill();
    }
  }, 2 * MINUTE);

  it('a run prepares the next queued attempt\'s image, its later attempts join holders, and it ends with none left', async () => {
    const runDir = makeTempDir('lancer-holders-run-');
    const real = new DockerRuntime(createDockerClient(), storeIdFor(runDir.dir));
    const modes: string[] = [];
    const prepared: string[] = [];
    // The real runtime, with its starts and preparations noted.
    const noting: ContainerRuntime = {
      start: async (s, signal) => {
        const c = await real.start(s, signal);
        modes.push(networkMode(c.id));
        return c;
      },
      prepare: (image) => {
        prepared.push(image);
        real.prepare(image);
      },
      releaseSpares: () => real.releaseSpares(),
      imageId: (image) => real.imageId(image),
      egressNetwork: () => real.egressNetwork(),
      dispose: () => real.dispose(),
      reap: (isLive, isKept) => real.reap(isLive, isKept),
      listKept: () => real.listKept(),
      removeKept: (id) => real.removeKept(id),
    };
    const wb = new Workbench({ dataDir: runDir.dir, version: 'test', transport: 'cli', runtime: noting });
    try {
      await importDataset(wb.datasets, { path: sampleCsv, issuesDir: sampleIssues, name: 'sample' });
      const managers = wb.datasets.listTasks({ datasetId: 'sample', variant: 'swe_manager' }).map((t) => t.questionId).slice(0, 3);
      const runId = await wb.engine.createRun({ datasetId: 'sample', taskIds: managers, solver: { kind: 'gold' }, concurrency: 1 });
      await wb.engine.start(runId);
      const run = wb.runs.getRun(runId);
      expect(run.attempts.map((a) => a.state)).toEqual(['passed', 'passed', 'passed']);
      // Each attempt but the last prepared the next one's image; the last had none queued.
      expect(prepared).toEqual(run.attempts.slice(1).map((a) => a.image));
      expect(modes[0]).toMatch(/^lancer-net-/);
      expect(modes.slice(1).every((m) => m.startsWith('container:'))).toBe(true);
      expect(holdersOf(storeIdFor(runDir.dir))).toEqual([]);
    } finally {
      await wb.close();
      runDir.cleanup();
    }
  }, 5 * MINUTE);

  it('a start cancelled while the daemon creates its container leaves no container behind, and closing waits for its removal', async () => {
    const name = spec('cancelled').name;
    const named = (): string[] => docker('ps', '-aq', '--filter', `name=^/${name}$`).split('\n').filter(Boolean);
    /**
     * A runtime whose start is cancelled the moment the create is sent, before the daemon has
     * answered it; `answerAfterMs` holds the answer back further, as a busy daemon would.
     */
    const cancelledStart = async (answerAfterMs = 0): Promise<{ runtime: DockerRuntime; created: Promise<Dockerode.Container> }> => {
      const client = createDockerClient();
      const controller = new AbortController();
      let creating: Promise<Dockerode.Container> | undefined;
      // Defined, not assigned: an assignment would go through to the client behind the prototype.
      const cancelling = Object.defineProperty(Object.create(client) as Dockerode, 'createContainer', {
        value: (opts: Dockerode.ContainerCreateOptions) => {
          creating = client.createContainer(opts).then(async (made) => {
            await new Promise((r) => setTimeout(r, answerAfterMs));
            return made;
          });
          controller.abort();
          return creating;
        },
      });
      const runtime = new DockerRuntime(cancelling, storeId, { spareHolders: false });
      await expect(runtime.start(spec('cancelled'), controller.signal)).rejects.toThrow(CancelledError);
      return { runtime, created: creating! };
    };
    try {
      // The daemon made it anyway; the runtime removes it once it exists (it was left "Created").
      const first = await cancelledStart();
      await first.created;
      for (let i = 0; i < 100 && named().length > 0; i++) await new Promise((r) => setTimeout(r, 100));
      expect(named()).toEqual([]);
      await first.runtime.dispose();
      // Closed at once (a CLI run cancelled and exiting) while the daemon is slow to answer:
      // closing waits for the container to be made and removed.
      const second = await cancelledStart(1000);
      await second.runtime.dispose();
      expect(named()).toEqual([]);
    } finally {
      for (const id of named()) docker('rm', '-f', id);
    }
  }, 2 * MINUTE);
});
