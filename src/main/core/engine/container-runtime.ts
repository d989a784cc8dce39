import type { Readable } from 'node:stream';
import type { KeptContainer } from '../../../shared/runs';

export type { KeptContainer };

/**
 * What the engine needs from a container platform, as a small interface: the Docker
 * implementation runs real containers; tests of command sequences use a fake that records.
 */

export interface ExecOptions {
  /** Kills the wait (not the process in the container, as in the official harness). */
  timeoutMs: number;
  signal?: AbortSignal;
  env?: string[];
  workdir?: string;
  /** Streams output as it arrives (combined stdout and stderr). */
  onOutput?: (text: string) => void;
  /**
   * Attaches the command's stdin (otherwise /dev/null) and hands over its writer once the
   * command started: a batch waiting for work on the host (exec-steps.ts) is told to go on.
   */
  stdin?: (input: ExecInput) => void;
}

/** Writes to a running command's stdin. */
export interface ExecInput {
  write(text: string): void;
  end(): void;
}

export interface ExecResult {
  exitCode: number;
  /** Combined stdout and stderr, as the official harness reads it; the tail when very long. */
  output: string;
}

export class ExecTimeoutError extends Error {
  constructor(
    readonly command: string,
    readonly timeoutMs: number,
  ) {
    super(`command timed out after ${Math.round(timeoutMs / 1000)} s: ${command.slice(0, 200)}`);
    this.name = 'ExecTimeoutError';
  }
}

export class CancelledError extends Error {
  constructor(message = 'cancelled') {
    super(message);
    this.name = 'CancelledError';
  }
}

export interface ContainerSpec {
  /** Names the container and network; Docker's name alphabet. */
  name: string;
  image: string;
  env: string[];
  labels: Record<string, string>;
  cpus: number;
  memoryMb: number;
  shmMb: number;
  /** Labels the container so that, should the attempt fail, it is kept (and the reaper spares it). */
  keepOnFailure?: boolean;
  /** Host folders mounted read-only (a CLI agent's binaries: never installed inside). */
  readOnlyMounts?: { hostPath: string; containerPath: string }[];
  /**
   * False: never join a network made ahead (`prepare`), leaving it to the attempt it was made for
   * (a clean grading's container, which would otherwise take the next attempt's).
   */
  useSpare?: boolean;
}

/** A command whose output is read as it comes, binary-safe (the live screen's JPEG stream). */
export interface StreamingExec {
  stdout: Readable;
  stderr: Readable;
  /** Closes the connection; the process in the container may live on (end it by a command). */
  close(): void;
}

/** Where an attempt's container is: enough for another part of the app to reach it again. */
export interface ContainerRef {
  containerId: string;
  /** The cluster node's hostname; null for the local daemon. */
  node: string | null;
}

export interface TaskContainer {
  readonly id: string;
  readonly networkId: string | null;
  /** The cluster node (hostname) the container runs on; null or absent on the local daemon. */
  readonly node?: string | null;
  /**
   * True when `exec` runs a real POSIX shell and honours `ExecOptions.stdin`, so several commands
   * can go as one generated script (see exec-steps.ts; a batch waiting for the host reads its
   * go-ahead there, and would wait forever without it); recording fakes leave it out and see
   * each command on its own.
   */
  readonly runsScripts?: boolean;
  /** Runs `sh -c <command>` as root in the image's working dir (or `workdir`). */
  exec(command: string, opts: ExecOptions): Promise<ExecResult>;
  /** Starts `sh -c <command>` with stdout and stderr apart, as streams of bytes. */
  execStream?(command: string): Promise<StreamingExec>;
  putFile(containerPath: string, content: Buffer | string, opts?: { mode?: number; signal?: AbortSignal }): Promise<void>;
  /** The file's bytes, or null when it does not exist; refuses files over `maxBytes`. */
  getFile(containerPath: string, maxBytes: number, signal?: AbortSignal): Promise<Buffer | null>;
  /** Whether PID 1 still runs; when not, its exit code and the tail of its log. */
  state(): Promise<{ running: boolean; exitCode?: number; logTail?: string }>;
  /** Takes the container off every network: the solving phase has no internet. */
  cutNetwork(): Promise<void>;
  /** Connects the container to a network by name (the agents' egress network while solving). */
  joinNetwork(name: string): Promise<void>;
  remove(): Promise<void>;
  /**
   * Keeps a failed attempt's container for inspection: stopped (no CPU or memory held), off
   * every network, its own network removed; its files stay until the user or the reaper
   * removes it. Only containers started with `keepOnFailure` carry the label that spares them.
   */
  keep(): Promise<void>;
}



/** What the attempt offers a runtime while it starts a container. */
export interface StartHooks {
  /**
   * Wraps a wait for room (a cluster's queue, when no node can take the attempt's CPUs and
   * memory): nothing of the attempt runs meanwhile, so the wait does not count toward its
   * set-up timeout. `why` goes to the attempt's log.
   */
  whileQueued?<T>(wait: Promise<T>, why: string): Promise<T>;
}

export interface ContainerRuntime {
  /** Creates the attempt's container on a network of its own (or one it cannot reach others on), and starts it. */
  start(spec: ContainerSpec, signal?: AbortSignal, hooks?: StartHooks): Promise<TaskContainer>;
  /** The id of an image, or null if it is not present. */
  imageId(image: string): Promise<string | null>;
  /**
   * A running container this runtime started (maybe in another process), found again by its
   * ref, for the live screen; null when it is gone.
   */
  attach?(ref: ContainerRef): Promise<TaskContainer | null>;
  /**
   * The network agents solve on: internal (no route out), its gateway address on this host,
   * where the metering proxy listens. Created once; undefined where the runtime has none.
   */
  egressNetwork?(): Promise<{ name: string; gateway: string }>;
  /**
   * Removes what the runtime made for itself rather than for an attempt (the egress network),
   * when the workbench closes: every store would otherwise leave a network behind, and Docker's
   * address pools run out after a few dozen.
   */
  dispose?(): Promise<void>;
  /**
   * Makes ready, in the background, what the container of an attempt of `image` to come will
   * need, so its `start` is shorter (the Docker runtime: its network namespace, see
   * spare-holders.ts). Not for attempts that may be kept (`keepOnFailure`).
   */
  prepare?(image: string): void;
  /** Removes what `prepare` made and no start used: the caller has no run going any more. */
  releaseSpares?(): Promise<void>;
  /**
   * Removes this store's labelled containers and networks whose attempt is not live, except
   * kept containers whose attempt `isKept` still claims (a failed attempt of a run that exists).
   */
  reap(isLive: (attemptId: string) => boolean, isKept?: (attemptId: string) => boolean): Promise<{ containers: number; networks: number }>;
  /** This store's kept containers (see TaskContainer.keep). */
  listKept(): Promise<KeptContainer[]>;
  /** Removes one kept container of this store; false when there is none by that id. */
  removeKept(containerId: string): Promise<boolean>;
}

/** Labels on everything the engine creates, so a start-up reaper can find what a crash left. */
export const LABEL_APP = 'app';
export const LABEL_APP_VALUE = 'lancer-workbench';
export const LABEL_RUN = 'lancer.run';
export const LABEL_ATTEMPT = 'lancer.attempt';
/**
 * Which store (data dir) made it: two workbenches on one daemon (the app and a CLI run with
 * another --data-dir) must never reap each other's containers.
 */
export const LABEL_STORE = 'lancer.store';
/** On containers of attempts started while keepFailedContainers is on. */
export const LABEL_KEEP = 'lancer.keep-on-failure';
/**
 * On a network holder (spare-holders.ts): the pid of the process that made it. A holder lives
 * as long as that process wants it; the reaper removes those whose process is gone.
 */
export const LABEL_HOLDER = 'lancer.holder-of-pid';

/** Single-quotes a value for `sh -c` (ids come from CSV files). */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}
