/**
 * `npm run bench:swarm`: the sample benchmark on the local daemon against a Docker Swarm with
 * the same total concurrency on this machine, and one exec's round trip to a node's daemon over
 * TCP with mutual TLS against the local socket.
 *
 * The swarm is the test suite's (tests/helpers/test-swarm.ts): Docker daemons in network
 * namespaces of this same machine, every node reached over TCP with mutual TLS. The machine's
 * CPUs are the same for both, so the throughput ratio is what the swarm's way costs (a Swarm
 * job per attempt, placement, a remote daemon per exec and file), not more hardware.
 * Goal: the swarm at ≥ 0.9× the local throughput.
 *
 * `-- --rounds N` (default 2) alternates local and swarm runs N times and prints the spread.
 */
import { importDataset } from '../src/main/core/dataset/importer';
import { createDockerClient, createDockerClientFor, type Dockerode } from '../src/main/core/docker/docker-client';
import { DockerTaskContainer } from '../src/main/core/engine/docker-runtime';
import { imageForTask } from '../src/main/core/engine/profiles';
import { Workbench } from '../src/main/core/workbench';
import { ensureSampleImages, sampleCsv, sampleIssues } from '../tests/helpers/sample-images';
import { makeTempDir } from '../tests/helpers/temp-dir';
import { startTestSwarm } from '../tests/helpers/test-swarm';

const rounds = Number(process.argv[process.argv.indexOf('--rounds') + 1] ?? 2) || 2;
const CONCURRENCY = 2;
const NODES = 2;
const EXECS = 40;

const median = (xs: number[]): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};

/** Tasks a minute of a gold run of the whole sample benchmark, here or on the cluster. */
async function throughput(wb: Workbench, cluster: string | undefined): Promise<number> {
  const runId = await wb.engine.createRun({ datasetId: 'sample', solver: { kind: 'gold' }, concurrency: CONCURRENCY, ...(cluster ? { cluster } : {}) });
  const started = performance.now();
  await wb.engine.start(runId);
  const wall = performance.now() - started;
  const run = wb.runs.getRun(runId);
  if (run.tally.passed !== run.tally.tasks) throw new Error(`run ${runId}${cluster ? ` on ${cluster}` : ''}: ${run.tally.passed} of ${run.tally.tasks} passed`);
  return (run.tally.tasks / wall) * 60_000;
}

/** Median milliseconds of `true` run by exec in a container on that daemon, as the engine runs commands. */
async function execRoundTrip(docker: Dockerode, image: string): Promise<number> {
  const container = await docker.createContainer({ Image: image, Entrypoint: ['sleep', 'infinity'], Labels: { app: 'lancer-workbench-bench' } });
  await container.start();
  try {
    const task = new DockerTaskContainer(docker, container, container.id, null);
    const times: number[] = [];
    for (let i = 0; i < EXECS; i++) {
      const t0 = performance.now();
      const r = await task.exec('true', { timeoutMs: 30_000 });
      if (r.exitCode !== 0) throw new Error(`exec exited ${r.exitCode}`);
      times.push(performance.now() - t0);
    }
    return median(times.slice(5)); // the first ones warm the connection
  } finally {
    await container.remove({ force: true });
  }
}

async function main(): Promise<void> {
  await ensureSampleImages();
  const { dir, cleanup } = makeTempDir('lancer-bench-swarm-');
  const swarm = await startTestSwarm({ nodes: NODES, name: `bs${process.pid % 10000}`, tls: true, heartbeat: '1s' });
  const wb = new Workbench({ dataDir: dir, version: 'bench', transport: 'cli' });
  try {
    // One CPU reserved per attempt, so the swarm's nodes (each sees this machine's CPUs) take
    // the same total concurrency as the local run; one test run per task.
    wb.settings.update({ testRuns: 1, cpuLimit: 1 });
    await importDataset(wb.datasets, { path: sampleCsv, issuesDir: sampleIssues, name: 'sample' });
    await wb.clusters.add({ name: 'bench', manager: swarm.manager.tcpHost!, tlsDir: swarm.certs!.client.dir });
    const images = [...new Set(wb.datasets.listTasks({ datasetId: 'sample' }).map((t) => imageForTask(wb.datasets.getTask(t.id), {})))];
    const copyStarted = performance.now();
    await wb.clusters.distribute('bench', images);
    console.log(`images copied to ${NODES} nodes in ${((performance.now() - copyStarted) / 1000).toFixed(1)} s`);

    const local = createDockerClient();
    const node = swarm.nodes[NODES - 1]!;
    const overTls = createDockerClientFor(node.tcpHost!, swarm.certs!.client.dir);
    const localExec = await execRoundTrip(local, 'lancer-sample_monolith:latest');
    const tlsExec = await execRoundTrip(overTls, 'lancer-sample_monolith:latest');
    console.log(`exec round trip (median of ${EXECS - 5}): local socket ${localExec.toFixed(0)} ms, node over TCP+TLS ${tlsExec.toFixed(0)} ms (${(tlsExec / localExec).toFixed(2)}×)`);

    // Untimed warm-up on each side: networks made, page cache warm.
    await wb.engine.start(await wb.engine.createRun({ datasetId: 'sample', taskIds: ['9101-manager-0'], solver: { kind: 'gold' } }));
    await wb.engine.start(await wb.engine.createRun({ datasetId: 'sample', taskIds: ['9101-manager-0'], solver: { kind: 'gold' }, cluster: 'bench' }));

    const ratios: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const here = await throughput(wb, undefined);
      const there = await throughput(wb, 'bench');
      ratios.push(there / here);
      console.log(`round ${i + 1}: local ${here.toFixed(1)} tasks/min, swarm of ${NODES} nodes ${there.toFixed(1)} tasks/min at concurrency ${CONCURRENCY}: ${(there / here).toFixed(2)}×`);
    }
    const met = median(ratios) >= 0.9 ? 'met' : 'NOT met';
    console.log(`\n${rounds} rounds (13 sample tasks, gold, 1 test run): swarm ${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}× local throughput; goal ≥ 0.9×: ${met}`);
  } finally {
    await wb.close();
    await swarm.destroy();
    cleanup();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
