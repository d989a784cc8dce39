/**
 * The container runtime on a Docker Swarm. Each attempt is a Swarm job (a replicated job of one
 * task, never restarted) that reserves the run's CPUs and memory and may only land on nodes
 * labelled as holding its image; when no node has room, Swarm keeps it pending (the queue).
 * Swarm does not forward exec or file copies to other nodes (README: Runs on a Docker Swarm), so once the
 * task runs the runtime finds its node and container and talks to that node's own daemon, whose
 * address the node's `lancer.endpoint` label gives (a unix socket, or TCP with mutual TLS). From
 * there on a container is driven exactly as on the local daemon (DockerTaskContainer), and the
 * node's daemon also holds the store's attempt network, so attempts on one node cannot reach
 * each other. The ledger stays on this machine; nothing here writes to it.
 */
import { createHash } from 'node:crypto';
import type { ClusterNode } from '../../../shared/clusters';
import { createDockerClientFor, pingDocker, type Dockerode } from '../docker/docker-client';
import { DockerRuntime, DockerTaskContainer } from '../engine/docker-runtime';
import {
  CancelledError,
  LABEL_APP,
  LABEL_APP_VALUE,
  LABEL_ATTEMPT,
  LABEL_KEEP,
  LABEL_STORE,
  type ContainerRef,
  type ContainerRuntime,
  type ContainerSpec,
  type KeptContainer,
  type StartHooks,
  type TaskContainer,
} from '../engine/container-runtime';

/** The node label that gives the address of the node's own Docker daemon. */
export const NODE_ENDPOINT_LABEL = 'lancer.endpoint';

/**
 * The node label saying a node holds an image (`lancer.image.<hash of its name>=true`): Swarm
 * does not know where images are, and a task sent to a node without its image is rejected.
 */
export function imageLabel(image: string): string {
  return `lancer.image.${createHash('sha256').update(image).digest('hex').slice(0, 16)}`;
}

/**
 * A Swarm service's name for a container name: Swarm wants a DNS label (letters, digits and
 * hyphens, at most 63), and attempt ids carry dots. A name that had to be cut keeps a hash.
 */
export function jobName(containerName: string): string {
  const label = containerName.replace(/[^A-Za-z0-9-]/g, '-').replace(/^-+|-+$/g, '');
  if (label.length <= 63) return label;
  return `${label.slice(0, 50).replace(/-+$/, '')}-${createHash('sha256').update(containerName).digest('hex').slice(0, 12)}`;
}

/** A Swarm node as the workbench reads it off the manager: what status shows, and its labels. */
export interface SwarmNode extends ClusterNode {
  labels: Record<string, string>;
  engineVersion: string | null;
}

/** What the runtime reads of the manager's node list. */
interface NodeInfo {
  ID: string;
  Version?: { Index?: number };
  Spec?: { Role?: string; Availability?: string; Labels?: Record<string, string>; Name?: string };
  Description?: { Hostname?: string; Resources?: { NanoCPUs?: number; MemoryBytes?: number }; Engine?: { EngineVersion?: string } };
  Status?: { State?: string };
}

/** What the runtime reads of a Swarm task. */
interface TaskInfo {
  ID: string;
  NodeID?: string;
  Status?: { State?: string; Err?: string; Message?: string; ContainerStatus?: { ContainerID?: string } };
}

/** Task states after which the job's task will never run. */
const ENDED_STATES = new Set(['complete', 'failed', 'shutdown', 'rejected', 'orphaned', 'remove']);

export interface SwarmRuntimeOptions {
  /** The cluster's name, for messages. */
  name: string;
  manager: Dockerode;
  /** Client certificates for nodes reached over TCP (the cluster's TLS folder). */
  tlsDir: string | null;
  storeId: string;
  /** Makes a client for a node's daemon; tests may wrap it. */
  clientFor?: (url: string, tlsDir: string | null) => Dockerode;
  /** How often the job's task is looked at while it is placed and started. */
  pollMs?: number;
  /** The longest pause between asks while the manager does not answer (default 30 s). */
  managerRetryMaxMs?: number;
}

function statusOf(error: unknown): number | undefined {
  return (error as { statusCode?: number }).statusCode;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new CancelledError());
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new CancelledError());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** A job's container on its node: removing it removes the job too (Swarm would not). */
class SwarmTaskContainer extends DockerTaskContainer {
  constructor(
    docker: Dockerode,
    container: Dockerode.Container,
    id: string,
    networkId: string | null,
    node: string,
    private readonly removeJob: () => Promise<void>,
  ) {
    super(docker, container, id, networkId, node);
  }

  override async remove(): Promise<void> {
    // The job first: a job whose container vanished is marked failed, never restarted anyway.
    await this.removeJob();
    await super.remove();
  }
  // keep(): the container stops, the finished job stays with it; the reaper removes both later.
}

export class SwarmRuntime implements ContainerRuntime {
  private readonly clients = new Map<string, Dockerode>();
  private readonly nodeRuntimes = new Map<string, DockerRuntime>();
  /** The usable nodes as last listed, for image lookups in a burst (see imageId). */
  private recentNodes: { at: number; nodes: ReturnType<SwarmRuntime['usableNodes']> } | undefined;
  /** Node label updates, one at a time: Swarm refuses an update made against an old version. */
  private labelling: Promise<unknown> = Promise.resolve();

  constructor(private readonly opts: SwarmRuntimeOptions) {}

  get name(): string {
    return this.opts.name;
  }

  /** The manager's node list. Throws a clear error when the manager does not answer. */
  async nodes(): Promise<SwarmNode[]> {
    let infos: NodeInfo[];
    try {
      infos = (await this.opts.manager.listNodes()) as NodeInfo[];
    } catch (error) {
      throw new Error(`cluster ${this.opts.name}: the Swarm manager does not answer or refuses (${(error as Error).message})`);
    }
    return infos.map((n) => ({
      id: n.ID,
      hostname: n.Description?.Hostname ?? n.ID,
      role: n.Spec?.Role === 'manager' ? 'manager' : 'worker',
      state: n.Status?.State ?? 'unknown',
      availability: n.Spec?.Availability ?? 'unknown',
      cpus: (n.Description?.Resources?.NanoCPUs ?? 0) / 1e9,
      memoryBytes: n.Description?.Resources?.MemoryBytes ?? 0,
      endpoint: n.Spec?.Labels?.[NODE_ENDPOINT_LABEL] ?? null,
      labels: n.Spec?.Labels ?? {},
      engineVersion: n.Description?.Engine?.EngineVersion ?? null,
    }));
  }

  /** A client for the node's own daemon (one per address, reused). */
  client(node: SwarmNode): Dockerode {
    if (!node.endpoint) {
      throw new Error(`node ${node.hostname} of cluster ${this.opts.name} has no ${NODE_ENDPOINT_LABEL} label; set it to its daemon's address (docker node update --label-add ${NODE_ENDPOINT_LABEL}=tcp://HOST:2376 ${node.hostname})`);
    }
    let client = this.clients.get(node.endpoint);
    if (!client) {
      client = (this.opts.clientFor ?? createDockerClientFor)(node.endpoint, this.opts.tlsDir);
      this.clients.set(node.endpoint, client);
    }
    return client;
  }

  /** The node's daemon seen as a local runtime of this store: its attempt network, reaper, kept containers. */
  private nodeRuntime(node: SwarmNode): DockerRuntime {
    const key = node.endpoint ?? node.id;
    let runtime = this.nodeRuntimes.get(key);
    if (!runtime) {
      runtime = new DockerRuntime(this.client(node), this.opts.storeId);
      this.nodeRuntimes.set(key, runtime);
    }
    return runtime;
  }

  /** Why each node's daemon cannot be used now (no label, no answer), or null when it answers. */
  async health(nodes: SwarmNode[]): Promise<Map<string, string | null>> {
    const checks = await Promise.all(
      nodes.map(async (node): Promise<[string, string | null]> => {
        if (node.state !== 'ready') return [node.id, `Swarm reports it ${node.state}`];
        let client: Dockerode;
        try {
          client = this.client(node);
        } catch (error) {
          return [node.id, (error as Error).message];
        }
        const status = await pingDocker(client, 5000);
        return [node.id, status.ok ? null : `its daemon at ${node.endpoint} does not answer (${status.error})`];
      }),
    );
    return new Map(checks);
  }

  /** Nodes that take work (ready, active) and answer at their address. */
  async usableNodes(): Promise<{ usable: SwarmNode[]; refused: { node: SwarmNode; why: string }[] }> {
    const nodes = (await this.nodes()).filter((n) => n.availability === 'active');
    const health = await this.health(nodes);
    const refused = nodes.filter((n) => health.get(n.id) !== null).map((n) => ({ node: n, why: health.get(n.id)! }));
    return { usable: nodes.filter((n) => health.get(n.id) === null), refused };
  }

  /**
   * The usable nodes; while the manager does not answer, the attempt waits for it (as runs wait
   * for a local daemon that went away) instead of failing try after try: the wait goes through
   * `hooks.whileQueued`, which logs why and keeps it out of the set-up time. Without hooks, the
   * manager's error is thrown.
   */
  async usableNodesOnceTheManagerAnswers(signal?: AbortSignal, hooks?: StartHooks): Promise<Awaited<ReturnType<SwarmRuntime['usableNodes']>>> {
    try {
      return await this.usableNodes();
    } catch (error) {
      if (!hooks?.whileQueued) throw error;
      const retry = async (): Promise<Awaited<ReturnType<SwarmRuntime['usableNodes']>>> => {
        for (let delayMs = 1000; ; delayMs = Math.min(delayMs * 2, this.opts.managerRetryMaxMs ?? 30_000)) {
          await sleep(delayMs, signal);
          try {
            return await this.usableNodes();
          } catch {
            // still away
          }
        }
      };
      return hooks.whileQueued(retry(), `waiting for the Swarm manager: ${(error as Error).message}`);
    }
  }

  /** The image's id on each node that holds it. */
  async imageOnNodes(image: string, nodes: SwarmNode[]): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    await Promise.all(
      nodes.map(async (node) => {
        try {
          found.set(node.id, (await this.client(node).getImage(image).inspect()).Id);
        } catch (error) {
          if (statusOf(error) !== 404) throw error;
        }
      }),
    );
    return found;
  }

  /** The image's id on the first node that holds it (ids are the same wherever it was copied), or null. */
  async imageId(image: string): Promise<string | null> {
    // A run of 1,488 tasks asks for as many images: the node list and pings are shared for a second.
    const now = Date.now();
    if (!this.recentNodes || now - this.recentNodes.at > 1000) this.recentNodes = { at: now, nodes: this.usableNodes() };
    const { usable } = await this.recentNodes.nodes;
    const found = await this.imageOnNodes(image, usable);
    return found.values().next().value ?? null;
  }

  /**
   * Sets or clears each node's label for each image, from what its daemon holds now. Returns,
   * per image, the nodes that hold it.
   */
  async syncImageLabels(images: string[], nodes: SwarmNode[]): Promise<Map<string, SwarmNode[]>> {
    const holders = new Map<string, SwarmNode[]>();
    for (const image of images) {
      const found = await this.imageOnNodes(image, nodes);
      holders.set(image, nodes.filter((n) => found.has(n.id)));
      for (const node of nodes) {
        const want = found.has(node.id) ? 'true' : null;
        if ((node.labels[imageLabel(image)] ?? null) !== want) await this.setNodeLabel(node.id, imageLabel(image), want);
      }
    }
    return holders;
  }

  /** Sets (or, with null, removes) one label of a node, retrying when another update came first. */
  setNodeLabel(nodeId: string, key: string, value: string | null): Promise<void> {
    const update = async (): Promise<void> => {
      for (let attempt = 0; ; attempt++) {
        const node = this.opts.manager.getNode(nodeId);
        const info = (await node.inspect()) as NodeInfo;
        const labels = { ...(info.Spec?.Labels ?? {}) };
        if (value === null) delete labels[key];
        else labels[key] = value;
        try {
          await node.update({ version: info.Version?.Index, ...info.Spec, Labels: labels });
          return;
        } catch (error) {
          // "update out of sequence": someone else updated the node between our read and write.
          if (attempt >= 4 || !/out of sequence/i.test(String((error as Error).message))) throw error;
        }
      }
    };
    const next = this.labelling.then(update, update);
    this.labelling = next.catch(() => undefined);
    return next;
  }

  async start(spec: ContainerSpec, signal?: AbortSignal, hooks?: StartHooks): Promise<TaskContainer> {
    if (spec.readOnlyMounts?.length) {
      throw new Error(`cluster ${this.opts.name}: folders of this machine cannot be mounted into a container on another node (CLI agents run on the local daemon only)`);
    }
    const { usable, refused } = await this.usableNodesOnceTheManagerAnswers(signal, hooks);
    const holders = (await this.syncImageLabels([spec.image], usable)).get(spec.image) ?? [];
    if (holders.length === 0) {
      const down = refused.length ? `; left out: ${refused.map((r) => `${r.node.hostname} (${r.why})`).join(', ')}` : '';
      throw new Error(`no usable node of cluster ${this.opts.name} holds the image ${spec.image} (lancer images distribute --cluster ${this.opts.name})${down}`);
    }
    const labels: Record<string, string> = { ...spec.labels, [LABEL_STORE]: this.opts.storeId };
    if (spec.keepOnFailure) labels[LABEL_KEEP] = 'true';
    const limits = {
      ...(spec.cpus > 0 ? { NanoCPUs: Math.round(spec.cpus * 1e9) } : {}),
      ...(spec.memoryMb > 0 ? { MemoryBytes: spec.memoryMb * 1024 * 1024 } : {}),
    };
    const jobSpec = {
      Name: jobName(spec.name),
      Labels: labels,
      TaskTemplate: {
        ContainerSpec: {
          Image: spec.image,
          Env: spec.env,
          Labels: labels,
          // As the official harness (and the local runtime): a TTY, stdin open, root, an init.
          TTY: true,
          OpenStdin: true,
          User: '0',
          Init: true,
          // Swarm has no shm size: a tmpfs of that size on /dev/shm is the same thing.
          Mounts: spec.shmMb > 0 ? [{ Type: 'tmpfs', Target: '/dev/shm', TmpfsOptions: { SizeBytes: spec.shmMb * 1024 * 1024 } }] : [],
        },
        // Reserved, so Swarm places (or queues) by them, and enforced as limits, as locally.
        Resources: { Reservations: limits, Limits: limits },
        RestartPolicy: { Condition: 'none', MaxAttempts: 0 },
        Placement: {
          // Only nodes holding the image, and never one whose daemon this process cannot reach.
          Constraints: [`node.labels.${imageLabel(spec.image)}==true`, ...refused.map((r) => `node.id!=${r.node.id}`)],
        },
      },
      Mode: { ReplicatedJob: { MaxConcurrent: 1, TotalCompletions: 1 } },
    };
    // Replicated jobs and tmpfs options are newer than dockerode's types.
    const service = await this.opts.manager.createService(jobSpec as unknown as Dockerode.CreateServiceOptions);
    const removeJob = async (): Promise<void> => {
      await service.remove().catch((e: unknown) => {
        if (statusOf(e) !== 404) throw e;
      });
    };
    try {
      const { task, node } = await this.waitForTask(service.id as string, usable, signal, hooks);
      const containerId = task.Status!.ContainerStatus!.ContainerID!;
      const client = this.client(node);
      const container = client.getContainer(containerId);
      try {
        const networkId = await this.nodeRuntime(node).adoptIntoAttemptNetwork(containerId);
        return new SwarmTaskContainer(client, container, containerId, networkId, node.hostname, removeJob);
      } catch (error) {
        await container.remove({ force: true }).catch(() => undefined);
        throw error;
      }
    } catch (error) {
      await removeJob().catch(() => undefined);
      throw error;
    }
  }

  /** The job's task as the manager sees it now (undefined before the orchestrator made it). */
  private async lookAtTask(serviceId: string): Promise<TaskInfo | undefined> {
    return ((await this.opts.manager.listTasks({ filters: JSON.stringify({ service: [serviceId] }) })) as TaskInfo[])[0];
  }

  /** Polls until the task is placed on a node (or will never be); undefined when `untilMs` passes first. */
  private async untilPlaced(serviceId: string, signal: AbortSignal | undefined, untilMs = Infinity): Promise<TaskInfo | undefined> {
    const pollMs = this.opts.pollMs ?? 250;
    for (;;) {
      const task = await this.lookAtTask(serviceId);
      if (task?.NodeID || ENDED_STATES.has(task?.Status?.State ?? '')) return task;
      if (Date.now() >= untilMs) return undefined;
      await sleep(pollMs, signal);
    }
  }

  /**
   * Waits until the job's task runs and says where. A task not placed within a second waits in
   * Swarm's queue (no node has room): that wait goes through `hooks.whileQueued`, so it is not
   * set-up time. A task that ends without running, or whose node stops answering, fails the start.
   */
  private async waitForTask(serviceId: string, known: SwarmNode[], signal?: AbortSignal, hooks?: StartHooks): Promise<{ task: TaskInfo; node: SwarmNode }> {
    const pollMs = this.opts.pollMs ?? 250;
    if (!(await this.untilPlaced(serviceId, signal, Date.now() + 1000))) {
      const pending = await this.lookAtTask(serviceId);
      const why = `queued by Swarm on cluster ${this.opts.name}: ${pending?.Status?.Err || 'waiting for a node with room'}`;
      const wait = this.untilPlaced(serviceId, signal);
      await (hooks?.whileQueued ? hooks.whileQueued(wait, why) : wait);
    }
    let nodeCheckedAt = 0;
    for (;;) {
      const task = await this.lookAtTask(serviceId);
      const state = task?.Status?.State ?? 'new';
      if (task && ENDED_STATES.has(state)) {
        const where = known.find((n) => n.id === task.NodeID)?.hostname;
        throw new Error(`Swarm could not run the attempt's job${where ? ` on ${where}` : ''}: ${task.Status?.Err || task.Status?.Message || state}`);
      }
      if (task?.NodeID) {
        const node = known.find((n) => n.id === task.NodeID) ?? (await this.nodes()).find((n) => n.id === task.NodeID);
        if (!node) throw new Error(`Swarm placed the attempt's job on node ${task.NodeID}, which it no longer lists`);
        if (state === 'running' && task.Status?.ContainerStatus?.ContainerID) return { task, node };
        // Placed but not running yet: a node that died after placement would hold it forever.
        if (Date.now() - nodeCheckedAt > 3000) {
          nodeCheckedAt = Date.now();
          const why = (await this.health([node])).get(node.id);
          if (why) throw new Error(`node ${node.hostname} of cluster ${this.opts.name} took the attempt's job but ${why}`);
        }
      }
      await sleep(pollMs, signal);
    }
  }

  async attach(ref: ContainerRef): Promise<TaskContainer | null> {
    if (ref.node === null) return null;
    const node = (await this.nodes()).find((n) => n.hostname === ref.node);
    if (!node) return null;
    const client = this.client(node);
    const container = client.getContainer(ref.containerId);
    try {
      if (!(await container.inspect()).State.Running) return null;
    } catch (error) {
      if (statusOf(error) === 404) return null;
      throw error;
    }
    return new DockerTaskContainer(client, container, ref.containerId, null, node.hostname);
  }

  /**
   * After a crash: removes this store's jobs whose attempt is not live (a kept attempt's job
   * stays with its container), then on every node that answers, the containers and networks
   * the local reaper would remove.
   */
  async reap(isLive: (attemptId: string) => boolean, isKept: (attemptId: string) => boolean = () => false): Promise<{ containers: number; networks: number }> {
    const filters = JSON.stringify({ label: [`${LABEL_APP}=${LABEL_APP_VALUE}`, `${LABEL_STORE}=${this.opts.storeId}`] });
    for (const service of await this.opts.manager.listServices({ filters })) {
      const serviceLabels = (service as { Spec?: { Labels?: Record<string, string> } }).Spec?.Labels ?? {};
      const attempt = serviceLabels[LABEL_ATTEMPT];
      if (!attempt || isLive(attempt) || (serviceLabels[LABEL_KEEP] && isKept(attempt))) continue;
      await this.opts.manager.getService(service.ID).remove().catch(() => undefined);
    }
    const { usable } = await this.usableNodes();
    const total = { containers: 0, networks: 0 };
    for (const node of usable) {
      const reaped = await this.nodeRuntime(node).reap(isLive, isKept);
      total.containers += reaped.containers;
      total.networks += reaped.networks;
    }
    return total;
  }

  async listKept(): Promise<KeptContainer[]> {
    const { usable } = await this.usableNodes();
    return (await Promise.all(usable.map((n) => this.nodeRuntime(n).listKept()))).flat();
  }

  async removeKept(containerId: string): Promise<boolean> {
    const { usable } = await this.usableNodes();
    for (const node of usable) if (await this.nodeRuntime(node).removeKept(containerId)) return true;
    return false;
  }

  async dispose(): Promise<void> {
    await Promise.allSettled([...this.nodeRuntimes.values()].map((r) => r.dispose()));
  }
}
