/**
 * Runs on a Docker Swarm, for real: a swarm of three Docker daemons in network namespaces (see
 * tests/helpers/test-swarm.ts), every node's daemon reached over TCP with mutual TLS, as a real
 * cluster would be. Through the `lancer` command: the cluster is added (and a client without
 * the certificate refused), the sample images are copied to the nodes, and the sample benchmark's
 * gold run goes across them while one worker is killed mid-run; the attempt it held is retried
 * elsewhere, every task passes, each attempt names its node, the live screen of a remote attempt
 * streams, and the reaper leaves nothing on any node.
 */
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeIdFor, Workbench } from '../../src/main/core/workbench';
import { lancerAsyncIn, lancerIn } from '../helpers/cli';
import { required } from '../helpers/requirements';
import { canRunSample, ensureSampleImages, sampleCsv, sampleIssues } from '../helpers/sample-images';
import { makeTempDir } from '../helpers/temp-dir';
import { startTestSwarm, testSwarmUnavailable, type TestSwarm } from '../helpers/test-swarm';

const MINUTE = 60_000;
const swarmWhy = testSwarmUnavailable();
const runnable = (await canRunSample()) && required(`a test swarm (${swarmWhy ?? ''})`, swarmWhy === null);

interface ResultsJson {
  attempts: { attemptId: string; questionId: string; retried: boolean; outcome: string; node: string | null; error: string | null; artifacts: { kind: string }[] }[];
}

describe.skipIf(!runnable)('runs on a Docker Swarm (three daemons in network namespaces, mutual TLS)', () => {
  const { dir, cleanup } = makeTempDir('lancer-swarm-');
  const lancer = lancerIn(dir);
  const lancerAsync = lancerAsyncIn(dir);
  let swarm: TestSwarm;
  let sampleImages: string[] = [];

  beforeAll(async () => {
    await ensureSampleImages();
    // A one-second heartbeat: a killed worker is seen down in seconds, not after Swarm's 5 s periods.
    swarm = await startTestSwarm({ nodes: 3, name: `sw${process.pid % 10000}`, tls: true, heartbeat: '1s' });
    const imported = lancer('import', sampleCsv, '--issues', sampleIssues, '--name', 'sample');
    expect(imported.code, imported.stderr).toBe(0);
  }, 20 * MINUTE);

  afterAll(async () => {
    await swarm?.destroy();
    cleanup();
  }, 5 * MINUTE);

  it('adds the cluster only with the client certificate; plain TCP and a foreign certificate are refused', () => {
    const manager = swarm.manager.tcpHost!;
    const plain = lancer('cluster', 'add', 'nocert', '--manager', manager);
    expect(plain.code).not.toBe(0);
    expect(plain.stderr).toMatch(/mutual TLS/);
    const foreign = lancer('cluster', 'add', 'foreign', '--manager', manager, '--tls-dir', swarm.certs!.foreignClient.dir);
    expect(foreign.code).not.toBe(0);
    expect(foreign.stderr).toMatch(/does not answer/);

    const added = lancer('cluster', 'add', 'lab', '--manager', manager, '--tls-dir', swarm.certs!.client.dir);
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toMatch(/3 nodes, 3 reachable/);
    const list = JSON.parse(lancer('cluster', 'list', '--json').stdout) as { name: string }[];
    expect(list.map((c) => c.name)).toEqual(['lab']); // nothing stored for the refused ones
  });

  it('shows per node what is missing, copies the images there, and then shows them present', () => {
    const before = lancer('cluster', 'status', 'lab', '--dataset', 'sample', '--json');
    expect(before.code, before.stderr).toBe(0);
    const status = JSON.parse(before.stdout) as { nodes: { hostname: string; state: string; unreachable: string | null; images: { present: string[]; missing: string[] } }[] };
    expect(status.nodes.map((n) => n.hostname).sort()).toEqual(swarm.nodes.map((n) => n.hostname).sort());
    expect(status.nodes.every((n) => n.state === 'ready' && n.unreachable === null)).toBe(true);
    sampleImages = status.nodes[0]!.images.missing;
    expect(sampleImages).toContain('lancer-sample_9001:latest');
    expect(sampleImages).toContain('lancer-sample_monolith:latest');

    const copied = lancer('images', 'distribute', '--cluster', 'lab', '--dataset', 'sample', '--json');
    expect(copied.code, copied.stderr).toBe(0);
    expect(copied.stderr).toMatch(/sent/); // progress, per node
    const report = JSON.parse(copied.stdout) as { nodes: { hostname: string; copied: string[]; error: string | null }[] };
    expect(report.nodes).toHaveLength(3);
    expect(report.nodes.every((n) => n.error === null && n.copied.length === sampleImages.length)).toBe(true);

    const after = JSON.parse(lancer('cluster', 'status', 'lab', '--dataset', 'sample', '--json').stdout) as typeof status;
    expect(after.nodes.every((n) => n.images.missing.length === 0)).toBe(true);
    // Without a dataset, status lists the benchmark images each node holds.
    const plain = lancer('cluster', 'status', 'lab').stdout;
    expect(plain.match(new RegExp(`images: ${sampleImages.length} \\(lancer-sample_9001:latest`, 'g'))).toHaveLength(3);
    // A second distribute has nothing to send.
    const again = JSON.parse(lancer('images', 'distribute', '--cluster', 'lab', '--dataset', 'sample', '--json').stdout) as typeof report;
    expect(again.nodes.every((n) => n.copied.length === 0)).toBe(true);
  }, 10 * MINUTE);

  it('grades the sample benchmark across the nodes; a worker killed mid-run has its attempt retried elsewhere', async () => {
    let ended = false;
    const run = lancerAsync('run', '--dataset', 'sample', '--solver', 'gold', '--cluster', 'lab', '--concurrency', '3', '--json').finally(() => (ended = true));
    // Watch the ledger from this process while the CLI drives the run.
    const wb = new Workbench({ dataDir: dir, version: 'test', transport: 'cli' });
    const workers = swarm.nodes.filter((n) => n !== swarm.manager);
    let killed: { hostname: string; attemptId: string } | null = null;
    let frame: Buffer | null = null;
    try {
      const deadline = Date.now() + 10 * MINUTE;
      while (!killed && !ended && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        const runs = wb.runs.listRuns();
        if (runs.length === 0) continue;
        const attempts = wb.runs.getRun(runs[0]!.id).attempts;
        // The live screen of an attempt on another node's daemon, once one is being graded.
        const remote = attempts.find((a) => a.state === 'grading' && a.node);
        if (remote && !frame) {
          frame = await new Promise<Buffer | null>((resolve) => {
            const timer = setTimeout(() => resolve(null), 15_000);
            const stop = wb.live.watch(remote.id, 'thumb', (jpeg) => {
              clearTimeout(timer);
              stop();
              resolve(jpeg);
            }, () => undefined);
          });
        }
        // Kill a worker (never the manager: it holds the swarm) while it holds an attempt in set-up or grading.
        const victim = attempts.find((a) => (a.state === 'setup' || a.state === 'grading') && workers.some((w) => w.hostname === a.node));
        if (victim && frame) {
          killed = { hostname: victim.node!, attemptId: victim.id };
          await workers.find((w) => w.hostname === victim.node)!.kill();
        }
      }
      const finished = await run;
      expect(frame?.subarray(0, 2), finished.stderr).toEqual(Buffer.from([0xff, 0xd8])); // a JPEG from a remote container's display
      expect(killed, finished.stderr).not.toBeNull();
      expect(finished.status, finished.stderr).toBe(0);
      const runId = (JSON.parse(finished.stdout) as { runId: string }).runId;
      // Before any attempt started, the CLI said what each node holds of the run's 9 images.
      for (const node of swarm.nodes) expect(finished.stderr).toContain(`node ${node.hostname}: 9/9 images`);
      const results = JSON.parse(lancer('results', runId, '--json').stdout) as ResultsJson;
      const final = results.attempts.filter((a) => !a.retried);
      expect(final).toHaveLength(13);
      expect(final.filter((a) => a.outcome !== 'passed').map((a) => `${a.questionId}: ${a.outcome} ${a.error ?? ''}`)).toEqual([]);
      // Replays work as for local attempts: the trace and video came back from the nodes.
      const ic = final.find((a) => a.questionId === '9001')!;
      expect(ic.artifacts.map((a) => a.kind)).toEqual(expect.arrayContaining(['trace', 'video']));
      // Every attempt says where it ran; the run used more than one node.
      expect(results.attempts.every((a) => a.node !== null)).toBe(true);
      expect(new Set(final.map((a) => a.node)).size).toBeGreaterThan(1);
      // The attempt on the killed worker ended as a system error and was retried on another node.
      const lost = results.attempts.find((a) => a.attemptId === killed!.attemptId)!;
      expect(lost).toMatchObject({ retried: true, outcome: 'error', node: killed!.hostname });
      const retry = final.find((a) => a.questionId === lost.questionId)!;
      expect(retry.outcome).toBe('passed');
      expect(retry.node).not.toBe(killed!.hostname);
      expect(wb.runs.getRun(runId).manifest.cluster).toMatchObject({ name: 'lab', kind: 'swarm', manager: swarm.manager.tcpHost });

      // The worker comes back with what the crash left (its container); the reaper cleans every node.
      await workers.find((w) => w.hostname === killed!.hostname)!.start();
      await wb.engine.reapContainers();
      const store = `label=lancer.store=${storeIdFor(dir)}`;
      for (const node of swarm.nodes) {
        const left = spawnSync('docker', ['-H', node.host, 'ps', '-aq', '--filter', store], { encoding: 'utf8' }).stdout.trim();
        expect(left, `containers left on ${node.hostname}`).toBe('');
      }
      const services = spawnSync('docker', ['-H', swarm.managerHost, 'service', 'ls', '-q', '--filter', store], { encoding: 'utf8' }).stdout.trim();
      expect(services).toBe('');
    } finally {
      await wb.close();
    }
  }, 20 * MINUTE);

  it('says clearly when the manager does not answer, and loses no recorded result', async () => {
    await swarm.manager.kill();
    const refused = lancer('run', '--dataset', 'sample', '--tasks', '9101-manager-0', '--solver', 'gold', '--cluster', 'lab');
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/cluster lab: the Swarm manager does not answer/);
    const status = lancer('cluster', 'status', 'lab');
    expect(status.code).not.toBe(0);
    expect(status.stderr).toMatch(/does not answer/);
    // The finished run is still there, whole.
    const wb = new Workbench({ dataDir: dir, version: 'test', transport: 'cli' });
    try {
      const runs = wb.runs.listRuns();
      expect(runs).toHaveLength(1); // the refused run was never recorded
      expect(wb.runs.getRun(runs[0]!.id).tally).toMatchObject({ tasks: 13, passed: 13 });
    } finally {
      await wb.close();
    }
  });
});
