/**
 * Clusters as the user sees them: adding one (the manager must answer and be a Swarm manager),
 * its status per node (answers? images present and missing, attempts running), copying the
 * images a dataset needs onto its nodes, and the runtime runs on it use.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { AppError, parseInput } from '../../../shared/result';
import { clusterAddSchema, type ClusterAddInput, type ClusterNodeStatus, type ClusterStatus, type ClusterSummary } from '../../../shared/clusters';
import type { RunManifest } from '../../../shared/runs';
import { createDockerClientFor, pingDocker, type Dockerode } from '../docker/docker-client';
import { LABEL_APP, LABEL_APP_VALUE, LABEL_STORE } from '../engine/container-runtime';
import type { ClusterRepo } from '../store/cluster-repo';
import { SwarmRuntime, type SwarmNode } from './swarm-runtime';

export interface DistributeProgress {
  node: string;
  /** Bytes of the image archive sent to the node so far, and the images' size on disk. */
  sentBytes: number;
  totalBytes: number;
  images: string[];
}

export interface DistributeReport {
  nodes: { hostname: string; copied: string[]; alreadyThere: string[]; error: string | null }[];
}

export class ClusterService {
  private readonly runtimes = new Map<string, SwarmRuntime>();

  constructor(
    private readonly deps: {
      repo: ClusterRepo;
      /** The local daemon: where images are copied from. */
      local: Dockerode;
      storeId: string;
      clientFor?: (url: string, tlsDir: string | null) => Dockerode;
    },
  ) {}

  list(): ClusterSummary[] {
    return this.deps.repo.list();
  }

  /**
   * Checks the address and certificates by asking the daemon, which must be a Swarm manager,
   * then stores the cluster. Nothing is stored when a check fails.
   */
  async add(raw: ClusterAddInput): Promise<ClusterSummary> {
    const input = parseInput(clusterAddSchema, raw, 'clusters.add');
    const tlsDir = input.tlsDir ? path.resolve(input.tlsDir) : null;
    if (tlsDir && !existsSync(tlsDir)) throw new AppError('invalid_input', `--tls-dir ${tlsDir} does not exist`);
    let manager: Dockerode;
    try {
      manager = this.clientFor(input.manager, tlsDir);
    } catch (error) {
      throw new AppError('invalid_input', (error as Error).message);
    }
    const status = await pingDocker(manager, 10_000);
    if (!status.ok) throw new AppError('unavailable', `the manager at ${input.manager} does not answer: ${status.error}`);
    // Swarm jobs (one per attempt) came with API 1.41, Docker 20.10.
    const [major = 0, minor = 0] = status.apiVersion.split('.').map(Number);
    if (major < 1 || (major === 1 && minor < 41)) {
      throw new AppError('invalid_input', `the manager at ${input.manager} speaks Docker API ${status.apiVersion} (Docker ${status.version}); Swarm jobs need API 1.41 (Docker 20.10) or later`);
    }
    const info = (await manager.info()) as { Swarm?: { ControlAvailable?: boolean; LocalNodeState?: string } };
    if (!info.Swarm?.ControlAvailable) {
      throw new AppError('invalid_input', `the daemon at ${input.manager} is not a Swarm manager (its swarm state: ${info.Swarm?.LocalNodeState ?? 'unknown'}); point --manager at a manager node`);
    }
    this.runtimes.delete(input.name);
    return this.deps.repo.put({ name: input.name, manager: input.manager, tlsDir });
  }

  remove(name: string): boolean {
    this.runtimes.delete(name);
    return this.deps.repo.remove(name);
  }

  private clientFor(url: string, tlsDir: string | null): Dockerode {
    return (this.deps.clientFor ?? createDockerClientFor)(url, tlsDir);
  }

  /** The runtime of a cluster, made once per cluster and process. */
  runtime(name: string): SwarmRuntime {
    let runtime = this.runtimes.get(name);
    if (!runtime) {
      const cluster = this.deps.repo.get(name);
      runtime = new SwarmRuntime({
        name,
        manager: this.clientFor(cluster.manager, cluster.tlsDir),
        tlsDir: cluster.tlsDir,
        storeId: this.deps.storeId,
        clientFor: this.deps.clientFor,
      });
      this.runtimes.set(name, runtime);
    }
    return runtime;
  }

  /** Removes what the runtimes made on the nodes for themselves (the store's networks). */
  async dispose(): Promise<void> {
    await Promise.allSettled([...this.runtimes.values()].map((r) => r.dispose()));
  }

  /** What a run's manifest records of the cluster it runs on: the address and its nodes now. */
  async describe(name: string): Promise<NonNullable<RunManifest['cluster']>> {
    const cluster = this.deps.repo.get(name);
    let nodes: SwarmNode[];
    try {
      nodes = await this.runtime(name).nodes();
    } catch (error) {
      throw new AppError('unavailable', (error as Error).message);
    }
    return {
      name,
      kind: 'swarm',
      manager: cluster.manager,
      nodes: nodes.map((n) => ({ hostname: n.hostname, cpus: n.cpus, memoryBytes: n.memoryBytes, docker: n.engineVersion })),
    };
  }

  /**
   * Every node: Swarm's view, whether its daemon answers, which of `images` it holds (without
   * `images`: the benchmark images it holds), attempts running.
   */
  async status(name: string, images: string[] = []): Promise<ClusterStatus> {
    const cluster = this.deps.repo.get(name);
    const runtime = this.runtime(name);
    let nodes: SwarmNode[];
    try {
      nodes = await runtime.nodes();
    } catch (error) {
      throw new AppError('unavailable', (error as Error).message);
    }
    const health = await runtime.health(nodes);
    // One look per image and node, which also sets the labels placement goes by.
    const holders = images.length ? await runtime.syncImageLabels(images, nodes.filter((n) => health.get(n.id) === null)) : new Map<string, SwarmNode[]>();
    const statuses = await Promise.all(
      nodes.map(async (node): Promise<ClusterNodeStatus> => {
        const unreachable = health.get(node.id) ?? null;
        const present: string[] = [];
        let attemptsRunning = 0;
        if (unreachable === null) {
          const client = runtime.client(node);
          if (images.length === 0) {
            // No dataset asked about: the benchmark images the node holds (sample and official).
            for (const info of await client.listImages()) present.push(...(info.RepoTags ?? []).filter((tag) => /(^|\/)(lancer-sample|swelancer)/.test(tag)));
            present.sort();
          }
          present.push(...images.filter((image) => holders.get(image)?.some((h) => h.id === node.id)));
          const filters = JSON.stringify({ label: [`${LABEL_APP}=${LABEL_APP_VALUE}`, `${LABEL_STORE}=${this.deps.storeId}`], status: ['running'] });
          attemptsRunning = (await client.listContainers({ filters })).length;
        }
        const { labels: _labels, engineVersion: _engine, ...listed } = node;
        return {
          ...listed,
          unreachable,
          images: { present, missing: unreachable === null ? images.filter((i) => !present.includes(i)) : [...images] },
          attemptsRunning,
        };
      }),
    );
    return { cluster, nodes: statuses };
  }

  /**
   * Copies images from the local daemon to every usable node that lacks them (or holds another
   * build under the same name): one archive per group of nodes missing the same images, read
   * once and sent to each of them, so shared layers go once. Then labels the nodes.
   */
  async distribute(name: string, images: string[], onProgress?: (p: DistributeProgress) => void, signal?: AbortSignal): Promise<DistributeReport> {
    const runtime = this.runtime(name);
    const local = new Map<string, { id: string; size: number }>();
    for (const image of images) {
      try {
        const info = await this.deps.local.getImage(image).inspect();
        local.set(image, { id: info.Id, size: info.Size });
      } catch {
        throw new AppError('unavailable', `the image ${image} is not on this machine's daemon; build or pull it first (lancer images build sample, lancer images pull)`);
      }
    }
    const { usable, refused } = await runtime.usableNodes();
    const report: DistributeReport = { nodes: refused.map((r) => ({ hostname: r.node.hostname, copied: [], alreadyThere: [], error: r.why })) };
    const groups = new Map<string, { images: string[]; nodes: SwarmNode[]; already: Map<string, string[]> }>();
    for (const node of usable) {
      const held = new Map<string, string>();
      for (const image of images) {
        try {
          held.set(image, (await runtime.client(node).getImage(image).inspect()).Id);
        } catch {
          // missing
        }
      }
      const missing = images.filter((i) => held.get(i) !== local.get(i)!.id);
      const key = missing.join('\n');
      const group = groups.get(key) ?? { images: missing, nodes: [] as SwarmNode[], already: new Map<string, string[]>() };
      group.nodes.push(node);
      group.already.set(node.id, images.filter((i) => !missing.includes(i)));
      groups.set(key, group);
    }
    for (const group of groups.values()) {
      if (group.images.length === 0) {
        for (const node of group.nodes) report.nodes.push({ hostname: node.hostname, copied: [], alreadyThere: group.already.get(node.id) ?? [], error: null });
        continue;
      }
      const totalBytes = group.images.reduce((sum, i) => sum + local.get(i)!.size, 0);
      const results = await this.sendImages(runtime, group.nodes, group.images, totalBytes, onProgress, signal);
      for (const node of group.nodes) {
        report.nodes.push({ hostname: node.hostname, copied: results.get(node.id) ? [] : group.images, alreadyThere: group.already.get(node.id) ?? [], error: results.get(node.id) ?? null });
      }
    }
    await runtime.syncImageLabels(images, usable);
    return report;
  }

  /** One `docker save` of the images, streamed to every node's `docker load` at once. Errors per node. */
  private async sendImages(runtime: SwarmRuntime, nodes: SwarmNode[], images: string[], totalBytes: number, onProgress: ((p: DistributeProgress) => void) | undefined, signal: AbortSignal | undefined): Promise<Map<string, string | null>> {
    // GET /images/get?names=…: several images in one archive (dockerode has it; its types do not).
    const local = this.deps.local as unknown as { getImages(opts: { names: string[]; abortSignal?: AbortSignal }): Promise<Readable> };
    const archive = await local.getImages({ names: images, abortSignal: signal });
    const branches: PassThrough[] = [];
    // A save that fails midway must end every node's load with its error, not leave it waiting.
    archive.once('error', (error) => branches.forEach((b) => b.destroy(error)));
    const loads = nodes.map(async (node): Promise<[string, string | null]> => {
      const branch = new PassThrough({ highWaterMark: 4 * 1024 * 1024 });
      branches.push(branch);
      archive.pipe(branch);
      let bytes = 0;
      let last = 0;
      branch.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (bytes - last > 32 * 1024 * 1024) {
          last = bytes;
          onProgress?.({ node: node.hostname, sentBytes: bytes, totalBytes, images });
        }
      });
      try {
        const response = (await runtime.client(node).loadImage(branch, { quiet: true, abortSignal: signal })) as unknown as Readable;
        // The daemon answers with JSON lines; an error in one of them is the load's failure.
        let text = '';
        for await (const chunk of response as AsyncIterable<Buffer>) text += chunk.toString('utf8');
        const failure = text
          .split('\n')
          .filter(Boolean)
          .map((line) => {
            try {
              return (JSON.parse(line) as { error?: string }).error ?? null;
            } catch {
              return null;
            }
          })
          .find((e) => e);
        if (failure) return [node.id, failure];
        onProgress?.({ node: node.hostname, sentBytes: bytes, totalBytes, images });
        return [node.id, null];
      } catch (error) {
        archive.unpipe(branch);
        branch.resume(); // a failed node must not hold back the others
        return [node.id, (error as Error).message];
      }
    });
    return new Map(await Promise.all(loads));
  }
}
