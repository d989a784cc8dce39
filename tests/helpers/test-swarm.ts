/**
 * A real multi-node Docker Swarm on this one machine, for tests: several Docker daemons of the
 * test's own (see test-daemon.ts), each in a network namespace and a UTS namespace (hostname) of
 * its own, never touching the machine's main daemon (its docker0, iptables, containers).
 *
 * The wiring: each node's namespace has an `eth0` (a veth) whose peer is a port of a Linux bridge
 * that lives in a separate "switch" namespace, not the host's, so the host's iptables and
 * br_netfilter never see node-to-node traffic. The host gets one more port on that bridge with
 * the subnet's .1, so host processes (the app under test) reach each node's TCP port. The nodes
 * have no default route: they reach each other and the host, nothing else.
 *
 * Addresses (none on the host but the subnet's .1, checked against the host's routes):
 *   nodes            10.213.X.0/24 (X picked free), node i at .(10+i), the host at .1
 *   node i docker0   10.214.i.1/24; its local networks (docker_gwbridge…) 10.215.(16·i).0/20
 *   overlay networks (swarm's default address pool) 10.216.0.0/16
 */
import { spawn, spawnSync, execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type Dockerode from 'dockerode';
import { createTestCerts, type TestCerts } from './test-certs';
import { startTestDaemon, testDaemonUnavailable, type TestDaemon } from './test-daemon';

export type { TestCerts } from './test-certs';

const execFileAsync = promisify(execFile);

export interface SwarmNode {
  /** Its own hostname, as Swarm lists it: `lncr-<name>-<i>`. */
  readonly hostname: string;
  /** Its own daemon: `unix:///…/docker.sock`. */
  readonly host: string;
  /** A client of its own daemon (over the unix socket). */
  readonly docker: Dockerode;
  /** Its address on the switch (reachable from the host). */
  readonly ip: string;
  /** `tcp://IP:2376` when TLS is on (mutual TLS, client certs in TestSwarm.certs.client), else null. */
  readonly tcpHost: string | null;
  /** The value of its `lancer.endpoint` label: tcpHost with TLS, else host. */
  readonly endpoint: string;
  /** Its Swarm node id. */
  readonly nodeId: string;
  /** Where its daemon logs. */
  readonly logFile: string;
  /** The underlying test daemon (cli(), dir, running…). */
  readonly daemon: TestDaemon;
  /** SIGKILL to its daemon, as a crash (a lost worker); resolves once it is gone. */
  kill(): Promise<void>;
  /** Starts its daemon again (same data root: it rejoins the swarm by itself). */
  start(): Promise<void>;
}

export interface TestSwarm {
  /** Node 1, where `swarm init` ran. */
  readonly manager: SwarmNode;
  /** Every node, the manager first. */
  readonly nodes: SwarmNode[];
  /** The manager's daemon (`unix:///…`), for Swarm API calls. */
  readonly managerHost: string;
  /** The certificates when opts.tls, else null. */
  readonly certs: TestCerts | null;
  /** The subnet of the nodes, e.g. `10.213.0.0/24`, and the host's address in it. */
  readonly subnet: string;
  readonly hostIp: string;
  /** The names of the namespaces it made (the switch's last). */
  readonly namespaces: string[];
  /** Its temp folder (daemons' folders are their own, see node.daemon.dir). */
  readonly dir: string;
  /**
   * Copies images from the main daemon into the nodes (default: all), skipping nodes that already
   * hold them with the same ids. One `docker save`, streamed into every node's `docker load`.
   */
  loadImages(names: string[], nodes?: SwarmNode[]): Promise<void>;
  /** Leaves the swarm, stops every daemon, removes containers, mounts, namespaces, veths, cgroups, folders. */
  destroy(): Promise<void>;
}

export interface TestSwarmOptions {
  /** How many nodes, the manager included (1–15). */
  nodes: number;
  /** Names namespaces, cgroups and hostnames (`lncr-<name>-<i>`); unique among concurrent swarms. Default: the pid. */
  name?: string;
  /** Mutual TLS on tcp://IP:2376 for every node; labels then carry the tcp URL. */
  tls?: boolean;
  /**
   * A folder whose `node-<i>` subfolders are the nodes' data roots, kept between runs (loaded
   * images stay). Default: temp data roots, removed by destroy().
   */
  dataRootBase?: string;
  /** Swarm's dispatcher heartbeat period (`swarm init --dispatcher-heartbeat`), e.g. '1s'. Default: Swarm's 5 s. */
  heartbeat?: string;
}

/** Why a test swarm cannot run here, or null when it can. */
export function testSwarmUnavailable(): string | null {
  const why = testDaemonUnavailable();
  if (why) return why;
  for (const tool of ['unshare', 'openssl', 'hostname']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) return `no ${tool} on PATH`;
  }
  if (!existsSync('/sys/module/bridge') && spawnSync('modprobe', ['bridge']).status !== 0) return 'no bridge module';
  return null;
}

function ip(args: string[]): void {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr.trim()}`);
}

function toInt(addr: string): number {
  return addr.split('.').reduce((n, part) => n * 256 + Number(part), 0) >>> 0;
}

/** Whether two IPv4 prefixes (`a.b.c.d/len`) overlap. */
function overlaps(a: string, b: string): boolean {
  const [aa, al] = a.split('/');
  const [ba, bl] = b.split('/');
  const len = Math.min(Number(al ?? 32), Number(bl ?? 32));
  const mask = len === 0 ? 0 : (~0 << (32 - len)) >>> 0;
  return ((toInt(aa!) & mask) >>> 0) === ((toInt(ba!) & mask) >>> 0);
}

/** The host's IPv4 route destinations and addresses, as prefixes. */
function hostPrefixes(): string[] {
  const routes = spawnSync('ip', ['-4', 'route', 'show', 'table', 'all'], { encoding: 'utf8' }).stdout
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .map((words) => (['local', 'broadcast', 'unicast', 'anycast', 'multicast'].includes(words[0]!) ? words[1] : words[0]))
    .filter((w): w is string => !!w && /^\d+\.\d+\.\d+\.\d+(\/\d+)?$/.test(w));
  const addrs = [...spawnSync('ip', ['-4', '-o', 'addr'], { encoding: 'utf8' }).stdout.matchAll(/inet (\d+\.\d+\.\d+\.\d+\/\d+)/g)].map((m) => m[1]!);
  return [...routes, ...addrs];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function dockerAt(host: string, args: string[], timeout = 30_000): Promise<string> {
  try {
    const { stdout } = await execFileAsync('docker', ['-H', host, ...args], { encoding: 'utf8', timeout });
    return stdout;
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    throw new Error(`docker -H ${host} ${args.join(' ')}: ${e.stderr?.trim() || e.message}`);
  }
}

/** Image ids (in order of `names`) in the daemon at `host` (null: the main one), or null if one is missing. */
async function imageIds(host: string | null, names: string[]): Promise<string | null> {
  try {
    const { stdout } = await execFileAsync('docker', [...(host ? ['-H', host] : []), 'image', 'inspect', '--format', '{{.Id}}', ...names], { encoding: 'utf8' });
    return stdout;
  } catch {
    return null;
  }
}

/** Brings up the swarm; every node Ready and labelled when it resolves. */
export async function startTestSwarm(opts: TestSwarmOptions): Promise<TestSwarm> {
  const why = testSwarmUnavailable();
  if (why) throw new Error(`cannot start a test swarm: ${why}`);
  if (!Number.isInteger(opts.nodes) || opts.nodes < 1 || opts.nodes > 15) throw new Error('a test swarm has 1 to 15 nodes');
  const name = opts.name ?? String(process.pid);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lncr-swarm-'));
  const switchNs = `lncr-${name}-sw`;
  const nodeNs = Array.from({ length: opts.nodes }, (_, i) => `lncr-${name}-${i + 1}`);
  const namespaces: string[] = [];
  const daemons: (TestDaemon | undefined)[] = [];
  let hostLink: string | null = null;
  let certs: TestCerts | null = null;
  const nodes: SwarmNode[] = [];

  let destroyed = false;
  const destroy = async (): Promise<void> => {
    if (destroyed) return;
    destroyed = true;
    // Leaving the swarm is dropping each daemon's swarm state (`<data root>/swarm`): each daemon
    // is killed, its swarm state removed, then destroyed hard (SIGKILL to its containers and
    // shims; a kept data root has its daemon started again to remove their records: without its
    // swarm state, or it would wait up to 20 s for a manager before it answers). No `swarm
    // leave` and no SIGTERM to a swarm member: here each costs a worker 5 s (it times out
    // "waiting for ingress network removal").
    await Promise.all(
      daemons.map(async (d) => {
        if (!d) return;
        await d.kill().catch(() => undefined);
        rmSync(path.join(d.dataRoot, 'swarm'), { recursive: true, force: true });
        await d.destroy({ hard: true }).catch(() => undefined);
      }),
    );
    // Deleting the switch's namespace deletes the bridge and every veth (a veth dies with its peer).
    for (const ns of [...namespaces].reverse()) spawnSync('ip', ['netns', 'del', ns]);
    if (hostLink) spawnSync('ip', ['link', 'del', hostLink], { stdio: 'ignore' });
    certs?.cleanup();
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    // The subnet: 10.213.X.0/24 with X free on the host (no route or address in it) and no host
    // link of that name (another swarm's).
    const taken = hostPrefixes();
    for (const pool of ['10.214.0.0/16', '10.215.0.0/16', '10.216.0.0/16']) {
      const clash = taken.find((p) => overlaps(p, pool) && !p.startsWith('0.0.0.0'));
      if (clash) throw new Error(`the host already routes ${clash}, which clashes with the test swarm's ${pool}`);
    }
    let x = -1;
    for (let candidate = (process.pid + Math.floor(Math.random() * 256)) % 256, tries = 0; tries < 256; tries++, candidate = (candidate + 1) % 256) {
      const subnet = `10.213.${candidate}.0/24`;
      if (taken.some((p) => overlaps(p, subnet) && !p.startsWith('0.0.0.0'))) continue;
      if (existsSync(`/sys/class/net/lncrsw${candidate}`)) continue;
      x = candidate;
      break;
    }
    if (x < 0) throw new Error('no free 10.213.X.0/24 on this host');
    const subnet = `10.213.${x}.0/24`;
    const hostIp = `10.213.${x}.1`;
    const nodeIp = (i: number) => `10.213.${x}.${10 + i + 1}`;

    // The switch: a bridge in a namespace of its own, and the host's port on it.
    ip(['netns', 'add', switchNs]);
    namespaces.push(switchNs);
    ip(['-n', switchNs, 'link', 'set', 'lo', 'up']);
    ip(['-n', switchNs, 'link', 'add', 'br0', 'type', 'bridge']);
    ip(['-n', switchNs, 'link', 'set', 'br0', 'up']);
    ip(['link', 'add', `lncrsw${x}`, 'type', 'veth', 'peer', 'name', 'host', 'netns', switchNs]);
    hostLink = `lncrsw${x}`;
    ip(['-n', switchNs, 'link', 'set', 'host', 'master', 'br0', 'up']);
    ip(['addr', 'add', `${hostIp}/24`, 'dev', hostLink]);
    ip(['link', 'set', hostLink, 'up']);
    // The nodes' ports.
    nodeNs.forEach((ns, i) => {
      ip(['netns', 'add', ns]);
      namespaces.unshift(ns);
      ip(['-n', ns, 'link', 'set', 'lo', 'up']);
      ip(['-n', switchNs, 'link', 'add', `n${i + 1}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
      ip(['-n', switchNs, 'link', 'set', `n${i + 1}`, 'master', 'br0', 'up']);
      ip(['-n', ns, 'addr', 'add', `${nodeIp(i)}/24`, 'dev', 'eth0']);
      ip(['-n', ns, 'link', 'set', 'eth0', 'up']);
    });

    if (opts.tls) certs = createTestCerts(Object.fromEntries(nodeNs.map((ns, i) => [ns, [nodeIp(i)]])), dir);

    // The daemons, in parallel.
    const results = await Promise.allSettled(
      nodeNs.map(async (ns, i) => {
        let dataRoot: string | undefined;
        if (opts.dataRootBase) {
          dataRoot = path.join(opts.dataRootBase, `node-${i + 1}`);
          mkdirSync(dataRoot, { recursive: true });
        }
        const d = await startTestDaemon({
          name: ns,
          netns: ns,
          hostname: ns,
          dataRoot,
          hosts: opts.tls ? [`tcp://${nodeIp(i)}:2376`] : [],
          tls: certs ? { ca: certs.ca, cert: certs.servers[ns]!.cert, key: certs.servers[ns]!.key } : undefined,
          config: {
            bip: `10.214.${i + 1}.1/24`,
            'default-address-pools': [{ base: `10.215.${(i + 1) * 16}.0/20`, size: 24 }],
          },
        });
        daemons[i] = d;
        return d;
      }),
    );
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;

    // A kept data root may still hold a swarm (a run that did not reach destroy()).
    await Promise.all(
      daemons.map(async (d) => {
        const state = (await dockerAt(d!.host, ['info', '--format', '{{.Swarm.LocalNodeState}}'])).trim();
        if (state !== 'inactive') await dockerAt(d!.host, ['swarm', 'leave', '--force']);
      }),
    );

    const managerDaemon = daemons[0]!;
    await dockerAt(managerDaemon.host, [
      'swarm', 'init',
      '--advertise-addr', nodeIp(0),
      '--listen-addr', `${nodeIp(0)}:2377`,
      '--default-addr-pool', '10.216.0.0/16',
      ...(opts.heartbeat ? ['--dispatcher-heartbeat', opts.heartbeat] : []),
    ]);
    const token = (await dockerAt(managerDaemon.host, ['swarm', 'join-token', '-q', 'worker'])).trim();
    await Promise.all(
      daemons.slice(1).map((d, j) => dockerAt(d!.host, ['swarm', 'join', '--token', token, '--advertise-addr', nodeIp(j + 1), '--listen-addr', `${nodeIp(j + 1)}:2377`, `${nodeIp(0)}:2377`], 60_000)),
    );

    // Every node Ready, as the manager sees it.
    const ids = await Promise.all(daemons.map(async (d) => (await dockerAt(d!.host, ['info', '--format', '{{.Swarm.NodeID}}'])).trim()));
    const deadline = Date.now() + 60_000;
    for (;;) {
      const listed = await managerDaemon.docker.listNodes().catch(() => []);
      const ready = new Set(listed.filter((n) => n.Status?.State === 'ready').map((n) => n.ID));
      if (ids.every((id) => ready.has(id))) break;
      if (Date.now() > deadline) throw new Error(`the swarm's nodes were not all Ready within 60 s: ${JSON.stringify(listed.map((n) => [n.Description?.Hostname, n.Status?.State]))}`);
      await sleep(200);
    }

    daemons.forEach((d, i) => {
      const tcpHost = opts.tls ? `tcp://${nodeIp(i)}:2376` : null;
      nodes.push({
        hostname: nodeNs[i]!,
        host: d!.host,
        docker: d!.docker,
        ip: nodeIp(i),
        tcpHost,
        endpoint: tcpHost ?? d!.host,
        nodeId: ids[i]!,
        logFile: d!.logFile,
        daemon: d!,
        kill: () => d!.kill(),
        start: () => d!.start(),
      });
    });
    for (const node of nodes) await dockerAt(managerDaemon.host, ['node', 'update', '--label-add', `lancer.endpoint=${node.endpoint}`, node.nodeId]);

    const swarm: TestSwarm = {
      manager: nodes[0]!,
      nodes,
      managerHost: managerDaemon.host,
      certs,
      subnet,
      hostIp,
      namespaces: [...namespaces],
      dir,
      async loadImages(names, targets = nodes) {
        const want = await imageIds(null, names);
        if (want === null) throw new Error(`the main daemon lacks one of ${names.join(', ')}`);
        const missing: SwarmNode[] = [];
        for (const node of targets) if ((await imageIds(node.host, names)) !== want) missing.push(node);
        if (missing.length === 0) return;
        // One save, piped into every load (pipe() to several destinations waits for the slowest).
        const save = spawn('docker', ['save', ...names], { stdio: ['ignore', 'pipe', 'pipe'] });
        const exitOf = (p: ReturnType<typeof spawn>, what: string) =>
          new Promise<void>((resolve, reject) => {
            let stderr = '';
            p.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
            p.once('error', reject);
            p.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`${what} exited ${code}: ${stderr.trim()}`))));
          });
        const loads = missing.map((node) => {
          const load = spawn('docker', ['-H', node.host, 'load', '-q'], { stdio: ['pipe', 'ignore', 'pipe'] });
          load.stdin!.on('error', () => undefined);
          save.stdout!.pipe(load.stdin!);
          return exitOf(load, `docker -H ${node.host} load`);
        });
        await Promise.all([exitOf(save, 'docker save'), ...loads]);
      },
      destroy,
    };
    return swarm;
  } catch (error) {
    await destroy();
    throw error;
  }
}
