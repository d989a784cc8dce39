/**
 * The container runtime on a real Docker daemon, through dockerode: one container per attempt on
 * the store's shared bridge network (no traffic between its containers), labelled so the reaper
 * can find them; exec with streamed output; tar in and out with checks; every wait bounded by a
 * timeout and an AbortSignal.
 */
import path from 'node:path';
import { PassThrough, type Duplex, type Readable } from 'node:stream';
import type { Dockerode } from '../docker/docker-client';
import { packTar } from '../images/tar-writer';
import {
  CancelledError,
  ExecTimeoutError,
  LABEL_APP,
  LABEL_APP_VALUE,
  LABEL_ATTEMPT,
  LABEL_KEEP,
  LABEL_RUN,
  LABEL_STORE,
  type ContainerRef,
  type ContainerRuntime,
  type ContainerSpec,
  type StreamingExec,
  type KeptContainer,
  type ExecOptions,
  type ExecResult,
  type TaskContainer,
} from './container-runtime';
import { readTar, TarError } from './tar-reader';

/** What the runtime reads of a network's inspection. */
interface NetworkInfo {
  Id: string;
  Internal?: boolean;
  Options?: Record<string, string>;
  IPAM?: { Config?: { Gateway?: string }[] };
}

/** Output kept in memory per exec; longer output keeps its tail (the end says what failed). */
const MAX_OUTPUT_CHARS = 2 * 1024 * 1024;

/** Races a promise against an abort signal. */
function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(new CancelledError());
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new CancelledError());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

async function readAll(stream: Readable, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    size += chunk.length;
    // A tar wraps the file in headers and padding: allow them, but never an unbounded buffer.
    if (size > maxBytes + 64 * 1024) {
      stream.destroy();
      throw new TarError(`archive is over the ${maxBytes}-byte limit`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** A container on one Docker daemon: the local one, or a Swarm node's own (see swarm-runtime.ts). */
export class DockerTaskContainer implements TaskContainer {
  readonly runsScripts = true;

  constructor(
    private readonly docker: Dockerode,
    private readonly container: Dockerode.Container,
    readonly id: string,
    readonly networkId: string | null,
    readonly node: string | null = null,
  ) {}

  async execStream(command: string): Promise<StreamingExec> {
    const exec = await this.container.exec({ Cmd: ['sh', '-c', command], AttachStdout: true, AttachStderr: true });
    const stream = (await exec.start({ hijack: true, stdin: false })) as Readable;
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    this.docker.modem.demuxStream(stream, stdout, stderr);
    const end = (): void => {
      stdout.end();
      stderr.end();
    };
    stream.on('end', end);
    stream.on('close', end);
    stream.on('error', end);
    return { stdout, stderr, close: () => stream.destroy() };
  }

  async exec(command: string, opts: ExecOptions): Promise<ExecResult> {
    const exec = await abortable(
      this.container.exec({
        Cmd: ['sh', '-c', command],
        AttachStdout: true,
        AttachStderr: true,
        Env: opts.env,
        WorkingDir: opts.workdir,
        ...(opts.stdin ? { AttachStdin: true } : {}),
      }),
      opts.signal,
    );
    const stream = (await abortable(exec.start({ hijack: true, stdin: opts.stdin !== undefined }), opts.signal)) as Duplex;
    opts.stdin?.({ write: (text) => void stream.write(text), end: () => void stream.end() });
    let output = '';
    const sink = new PassThrough();
    sink.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      output += text;
      if (output.length > MAX_OUTPUT_CHARS) output = output.slice(-MAX_OUTPUT_CHARS);
      opts.onOutput?.(text);
    });
    this.docker.modem.demuxStream(stream, sink, sink);
    const ended = new Promise<void>((resolve, reject) => {
      stream.on('end', resolve);
      stream.on('close', resolve);
      stream.on('error', reject);
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new ExecTimeoutError(command, opts.timeoutMs)), opts.timeoutMs);
    });
    try {
      await abortable(Promise.race([ended, timeout]), opts.signal);
    } catch (error) {
      stream.destroy();
      throw error;
    } finally {
      clearTimeout(timer);
    }
    const info = await exec.inspect();
    return { exitCode: info.ExitCode ?? -1, output };
  }

  async putFile(containerPath: string, content: Buffer | string, opts: { mode?: number; signal?: AbortSignal } = {}): Promise<void> {
    const data = typeof content === 'string' ? Buffer.from(content) : content;
    const tar = packTar([{ path: path.posix.basename(containerPath), mode: opts.mode ?? 0o644, data }]);
    await abortable(this.container.putArchive(tar, { path: path.posix.dirname(containerPath) }), opts.signal);
  }

  async getFile(containerPath: string, maxBytes: number, signal?: AbortSignal): Promise<Buffer | null> {
    let stream: Readable;
    try {
      stream = (await abortable(this.container.getArchive({ path: containerPath }), signal)) as Readable;
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) return null;
      throw error;
    }
    const entries = readTar(await abortable(readAll(stream, maxBytes), signal), maxBytes);
    const file = entries.find((e) => e.type === '0' || e.type === '\0');
    if (!file) throw new TarError(`${containerPath} is not a regular file`);
    return file.data;
  }

  async state(): Promise<{ running: boolean; exitCode?: number; logTail?: string }> {
    const info = await this.container.inspect();
    if (info.State.Running) return { running: true };
    const logs = (await this.container.logs({ stdout: true, stderr: true, tail: 40 })) as unknown as Buffer;
    // Docker frames non-TTY logs with binary headers; keep only printable text and newlines.
    const text = [...logs.toString('utf8')].filter((ch) => ch >= ' ' || ch === '\n' || ch === '\t').join('');
    return { running: false, exitCode: info.State.ExitCode, logTail: text };
  }

  async cutNetwork(): Promise<void> {
    const info = await this.container.inspect();
    for (const name of Object.keys(info.NetworkSettings.Networks ?? {})) {
      await this.docker.getNetwork(name).disconnect({ Container: this.id, Force: true });
    }
  }

  async joinNetwork(name: string): Promise<void> {
    await this.docker.getNetwork(name).connect({ Container: this.id });
  }

  async keep(): Promise<void> {
    await this.container.stop({ t: 5 }).catch((e: { statusCode?: number }) => {
      if (e.statusCode !== 304 && e.statusCode !== 404) throw e; // 304: already stopped
    });
    // Off the store's shared network (it stays for the other attempts).
    await this.cutNetwork().catch(() => undefined);
  }

  async remove(): Promise<void> {
    await this.container.remove({ force: true, v: true }).catch((e: { statusCode?: number }) => {
      if (e.statusCode !== 404) throw e;
    });
  }
}

export class DockerRuntime implements ContainerRuntime {
  private egress: Promise<{ name: string; gateway: string }> | undefined;
  private attempts: Promise<{ name: string; id: string }> | undefined;

  /** `storeId` goes on every container and network, and limits the reaper to them. */
  constructor(
    private readonly docker: Dockerode,
    private readonly storeId: string,
  ) {}

  async dispose(): Promise<void> {
    const made = await Promise.all(
      [this.egress, this.attempts].map((network) => (network ? network.catch(() => undefined) : undefined)),
    );
    this.egress = undefined;
    this.attempts = undefined;
    // Docker refuses while a container (another process of this store) is attached: it stays then.
    for (const network of made) if (network) await this.docker.getNetwork(network.name).remove().catch(() => undefined);
  }

  /**
   * The bridge network every attempt of this store starts on, with traffic between its
   * containers dropped (enable_icc=false): attempts are as isolated from each other as on a
   * network each, as the official harness makes, without creating and removing a network (two
   * iptables rewrites, 0.1–0.5 s here) per attempt. Containers reach the internet through it
   * until their set-up is done and it is cut. It carries no attempt label: the reaper leaves it.
   */
  private attemptNetwork(): Promise<{ name: string; id: string }> {
    this.attempts ??= this.storeNetwork(
      `lancer-net-${this.storeId.slice(0, 12)}`,
      { Options: { 'com.docker.network.bridge.enable_icc': 'false' } },
      (name, info) => {
        if (info.Internal || info.Options?.['com.docker.network.bridge.enable_icc'] !== 'false') {
          throw new Error(`the network ${name} exists but is not the workbench's (it must allow the internet and drop traffic between containers); remove it (docker network rm ${name})`);
        }
        return { name, id: info.Id };
      },
    );
    // A failure is not remembered: the next attempt tries again.
    this.attempts.catch(() => (this.attempts = undefined));
    return this.attempts;
  }

  /**
   * An internal bridge network (Docker routes nothing out of it) per store. Its gateway address
   * belongs to this host, so a server listening there (the metering proxy) is the one thing a
   * container on it can reach. It carries no attempt label: the reaper leaves it.
   */
  egressNetwork(): Promise<{ name: string; gateway: string }> {
    this.egress ??= this.storeNetwork(`lancer-egress-${this.storeId.slice(0, 12)}`, { Internal: true }, (name, info) => {
      const gateway = info.IPAM?.Config?.find((c) => c.Gateway)?.Gateway;
      if (!info.Internal) throw new Error(`the network ${name} exists but is not internal; remove it (docker network rm ${name})`);
      if (!gateway) throw new Error(`the network ${name} has no gateway address`);
      return { name, gateway };
    });
    this.egress.catch(() => (this.egress = undefined));
    return this.egress;
  }

  /**
   * One of the store's own networks, made once: the existing one when `accept` takes it (it
   * throws for a network of that name made otherwise), else created, tolerating another process
   * of the store creating it meanwhile.
   */
  private async storeNetwork<T>(
    name: string,
    options: { Internal?: boolean; Options?: Record<string, string> },
    accept: (name: string, info: NetworkInfo) => T,
  ): Promise<T> {
    const inspect = async (): Promise<T | null> => {
      try {
        return accept(name, (await this.docker.getNetwork(name).inspect()) as NetworkInfo);
      } catch (error) {
        if ((error as { statusCode?: number }).statusCode === 404) return null;
        throw error;
      }
    };
    const known = await inspect();
    if (known) return known;
    await this.docker
      .createNetwork({ Name: name, Driver: 'bridge', CheckDuplicate: true, ...options, Labels: { [LABEL_APP]: LABEL_APP_VALUE, [LABEL_STORE]: this.storeId } })
      .catch((e: { statusCode?: number }) => {
        if (e.statusCode !== 409) throw e; // made meanwhile by another process of this store
      });
    const made = await inspect();
    if (!made) throw new Error(`the network ${name} could not be created`);
    return made;
  }

  /**
   * Puts a container made by someone else on this daemon (a Swarm task on this node) on the
   * store's attempt network and takes it off every other one: Docker's default bridge lets
   * containers reach each other, the store's network does not. Returns the network's id.
   */
  async adoptIntoAttemptNetwork(containerId: string): Promise<string> {
    const network = await this.attemptNetwork();
    const container = this.docker.getContainer(containerId);
    const joined = Object.keys((await container.inspect()).NetworkSettings.Networks ?? {});
    if (!joined.includes(network.name)) await this.docker.getNetwork(network.name).connect({ Container: containerId });
    for (const name of joined) {
      if (name !== network.name) await this.docker.getNetwork(name).disconnect({ Container: containerId, Force: true });
    }
    return network.id;
  }

  async imageId(image: string): Promise<string | null> {
    try {
      return (await this.docker.getImage(image).inspect()).Id;
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) return null;
      throw error;
    }
  }

  async attach(ref: ContainerRef): Promise<TaskContainer | null> {
    if (ref.node !== null) return null; // a cluster's container: not on this daemon
    const container = this.docker.getContainer(ref.containerId);
    try {
      if (!(await container.inspect()).State.Running) return null;
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) return null;
      throw error;
    }
    return new DockerTaskContainer(this.docker, container, ref.containerId, null);
  }

  async start(spec: ContainerSpec, signal?: AbortSignal): Promise<TaskContainer> {
    const labels: Record<string, string> = { ...spec.labels, [LABEL_STORE]: this.storeId };
    if (spec.keepOnFailure) labels[LABEL_KEEP] = 'true';
    const create = async (): Promise<{ container: Dockerode.Container; networkId: string }> => {
      const network = await abortable(this.attemptNetwork(), signal);
      const container = await abortable(
        this.docker.createContainer({
          name: spec.name,
          Image: spec.image,
          Env: spec.env,
          Labels: labels,
          // As the official harness: a TTY, stdin open, root.
          Tty: true,
          OpenStdin: true,
          User: '0',
          HostConfig: {
            Init: true,
            NetworkMode: network.name,
            Binds: spec.readOnlyMounts?.map((m) => `${m.hostPath}:${m.containerPath}:ro`),
            ShmSize: spec.shmMb * 1024 * 1024,
            NanoCpus: spec.cpus > 0 ? Math.round(spec.cpus * 1e9) : undefined,
            Memory: spec.memoryMb > 0 ? spec.memoryMb * 1024 * 1024 : undefined,
          },
        }),
        signal,
      );
      return { container, networkId: network.id };
    };
    let made: { container: Dockerode.Container; networkId: string };
    try {
      made = await create();
    } catch (error) {
      // Another process of this store removed the shared network as it closed: make it again.
      if ((error as { statusCode?: number }).statusCode !== 404 || !/network/i.test(String(error))) throw error;
      this.attempts = undefined;
      made = await create();
    }
    try {
      await abortable(made.container.start(), signal);
      return new DockerTaskContainer(this.docker, made.container, made.container.id, made.networkId);
    } catch (error) {
      await made.container.remove({ force: true }).catch(() => undefined);
      throw error;
    }
  }

  async listKept(): Promise<KeptContainer[]> {
    const filters = JSON.stringify({ label: [`${LABEL_APP}=${LABEL_APP_VALUE}`, `${LABEL_STORE}=${this.storeId}`, LABEL_KEEP], status: ['exited', 'created', 'dead'] });
    return (await this.docker.listContainers({ all: true, filters })).map((c) => ({
      id: c.Id,
      name: (c.Names[0] ?? '').replace(/^\//, ''),
      runId: c.Labels[LABEL_RUN] ?? '',
      attemptId: c.Labels[LABEL_ATTEMPT] ?? '',
      image: c.Image,
      createdAt: new Date(c.Created * 1000).toISOString(),
    }));
  }

  async removeKept(containerId: string): Promise<boolean> {
    // Only this store's kept containers: an id from a user never removes anything else.
    const kept = (await this.listKept()).find((c) => c.id === containerId || c.name === containerId || (containerId.length >= 12 && c.id.startsWith(containerId)));
    if (!kept) return false;
    await this.docker.getContainer(kept.id).remove({ force: true, v: true });
    return true;
  }

  async reap(isLive: (attemptId: string) => boolean, isKept: (attemptId: string) => boolean = () => false): Promise<{ containers: number; networks: number }> {
    const filters = JSON.stringify({ label: [`${LABEL_APP}=${LABEL_APP_VALUE}`, `${LABEL_STORE}=${this.storeId}`, LABEL_ATTEMPT] });
    let containers = 0;
    for (const c of await this.docker.listContainers({ all: true, filters })) {
      const attempt = c.Labels[LABEL_ATTEMPT];
      if (c.Labels[LABEL_KEEP] && c.State !== 'running' && attempt && isKept(attempt)) continue;
      if (attempt && !isLive(attempt)) {
        await this.docker.getContainer(c.Id).remove({ force: true, v: true }).catch(() => undefined);
        containers += 1;
      }
    }
    let networks = 0;
    for (const n of await this.docker.listNetworks({ filters })) {
      const attempt = n.Labels?.[LABEL_ATTEMPT];
      if (attempt && !isLive(attempt)) {
        await this.docker.getNetwork(n.Id).remove().catch(() => undefined);
        networks += 1;
      }
    }
    return { containers, networks };
  }
}
