/**
 * The core services wired together for one data dir. The Electron composition root, serve mode
 * and the CLI all open a Workbench; none of them holds logic the others lack.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { DockerStatus, Transport } from '../../shared/domain';
import { createDockerClient, pingDocker, type Dockerode } from './docker/docker-client';
import { EventBus } from './events';
import { databasePath } from './paths';
import { openDatabase, type Db } from './store/database';
import { DockerRuntime } from './engine/docker-runtime';
import type { ContainerRuntime } from './engine/container-runtime';
import { RunEngine } from './engine/run-engine';
import { DatasetRepo } from './store/dataset-repo';
import { RunRepo } from './store/run-repo';
import { ArtifactStore } from './live/artifact-store';
import { collectTestRunArtifacts } from './live/collect-artifacts';
import { LiveScreens } from './live/live-screens';
import { ReplayService } from './live/replay-service';
import { stopTraceViewers } from './live/trace-viewer';
import { SettingsStore } from './store/settings-store';

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
  readonly replays: ReplayService;
  readonly live: LiveScreens;
  readonly events = new EventBus();
  readonly docker: Dockerode;
  private lastDockerStatus: DockerStatus | undefined;

  constructor(readonly options: WorkbenchOptions) {
    this.db = openDatabase(databasePath(options.dataDir), { nativeBinding: options.nativeBinding });
    this.settings = new SettingsStore(this.db);
    this.datasets = new DatasetRepo(this.db);
    this.docker = options.docker ?? createDockerClient();
    this.runs = new RunRepo(this.db);
    this.artifacts = new ArtifactStore(options.dataDir, this.db);
    const keep = (attemptId: string, kind: 'video' | 'trace' | 'log' | 'patch', name: string, data: Buffer): void => {
      const { sha256, bytes } = this.artifacts.put(data);
      this.runs.addArtifact(attemptId, { kind, name, sha256, bytes });
    };
    this.engine = new RunEngine({
      storeArtifact: keep,
      afterTestRun: (attemptId, questionId, container, runIndex, signal) =>
        collectTestRunArtifacts({ container, questionId, runIndex, signal, keep: (kind, name, data) => keep(attemptId, kind, name, data) }),
      runs: this.runs,
      datasets: this.datasets,
      settings: () => this.settings.get(),
      events: this.events,
      runtime: options.runtime ?? new DockerRuntime(this.docker, storeIdFor(options.dataDir)),
      appVersion: options.version,
      dockerVersion: async () => {
        const status = await pingDocker(this.docker);
        return status.ok ? status.version : null;
      },
    });
    this.replays = new ReplayService(this.runs, this.artifacts);
    this.live = new LiveScreens(this.docker, (attemptId) => this.runningContainer(attemptId));
  }

  /** The container of an attempt that is running now (for live screens). */
  private runningContainer(attemptId: string): string | null {
    try {
      const a = this.runs.attempt(attemptId);
      return ['starting', 'setup', 'solving', 'grading'].includes(a.state) ? a.containerId : null;
    } catch {
      return null;
    }
  }

  /**
   * After a crash: requeue interrupted attempts, reap orphaned containers, and (for the window
   * and serve mode) carry on with runs a dead process left running.
   */
  async recoverRuns(opts: { resume: boolean }): Promise<string[]> {
    const { orphanedRuns } = await this.engine.recover();
    if (opts.resume) for (const runId of orphanedRuns) void this.engine.resume(runId);
    return orphanedRuns;
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

  /** Deletes a run and its ledger, then the artifacts no other run uses. */
  deleteRun(runId: string): { freedBytes: number } {
    this.engine.cancel(runId);
    this.runs.deleteRun(runId);
    return { freedBytes: this.artifacts.collectGarbage().bytes };
  }

  async close(): Promise<void> {
    this.live.stopAll();
    stopTraceViewers();
    await this.engine.shutdown();
    this.db.close();
  }
}
