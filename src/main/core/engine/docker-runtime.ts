/**
 * The container runtime on a real Docker daemon, through dockerode: one container per attempt on
 * the store's shared bridge network (no traffic between its containers), labelled so the reaper
 * can find them; exec with streamed output; tar in and out with checks; every wait bounded by a
 * timeout and an AbortSignal. An attempt's container may join the network namespace of a holder
 * made while the previous attempt ran (spare-holders.ts), which takes the namespace's making off
 * its start.
 */
import path from 'node:path';
import { PassThrough, type Duplex, type Readable } from 'node:stream';
import type { Dockerode } from '../docker/docker-client';
import { packTar } from '../images/tar-writer';
import { isProcessAlive } from '../processes';
import {
  CancelledError,
  ExecTimeoutError,
  LABEL_APP,
  LABEL_APP_VALUE,
  LABEL_ATTEMPT,
  LABEL_HOLDER,
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
import { SpareHolders } from './spare-holders';
import { readTar, TarError } from './tar-reader';

/**
 * A running container that only holds a network namespace (on the store's attempt network), for
 * an attempt's container to join. It goes when that container goes.
 */
interface NetworkHolder {
  id: string;
  networkId: string;
  /** Removes it; never throws (one the daemon could not remove is the reaper's). */
  drop(): Promise<void>;
}

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
    /** The holder whose network namespace this container joined; its networks are the container's. */
    private readonly holder: Pick<NetworkHolder, 'id' | 'drop'> | null = null,
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
    // A container in its holder's namespace has no networks of its own: Docker attaches them to
    // the holder, and taking the holder off one takes its interface out of the shared namespace.
    const owner = this.holder ? this.docker.getContainer(this.holder.id) : this.container;
    const info = await owner.inspect();
    for (const name of Object.keys(info.NetworkSettings.Networks ?? {})) {
      await this.docker.getNetwork(name).disconnect({ Container: owner.id, Force: true });
    }
  }

  async joinNetwork(name: string): Promise<void> {
    await this.docker.getNetwork(name).connect({ Container: this.holder?.id ?? this.id });
  }

  /** Attempts that may be kept never join a holder (DockerRuntime.start): `docker start` of theirs needs none. */
  async keep(): Promise<void> {
    await this.container.stop({ t: 5 }).catch((e: { statusCode?: number }) => {
      if (e.statusCode !== 304 && e.statusCode !== 404) throw e; // 304: already stopped
    });
    // Off the store's shared network (it stays for the other attempts).
    await this.cutNetwork().catch(() => undefined);
  }

  async remove(): Promise<void> {
    const gone = (e: { statusCode?: number }): void => {
      if (e.statusCode !== 404) throw e;
    };
    try {
      await this.container.remove({ force: true, v: true }).catch(gone);
    } finally {
      // Not wanted any more either way: if the daemon refused, the reaper removes it.
      await this.holder?.drop();
    }
  }
}

export class DockerRuntime implements ContainerRuntime {
  private egress: Promise<{ name: string; gateway: string }> | undefined;
  private attempts: Promise<{ name: string; id: string }> | undefined;
  private holdersMade = 0;
  /** Holders being created: the reaper must not take one before it is in `holdersWanted`. */
  private holdersInFlight = 0;
  /**
   * This process's holders still in use (a spare, or joined by a container not yet removed). A
   * holder of this process outside it is a leftover (its removal failed while the daemon was
   * away, say): the reaper takes it.
   */
  private readonly holdersWanted = new Set<string>();
  /** What a cancelled start let go of once it arrived (abortableMaking): dispose waits for these. */
  private readonly releasing = new Set<Promise<void>>();
  private readonly spares = new SpareHolders<NetworkHolder>({
    make: (image) => this.makeHolder(image),
    discard: (holder) => holder.drop(),
  });

  /**
   * `storeId` goes on every container and network, and limits the reaper to them.
   * `spareHolders: false` makes `prepare` do nothing (bench:engine measures both ways).
   */
  constructor(
    private readonly docker: Dockerode,
    private readonly storeId: string,
    private readonly options: { spareHolders?: boolean } = {},
  ) {}

  async dispose(): Promise<void> {
    // Holders first: Docker refuses to remove a network a container is on.
    await this.spares.release();
    // And what cancelled starts let go of (a container the daemon made anyway, a holder): a process
    // that closes (a cancelled CLI run exiting) would otherwise leave them until the next reap.
    await Promise.all(this.releasing);
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

  prepare(image: string): void {
    if (this.options.spareHolders !== false) this.spares.prepare(image);
  }

  releaseSpares(): Promise<void> {
    return this.spares.release();
  }

  /**
   * A holder for an attempt of `image`: that image (present, since the attempt is about to use
   * it) running `sleep` under Docker's init, on the store's attempt network, labelled with this
   * process's pid for the reaper.
   */
  private async makeHolder(image: string): Promise<NetworkHolder> {
    const network = await this.attemptNetwork();
    this.holdersMade += 1;
    this.holdersInFlight += 1;
    let container: Dockerode.Container;
    try {
      container = await this.docker.createContainer({
        name: `lancer-holder-${this.storeId.slice(0, 8)}-${process.pid}-${this.holdersMade}`,
        Image: image,
        Entrypoint: ['sleep'],
        Cmd: ['2147483647'], // busybox's sleep takes no "infinity"
        Labels: { [LABEL_APP]: LABEL_APP_VALUE, [LABEL_STORE]: this.storeId, [LABEL_HOLDER]: String(process.pid) },
        HostConfig: { Init: true, NetworkMode: network.name },
      });
      this.holdersWanted.add(container.id);
    } finally {
      this.holdersInFlight -= 1;
    }
    const drop = async (): Promise<void> => {
      this.holdersWanted.delete(container.id);
      await container.remove({ force: true, v: true }).catch(() => undefined);
    };
    try {
      await container.start();
    } catch (error) {
      await drop();
      throw error;
    }
    return { id: container.id, networkId: network.id, drop };
  }

  /** The spare holder for `image`, if one was made ahead; dropped once it is ready if the attempt is cancelled meanwhile. */
  private takeHolder(image: string, signal: AbortSignal | undefined): Promise<NetworkHolder | null> {
    return this.abortableMaking(this.spares.take(image), signal, (holder) => holder?.drop());
  }

  /**
   * `abortable` for a call that makes something: on a cancel the caller stops waiting, but the
   * daemon finishes, and what it made would be held by nobody (containers were left "Created").
   * It goes to `release` once it exists.
   */
  private abortableMaking<T>(making: Promise<T>, signal: AbortSignal | undefined, release: (made: T) => Promise<unknown> | undefined): Promise<T> {
    return abortable(making, signal).catch((error: unknown) => {
      if (signal?.aborted) {
        const released: Promise<void> = making
          .then(release)
          .then(
            () => undefined,
            () => undefined,
          )
          .finally(() => this.releasing.delete(released));
        this.releasing.add(released);
      }
      throw error;
    });
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
    // A kept container must start again on its own (`docker start -ai`), without a holder.
    const holder = spec.keepOnFailure || spec.useSpare === false ? null : await this.takeHolder(spec.image, signal);
    if (holder) {
      try {
        return await this.startIn(spec, holder, signal);
      } catch (error) {
        if (error instanceof CancelledError || signal?.aborted) throw error;
        // The holder stopped meanwhile (the daemon restarted, say): start as if there were none.
      }
    }
    return this.startIn(spec, null, signal);
  }

  /** Creates and starts the container, in the holder's network namespace or on the store's network. */
  private async startIn(spec: ContainerSpec, holder: NetworkHolder | null, signal: AbortSignal | undefined): Promise<TaskContainer> {
    const labels: Record<string, string> = { ...spec.labels, [LABEL_STORE]: this.storeId };
    if (spec.keepOnFailure) labels[LABEL_KEEP] = 'true';
    const create = async (): Promise<{ container: Dockerode.Container; networkId: string }> => {
      const network = holder ? { name: `container:${holder.id}`, id: holder.networkId } : await abortable(this.attemptNetwork(), signal);
      const creating = this.docker.createContainer({
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
      });
      const container = await this.abortableMaking(creating, signal, (made) => made.remove({ force: true, v: true }));
      return { container, networkId: network.id };
    };
    let made: { container: Dockerode.Container; networkId: string };
    try {
      made = await create().catch((error: unknown) => {
        // Another process of this store removed the shared network as it closed: make it again.
        if (holder || (error as { statusCode?: number }).statusCode !== 404 || !/network/i.test(String(error))) throw error;
        this.attempts = undefined;
        return create();
      });
    } catch (error) {
      await holder?.drop();
      throw error;
    }
    try {
      await abortable(made.container.start(), signal);
    } catch (error) {
      await made.container.remove({ force: true }).catch(() => undefined);
      await holder?.drop();
      throw error;
    }
    return new DockerTaskContainer(this.docker, made.container, made.container.id, made.networkId, null, holder);
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
    // One listing of the store's containers serves both kinds: attempts' and network holders.
    const store = JSON.stringify({ label: [`${LABEL_APP}=${LABEL_APP_VALUE}`, `${LABEL_STORE}=${this.storeId}`] });
    let containers = 0;
    for (const c of await this.docker.listContainers({ all: true, filters: store })) {
      if (!this.reapable(c.Id, c.Labels, c.State, isLive, isKept)) continue;
      await this.docker.getContainer(c.Id).remove({ force: true, v: true }).catch(() => undefined);
      containers += 1;
    }
    let networks = 0;
    const attemptNetworks = JSON.stringify({ label: [`${LABEL_APP}=${LABEL_APP_VALUE}`, `${LABEL_STORE}=${this.storeId}`, LABEL_ATTEMPT] });
    for (const n of await this.docker.listNetworks({ filters: attemptNetworks })) {
      const attempt = n.Labels?.[LABEL_ATTEMPT];
      if (attempt && !isLive(attempt)) {
        await this.docker.getNetwork(n.Id).remove().catch(() => undefined);
        networks += 1;
      }
    }
    return { containers, networks };
  }

  /** Whether the reaper removes a container of this store, by its labels and state. */
  private reapable(id: string, labels: Record<string, string>, state: string, isLive: (attemptId: string) => boolean, isKept: (attemptId: string) => boolean): boolean {
    const attempt = labels[LABEL_ATTEMPT];
    if (attempt) return !(labels[LABEL_KEEP] && state !== 'running' && isKept(attempt)) && !isLive(attempt);
    if (labels[LABEL_HOLDER] === undefined) return false; // neither an attempt's nor a holder: not the reaper's
    // Holders whose process is gone (a crash), and this process's own that it no longer wants;
    // another live process's are its spares or its attempts'.
    const pid = Number(labels[LABEL_HOLDER]);
    if (pid === process.pid) return !this.holdersWanted.has(id) && this.holdersInFlight === 0;
    return !(Number.isInteger(pid) && pid > 0 && isProcessAlive(pid));
  }
}
