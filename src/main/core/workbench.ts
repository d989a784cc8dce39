/**
 * The core services wired together for one data dir. The Electron composition root, serve mode
 * and the CLI all open a Workbench; none of them holds logic the others lack.
 */
import type { DockerStatus, Transport } from '../../shared/domain';
import { createDockerClient, pingDocker, type Dockerode } from './docker/docker-client';
import { EventBus } from './events';
import { databasePath } from './paths';
import { openDatabase, type Db } from './store/database';
import { DatasetRepo } from './store/dataset-repo';
import { SettingsStore } from './store/settings-store';

export interface WorkbenchOptions {
  dataDir: string;
  version: string;
  transport: Transport;
  /** A Docker client; tests inject one pointing elsewhere. Defaults to the local daemon. */
  docker?: Dockerode;
  /** better-sqlite3 binary for the running ABI (Electron), when it differs from Node's. */
  nativeBinding?: string;
}

export class Workbench {
  readonly db: Db;
  readonly settings: SettingsStore;
  readonly datasets: DatasetRepo;
  readonly events = new EventBus();
  readonly docker: Dockerode;
  private lastDockerStatus: DockerStatus | undefined;

  constructor(readonly options: WorkbenchOptions) {
    this.db = openDatabase(databasePath(options.dataDir), { nativeBinding: options.nativeBinding });
    this.settings = new SettingsStore(this.db);
    this.datasets = new DatasetRepo(this.db);
    this.docker = options.docker ?? createDockerClient();
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

  close(): void {
    this.db.close();
  }
}
