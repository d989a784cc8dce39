/**
 * A Docker daemon of a test's own, to kill and restart without touching the machine's main
 * daemon: its own socket, data root, exec root and pid file, in its own network namespace.
 *
 * Why a network namespace: dockerd reaches for host-wide state. On a restart with a stale
 * default network and `default-address-pools` set it deletes the interface named `docker0`
 * (hard-coded), and `--bridge none` does the same at once; its iptables chains and the
 * subnets of its networks would also mix with the main daemon's. Entered with `nsenter --net`
 * (not `ip netns exec`, which remounts /sys and loses the cgroup mounts), the daemon gets its
 * own docker0, routes and iptables, and the host's are never touched. Its socket is a path, so
 * it is reachable from the host as usual.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Dockerode from 'dockerode';
import { pingDocker } from '../../src/main/core/docker/docker-client';

export interface TestDaemon {
  /** `unix:///…/docker.sock`, for `docker -H`. */
  readonly host: string;
  /** A client of this daemon (for WorkbenchOptions.docker). */
  readonly docker: Dockerode;
  /** Where the daemon logs (read it when a test fails). */
  readonly logFile: string;
  /** Its temp folder (socket, exec root, pid file, log; the data root unless one was given). */
  readonly dir: string;
  /** Its data root. */
  readonly dataRoot: string;
  /** Whether its process is up (started and neither killed nor exited). */
  readonly running: boolean;
  /** Starts the daemon (again, on the same data root) and resolves once it answers. */
  start(): Promise<void>;
  /** SIGKILL, as a crash; resolves once the process is gone. */
  kill(): Promise<void>;
  /**
   * Copies images from the main daemon (`docker save | docker load`), skipping those it already
   * holds with the same id (a kept data root).
   */
  loadImages(names: string[]): void;
  /** The `docker` CLI against this daemon; its stdout. */
  cli(args: string[]): string;
  /**
   * Stops the daemon and removes everything it made: mounts, namespace, folders. By default a
   * killed daemon is started again to remove its containers, then stopped (SIGTERM), which
   * gives running containers 10 s to stop. `hard`: SIGKILL instead, to the daemon, every process
   * in its containers' cgroups and its containerd shims; then only a kept data root (one given
   * as `dataRoot`) gets the daemon started again, to remove the dead containers' records.
   */
  destroy(opts?: { hard?: boolean }): Promise<void>;
}

/** Why a test daemon cannot run here, or null when it can (root, dockerd, nsenter, ip). */
export function testDaemonUnavailable(): string | null {
  if (process.platform !== 'linux') return 'not Linux';
  if (process.getuid?.() !== 0) return 'not root';
  for (const tool of ['dockerd', 'nsenter', 'ip', 'docker']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) return `no ${tool} on PATH`;
  }
  return null;
}

function run(cmd: string, args: string[]): void {
  execFileSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Mount points at or under `dir`, deepest first (from /proc/self/mountinfo). */
function mountsUnder(dir: string): string[] {
  const points = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4] ?? '')
    .map((p) => p.replace(/\\040/g, ' '))
    .filter((p) => p === dir || p.startsWith(`${dir}/`));
  return [...new Set(points)].sort((a, b) => b.length - a.length);
}

/**
 * SIGKILL to what a killed daemon leaves running: its containers' processes (every pid in the
 * cgroups under its --cgroup-parent) and its containerd shims (found by the exec root in their
 * command line); resolves once they are gone (at most ~5 s).
 */
async function killLeftovers(cgroupParent: string, execRoot: string): Promise<void> {
  const pids = (): number[] => {
    const found = new Set<number>();
    const listing = spawnSync('sh', ['-c', `cat $(find /sys/fs/cgroup/*/${cgroupParent} -name cgroup.procs 2>/dev/null) 2>/dev/null; true`], { encoding: 'utf8' }).stdout;
    for (const line of listing.split('\n')) if (/^\d+$/.test(line.trim())) found.add(Number(line.trim()));
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(`${execRoot}/`)) found.add(Number(entry));
      } catch {
        // Gone meanwhile.
      }
    }
    found.delete(process.pid);
    return [...found];
  };
  for (let i = 0; i < 50; i++) {
    const left = pids();
    if (left.length === 0) return;
    for (const pid of left) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Gone meanwhile.
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export interface TestDaemonOptions {
  /** Names the network namespace and cgroup: unique among concurrent test daemons. */
  name?: string;
  /**
   * A data root that outlives the daemon (images loaded once stay for the next test run:
   * loading the sample image costs half a minute). Default: a temp folder removed at the end.
   */
  dataRoot?: string;
  /**
   * An existing network namespace (its name under /run/netns) to run in, set up (interfaces,
   * addresses) and later deleted by the caller. Default: a fresh one named `name`, with only
   * `lo`, deleted by destroy().
   */
  netns?: string;
  /** A hostname of its own (the daemon runs in a UTS namespace of its own). Default: the machine's. */
  hostname?: string;
  /** More addresses to listen on besides its unix socket, e.g. `tcp://10.213.0.11:2376`. */
  hosts?: string[];
  /** Mutual TLS on those addresses (`--tlsverify`): the CA that signs clients, its own cert and key. */
  tls?: { ca: string; cert: string; key: string };
  /** Entries merged into its daemon.json (e.g. `bip`, `default-address-pools`). */
  config?: Record<string, unknown>;
}

/** Creates the namespace and folders and starts the daemon. */
export async function startTestDaemon(opts: TestDaemonOptions = {}): Promise<TestDaemon> {
  const name = opts.name ?? `lncrt${process.pid}`;
  const why = testDaemonUnavailable();
  if (why) throw new Error(`cannot start a test Docker daemon: ${why}`);
  // Short paths: unix socket paths (containerd's live under the exec root) max out at 107 bytes.
  const base = mkdtempSync(path.join(os.tmpdir(), 'lncr-dockerd-'));
  const socket = path.join(base, 'docker.sock');
  const logFile = path.join(base, 'dockerd.log');
  const pidFile = path.join(base, 'dockerd.pid');
  const config = path.join(base, 'daemon.json');
  const dataRoot = opts.dataRoot ?? path.join(base, 'data');
  // Its own key file too: the default /etc/docker/key.json is the main daemon's.
  writeFileSync(config, JSON.stringify({ ...opts.config, 'deprecated-key-path': path.join(base, 'key.json') }));
  const ownNetns = opts.netns === undefined;
  const netns = `/run/netns/${opts.netns ?? name}`;
  if (ownNetns) {
    try {
      run('ip', ['netns', 'add', name]);
      run('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
    } catch (error) {
      spawnSync('ip', ['netns', 'del', name]);
      rmSync(base, { recursive: true, force: true });
      throw error;
    }
  }
  const dockerdArgs = [
    '-H', `unix://${socket}`,
    ...(opts.hosts ?? []).flatMap((h) => ['-H', h]),
    ...(opts.tls ? ['--tlsverify', '--tlscacert', opts.tls.ca, '--tlscert', opts.tls.cert, '--tlskey', opts.tls.key] : []),
    '--data-root', dataRoot,
    '--exec-root', path.join(base, 'exec'),
    '--pidfile', pidFile,
    '--config-file', config,
    '--cgroup-parent', `/${name}`,
  ];
  // nsenter and unshare exec (no fork), so the child's pid is dockerd's: kill() hits dockerd.
  const command = opts.hostname
    ? ['--', 'unshare', '--uts', '--', 'sh', '-c', 'hostname "$0" && exec dockerd "$@"', opts.hostname, ...dockerdArgs]
    : ['--', 'dockerd', ...dockerdArgs];
  const docker = new Dockerode({ socketPath: socket });
  let child: ChildProcess | null = null;

  const daemon: TestDaemon = {
    host: `unix://${socket}`,
    docker,
    logFile,
    dir: base,
    dataRoot,
    get running() {
      return child !== null;
    },
    async start() {
      if (child) throw new Error('the test daemon is already running');
      const log = openSync(logFile, 'a');
      child = spawn('nsenter', [`--net=${netns}`, ...command], { stdio: ['ignore', log, log] });
      closeSync(log);
      const exited = new Promise<number | null>((resolve) => child?.once('exit', (code) => resolve(code)));
      const started = child;
      started.once('exit', () => {
        if (child === started) child = null;
      });
      for (let i = 0; i < 120; i++) {
        const status = await Promise.race([pingDocker(docker, 1000), exited.then(() => null)]);
        if (status === null) throw new Error(`the test daemon exited at start; see ${logFile}:\n${readFileSync(logFile, 'utf8').slice(-2000)}`);
        if (status.ok) return;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      throw new Error(`the test daemon did not answer within 30 s; see ${logFile}`);
    },
    async kill() {
      const c = child;
      if (!c) return;
      let containerdPid = 0;
      try {
        containerdPid = Number(readFileSync(path.join(base, 'exec', 'containerd', 'containerd.pid'), 'utf8').trim());
      } catch {
        // No containerd yet (killed while starting).
      }
      const gone = new Promise((resolve) => c.once('exit', resolve));
      c.kill('SIGKILL');
      await gone;
      // Its containerd dies with it, but not at once; a restart that still finds it running
      // reuses it and then times out when it exits.
      for (let i = 0; i < 200 && containerdPid > 0 && alive(containerdPid); i++) await new Promise((resolve) => setTimeout(resolve, 100));
    },
    loadImages(names) {
      const id = (args: string[]): string => spawnSync('docker', [...args, 'image', 'inspect', '--format', '{{.Id}}', ...names], { encoding: 'utf8' }).stdout;
      if (id([]) === id(['-H', daemon.host])) return;
      // A pipe between two CLIs: the tar never lands on disk.
      execFileSync('sh', ['-c', `docker save "$@" | docker -H '${daemon.host}' load -q`, 'sh', ...names], { stdio: ['ignore', 'ignore', 'pipe'] });
    },
    cli(args) {
      return execFileSync('docker', ['-H', daemon.host, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    },
    async destroy(destroyOpts) {
      if (destroyOpts?.hard) {
        await daemon.kill();
        await killLeftovers(name, path.join(base, 'exec'));
      }
      // Containers of a killed daemon still run under their shims: a daemon must remove them.
      if (!child && (!destroyOpts?.hard || opts.dataRoot !== undefined)) await daemon.start().catch(() => undefined);
      if (child) {
        for (const info of await docker.listContainers({ all: true }).catch(() => [])) {
          await docker.getContainer(info.Id).remove({ force: true }).catch(() => undefined);
        }
      }
      const c = child;
      if (c) {
        const gone = new Promise((resolve) => c.once('exit', resolve));
        c.kill('SIGTERM');
        const timer = setTimeout(() => c.kill('SIGKILL'), 20_000);
        await gone;
        clearTimeout(timer);
      }
      // A killed daemon leaves its mounts (data root, overlays, namespaces) behind.
      for (const point of [...mountsUnder(base), ...mountsUnder(dataRoot)]) spawnSync('umount', ['-l', point]);
      if (ownNetns) spawnSync('ip', ['netns', 'del', name]);
      // The (now empty) cgroups made for --cgroup-parent.
      // (Child cgroups first: those of containers killed rather than removed.)
      spawnSync('sh', ['-c', `for d in /sys/fs/cgroup/*/${name}; do [ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} + ; done 2>/dev/null; true`]);
      if (existsSync(base)) rmSync(base, { recursive: true, force: true });
    },
  };
  try {
    await daemon.start();
  } catch (error) {
    await daemon.destroy();
    throw error;
  }
  return daemon;
}
