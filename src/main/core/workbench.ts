/**
 * The core services wired together for one data dir. The Electron composition root, serve mode
 * and the CLI all open a Workbench; none of them holds logic the others lack.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { importDataset } from './dataset/importer';
import type { DockerStatus, Transport } from '../../shared/domain';
import { createDockerClient, pingDocker, type Dockerode } from './docker/docker-client';
import { EventBus } from './events';
import { databasePath } from './paths';
import { openDatabase, type Db } from './store/database';
import { DockerRuntime } from './engine/docker-runtime';
import type { ContainerRuntime } from './engine/container-runtime';
import { RunEngine } from './engine/run-engine';
import { AgentService } from './agents/agent-service';
import type { RetryPolicy } from './agents/builtin/types';
import { DatasetRepo } from './store/dataset-repo';
import { RunRepo } from './store/run-repo';
import { ArtifactStore } from './live/artifact-store';
import { collectTestRunArtifacts } from './live/collect-artifacts';
import { LiveScreens } from './live/live-screens';
import { ReplayService } from './live/replay-service';
import { stopTraceViewers } from './live/trace-viewer';
import { SettingsStore } from './store/settings-store';
import { ImageUseRepo } from './store/image-use-repo';
import { createRunImageHooks } from './images/disk-budget';
import { ImagePuller } from './images/image-pull';
import { AgentCache } from './agents/cli/agent-cache';
import { inBackground, logBackgroundFailure } from './background';
import { EndpointService } from './agents/endpoints/endpoint-service';
import { FileSecretStore, type SecretStore } from './agents/endpoints/secret-store';
import { ClusterRepo } from './store/cluster-repo';
import { ClusterService } from './cluster/cluster-service';
import type { TaskContainer } from './engine/container-runtime';

export interface WorkbenchOptions {
  dataDir: string;
  version: string;
  transport: Transport;
  /** A Docker client; tests inject one pointing elsewhere. Defaults to the local daemon. */
  docker?: Dockerode;
  /** better-sqlite3 binary for the running ABI (Electron), when it differs from Node's. */
  nativeBinding?: string;
  /** The container platform; tests of command sequences inject a recording fake. */
  runtime?: ContainerRuntime;
  /**
   * Where API keys are kept. Default: files in `<dataDir>/secrets/` (0700/0600); the Electron
   * composition root may supply an OS-keychain (safeStorage) store instead.
   */
  secrets?: SecretStore;
  /** Tests: the built-in agent's retries of a failed model call, shorter than its defaults. */
  modelRetry?: Partial<RetryPolicy>;
}

/** A short stable id of a data dir, for the container labels. */
export function storeIdFor(dataDir: string): string {
  return createHash('sha256').update(path.resolve(dataDir)).digest('hex').slice(0, 16);
}

export class Workbench {
  readonly db: Db;
  readonly settings: SettingsStore;
  readonly datasets: DatasetRepo;
  readonly runs: RunRepo;
  readonly artifacts: ArtifactStore;
  readonly engine: RunEngine;
  private readonly runtime: ContainerRuntime;
  /** The built-in model agent and the metering proxy its calls go through. */
  readonly agents: AgentService;
  readonly replays: ReplayService;
  readonly live: LiveScreens;
  /** When images were last used and which ones unfinished runs need (the disk budget's facts). */
  readonly imageUse: ImageUseRepo;
  /** Pulls of the official images (images.pull, `lancer images pull`). */
  readonly imagePuller: ImagePuller;
  /** CLI agents' binaries from npm, one fetch per agent at a time (the lock file guards other processes). */
  readonly agentCache: AgentCache;
  /** API keys, kept apart from the database. */
  readonly secrets: SecretStore;
  /** Named model endpoints (endpoints.*, `lancer endpoints`) and the resolver runs use. */
  readonly endpoints: EndpointService;
  /** Docker Swarms runs may use (`lancer cluster`, runs.start with `cluster`). */
  readonly clusters: ClusterService;
  readonly events = new EventBus();
  readonly docker: Dockerode;
  private lastDockerStatus: DockerStatus | undefined;

  /** Whether this data dir had no database before this Workbench opened it (a first start). */
  readonly firstStart: boolean;

  constructor(readonly options: WorkbenchOptions) {
    this.firstStart = !existsSync(databasePath(options.dataDir));
    this.db = openDatabase(databasePath(options.dataDir), { nativeBinding: options.nativeBinding });
    this.settings = new SettingsStore(this.db);
    this.datasets = new DatasetRepo(this.db);
    this.docker = options.docker ?? createDockerClient();
    this.runs = new RunRepo(this.db);
    this.imageUse = new ImageUseRepo(this.db);
    this.secrets = options.secrets ?? new FileSecretStore(options.dataDir);
    this.endpoints = new EndpointService({ db: this.db, secrets: this.secrets });
    this.imagePuller = new ImagePuller({
      docker: this.docker,
      dataDir: options.dataDir,
      use: this.imageUse,
      settings: () => this.settings.get(),
      listTasks: (datasetId) => this.datasets.listTasks({ datasetId }),
    });
    this.agentCache = new AgentCache({ dataDir: options.dataDir });
    this.artifacts = new ArtifactStore(options.dataDir, this.db);
    const keep = (attemptId: string, kind: 'video' | 'trace' | 'log' | 'patch', name: string, data: Buffer): void => {
      const { sha256, bytes } = this.artifacts.put(data, name);
      this.runs.addArtifact(attemptId, { kind, name, sha256, bytes });
    };
    const runtime = (this.runtime = options.runtime ?? new DockerRuntime(this.docker, storeIdFor(options.dataDir)));
    this.clusters = new ClusterService({ repo: new ClusterRepo(this.db), local: this.docker, storeId: storeIdFor(options.dataDir) });
    this.agents = new AgentService({
      agentCache: this.agentCache,
      egressNetwork: runtime.egressNetwork ? () => runtime.egressNetwork!() : undefined,
      // Saved endpoints (Settings › Model endpoints, `lancer endpoints`), their keys resolved at run time.
      resolveEndpoint: (name) => this.endpoints.resolveEndpoint(name),
      modelRetry: options.modelRetry,
      // The raw model exchanges of an attempt (keys removed), compressed, beside its other artifacts.
      storeRaw: (attemptId, name, gzipped) => {
        try {
          keep(attemptId, 'log', name, gzipped);
        } catch (error) {
          logBackgroundFailure(`keeping the model exchanges of ${attemptId}`, error); // its run was deleted meanwhile, say
        }
      },
    });
    this.engine = new RunEngine({
      agents: this.agents,
      keepArtifact: (attemptId, kind, name, data) => {
        const { sha256, bytes } = this.artifacts.put(data, name);
        this.runs.addArtifact(attemptId, { kind, name, sha256, bytes });
        return { sha256, bytes };
      },
      storeArtifact: keep,
      afterTestRun: (attemptId, questionId, container, runIndex, signal) =>
        collectTestRunArtifacts({ container, questionId, runIndex, signal, keep: (kind, name, data) => keep(attemptId, kind, name, data) }),
      runs: this.runs,
      datasets: this.datasets,
      settings: () => this.settings.get(),
      events: this.events,
      runtime,
      clusters: {
        runtime: (name) => this.clusters.runtime(name),
        describe: (name) => this.clusters.describe(name),
        names: () => this.clusters.list().map((c) => c.name),
      },
      appVersion: options.version,
      imageHooks: createRunImageHooks({ docker: this.docker, use: this.imageUse, settings: () => this.settings.get() }),
      // Outage detection pings the daemon the runtime talks to; an injected runtime has none.
      pingDaemon: options.runtime ? undefined : () => pingDocker(this.docker),
      dockerVersion: async () => {
        const status = await pingDocker(this.docker);
        return status.ok ? status.version : null;
      },
    });
    this.replays = new ReplayService(this.runs, this.artifacts);
    this.live = new LiveScreens((attemptId) => this.runningContainer(attemptId));
  }

  /**
   * The container of an attempt that is running now (for live screens), on the local daemon or
   * on its run's cluster node; the attempt may belong to another process (a CLI run).
   */
  private async runningContainer(attemptId: string): Promise<TaskContainer | null> {
    let attempt;
    try {
      attempt = this.runs.attempt(attemptId);
    } catch {
      return null;
    }
    if (!['starting', 'setup', 'solving', 'grading'].includes(attempt.state) || !attempt.containerId) return null;
    const runtime = this.engine.runtimeOf(this.runs.runSettings(attempt.runId).manifest);
    return (await runtime.attach?.({ containerId: attempt.containerId, node: attempt.node ?? null })) ?? null;
  }

  /**
   * After a crash: requeue interrupted attempts, reap orphaned containers, and (for the window
   * and serve mode) carry on with runs a dead process left running.
   */
  async recoverRuns(opts: { resume: boolean }): Promise<string[]> {
    const { orphanedRuns } = await this.engine.recover();
    // A run that cannot resume now (its model server is gone) is paused, for the user to resume
    // once it is back; why is logged, and Resume says it again.
    if (opts.resume) {
      for (const runId of orphanedRuns) {
        const resuming = this.engine.resume(runId).then(
          ({ done }) => done,
          (error: unknown) => {
            this.engine.pause(runId);
            throw error;
          },
        );
        inBackground(`resuming run ${runId}`, resuming);
      }
    }
    return orphanedRuns;
  }

  /**
   * On a first start (a new data dir), imports the bundled sample benchmark so the app opens on
   * tasks rather than an empty page. Returns what was imported, or null when it was not a
   * first start, the data dir already holds datasets, or the sample is not bundled.
   */
  async seedSampleBenchmark(resourcesDir: string): Promise<{ datasetId: string; taskCount: number } | null> {
    const csv = path.join(resourcesDir, 'sample-benchmark', 'tasks.csv');
    if (!this.firstStart || this.datasets.listDatasets().length > 0 || !existsSync(csv)) return null;
    const report = await importDataset(this.datasets, { path: csv, issuesDir: path.join(resourcesDir, 'sample-benchmark', 'issues'), name: 'sample' });
    return { datasetId: report.datasetId, taskCount: report.taskCount };
  }

  get dataDir(): string {
    return this.options.dataDir;
  }

  /** Pings Docker and pushes the status to every UI; the status bar listens for it. */
  async refreshDockerStatus(): Promise<DockerStatus> {
    const status = await pingDocker(this.docker);
    this.lastDockerStatus = status;
    this.events.emit('docker.status', status);
    return status;
  }

  /**
   * Re-checks Docker every `intervalMs` while someone listens, pushing only changes, so a
   * daemon started after the app shows up without a reload. Returns the stop function.
   */
  watchDocker(intervalMs = 10_000): () => void {
    const timer = setInterval(() => {
      if (this.events.listenerCount === 0) return;
      const previous = this.lastDockerStatus;
      void pingDocker(this.docker).then((status) => {
        this.lastDockerStatus = status;
        if (!previous || previous.ok !== status.ok || (!status.ok && !previous.ok && status.error !== previous.error)) {
          this.events.emit('docker.status', status);
        }
      });
    }, intervalMs);
    timer.unref();
    return () => clearInterval(timer);
  }

  /**
   * Deletes a run and its ledger, then the artifacts no other run uses. A running run is
   * stopped first and its driver awaited: deleting under it made foreign-key failures.
   */
  async deleteRun(runId: string): Promise<{ freedBytes: number }> {
    this.runs.runSettings(runId); // not_found before anything is stopped
    await this.engine.stop(runId);
    this.runs.deleteRun(runId);
    // Containers kept for inspection go with their run (a daemon that is down keeps them for the next reap).
    await this.engine.reapContainers().catch((error: unknown) => logBackgroundFailure(`removing the kept containers of ${runId}`, error));
    return { freedBytes: this.artifacts.collectGarbage().bytes };
  }

  async close(): Promise<void> {
    await this.imagePuller.stop();
    this.live.stopAll();
    stopTraceViewers();
    await this.engine.shutdown();
    await this.agents.stop();
    await this.runtime.dispose?.();
    await this.clusters.dispose();
    this.db.close();
  }
}
