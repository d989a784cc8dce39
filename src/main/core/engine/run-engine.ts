/**
 * The scheduler: runs of many attempts with a concurrency limit, a queue that lives in SQLite,
 * retries of system errors in fresh containers, pause / resume / cancel, and recovery after a
 * crash (orphaned containers reaped, interrupted attempts queued again, finished ones kept).
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import type { AttemptSummary, Phase, RunEvent, RunManifest, RunStartInput } from '../../../shared/runs';
import { AppError } from '../../../shared/result';
import type { Settings } from '../../../shared/domain';
import type { TaskDetail } from '../../../shared/tasks';
import type { EventBus } from '../events';
import { builtinSolverFor } from '../solvers/solver-registry';
import type { DatasetRepo } from '../store/dataset-repo';
import type { LogLine, RunRepo } from '../store/run-repo';
import { runAttempt, type AttemptResult } from './attempt-runner';
import type { ContainerRuntime, TaskContainer } from './container-runtime';
import { imageFor, profileForImage } from './profiles';

export interface EngineDeps {
  runs: RunRepo;
  datasets: DatasetRepo;
  settings: () => Settings;
  events: EventBus;
  runtime: ContainerRuntime;
  appVersion: string;
  dockerVersion?: () => Promise<string | null>;
  pid?: number;
  /** Keeps an artifact of an attempt (the model patch at the end). */
  storeArtifact?: (attemptId: string, kind: 'patch', name: string, data: Buffer) => void;
  /** Collects artifacts (video, trace) after each grading run; see live/artifacts. */
  afterTestRun?: (attemptId: string, questionId: string, container: TaskContainer, runIndex: number, signal: AbortSignal) => Promise<void>;
}

interface ActiveRun {
  controller: AbortController;
  attempts: Map<string, AbortController>;
  wake: () => void;
  done: Promise<void>;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function newRunId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `run-${stamp}-${randomBytes(3).toString('hex')}`;
}

export class RunEngine {
  private readonly active = new Map<string, ActiveRun>();
  private readonly seq = new Map<string, number>();
  private pendingLogs: LogLine[] = [];
  /** Set while the process shuts down: interrupted attempts stay live for recovery to requeue. */
  private shuttingDown = false;
  private readonly logTimer: NodeJS.Timeout;
  readonly pid: number;

  constructor(private readonly deps: EngineDeps) {
    this.pid = deps.pid ?? process.pid;
    // Logs are written in batches: one transaction per quarter second, not one per line.
    this.logTimer = setInterval(() => this.flushLogs(), 250);
    this.logTimer.unref();
  }

  private emit(event: RunEvent extends infer E ? (E extends RunEvent ? Omit<E, 'seq'> : never) : never): void {
    const next = (this.seq.get(event.runId) ?? 0) + 1;
    this.seq.set(event.runId, next);
    this.deps.events.emit('run.event', { ...event, seq: next } as RunEvent);
  }

  /** The last event number of a run, so a reloaded UI applies only newer events. */
  lastSeq(runId: string): number {
    return this.seq.get(runId) ?? 0;
  }

  private emitRun(runId: string): void {
    const { status } = this.deps.runs.runSettings(runId);
    this.emit({ type: 'run', runId, status, tally: this.deps.runs.tally(runId) });
  }

  private emitAttempt(attemptId: string): void {
    const attempt = this.deps.runs.attempt(attemptId);
    this.emit({ type: 'attempt', runId: attempt.runId, attempt });
  }

  private flushLogs(): void {
    if (this.pendingLogs.length === 0) return;
    const lines = this.pendingLogs;
    this.pendingLogs = [];
    this.deps.runs.appendLogs(lines);
    const byAttempt = new Map<string, { phase: Phase; lines: string[] }>();
    for (const l of lines) {
      const entry = byAttempt.get(l.attemptId) ?? { phase: l.phase, lines: [] };
      entry.lines.push(l.text);
      entry.phase = l.phase;
      byAttempt.set(l.attemptId, entry);
    }
    for (const [attemptId, { phase, lines: text }] of byAttempt) {
      this.emit({ type: 'log', runId: attemptId.split('.')[0] ?? '', attemptId, phase, lines: text });
    }
  }

  /** Resolves the tasks, images and solver, records the manifest; the run starts queued. */
  async createRun(input: RunStartInput): Promise<string> {
    const settings = this.deps.settings();
    const dataset = this.deps.datasets.listDatasets().find((d) => d.id === input.datasetId);
    if (!dataset) throw new AppError('not_found', `no dataset "${input.datasetId}"`);
    const tasks = this.selectTasks(input);
    if (tasks.length === 0) throw new AppError('invalid_input', 'the selection has no tasks');

    const images: RunManifest['images'] = {};
    const profile: RunManifest['profile'] = {};
    const missing: string[] = [];
    for (const task of tasks) {
      const sample = task.cwd === '/app/sample';
      const prefix = input.imagePrefix ?? (sample ? 'lancer-sample' : 'swelancer/swelancer_x86');
      const tag = input.imageTag ?? (sample ? 'latest' : 'releasev1');
      const name = imageFor(prefix, tag, task.questionId, task.variant === 'swe_manager' || input.monolith === true);
      const id = await this.deps.runtime.imageId(name);
      if (!id) missing.push(name);
      images[task.questionId] = { name, id };
      profile[task.questionId] = profileForImage(name).name;
    }
    if (missing.length > 0) {
      const unique = [...new Set(missing)];
      throw new AppError(
        'unavailable',
        `missing image${unique.length > 1 ? 's' : ''}: ${unique.slice(0, 5).join(', ')}${unique.length > 5 ? ', …' : ''} ` +
          '(build the sample images with `lancer images build sample`, or pull the official ones)',
      );
    }

    const { spec: solver } = builtinSolverFor(input.solver);
    const id = newRunId();
    const concurrency = input.concurrency ?? settings.concurrency;
    const manifest: RunManifest = {
      appVersion: this.deps.appVersion,
      createdAt: new Date().toISOString(),
      dataset: { id: dataset.id, versionId: dataset.versionId, version: dataset.version, contentHash: dataset.contentHash },
      taskIds: tasks.map((t) => t.questionId),
      images,
      profile,
      solver,
      timeoutsSec: { setup: settings.setupTimeoutSec, solve: settings.solveTimeoutSec, grade: settings.gradeTimeoutSec },
      testRuns: settings.testRuns,
      maxRetries: settings.maxRetries,
      concurrency,
      limits: { cpus: settings.cpuLimit, memoryMb: settings.memoryLimitMb, shmMb: settings.shmMb },
      host: { platform: os.platform(), arch: os.arch(), node: process.version, docker: (await this.deps.dockerVersion?.()) ?? null },
    };
    this.deps.runs.createRun({
      id,
      datasetId: dataset.id,
      versionId: dataset.versionId,
      solver,
      manifest,
      concurrency,
      maxRetries: settings.maxRetries,
      tasks: tasks.map((t) => ({ questionId: t.questionId, image: images[t.questionId]?.name ?? '', price: t.price })),
    });
    return id;
  }

  private selectTasks(input: RunStartInput): TaskDetail[] {
    const prefix = `${input.datasetId}/`;
    let ids: string[];
    if (input.taskSet !== undefined) {
      const set = this.deps.datasets.listTaskSets().find((s) => s.name === input.taskSet);
      if (!set) throw new AppError('not_found', `no task set "${input.taskSet}"`);
      ids = set.taskIds.filter((id) => id.startsWith(prefix));
      if (ids.length === 0) throw new AppError('invalid_input', `task set "${input.taskSet}" has no task of dataset ${input.datasetId}`);
    } else if (input.taskIds !== undefined) {
      ids = input.taskIds.map((id) => (id.startsWith(prefix) ? id : prefix + id));
    } else {
      ids = this.deps.datasets.listTasks({ datasetId: input.datasetId }).map((t) => t.id);
    }
    return [...new Set(ids)].map((id) => this.deps.datasets.getTask(id));
  }

  /**
   * Drives a run until it finishes, is paused (running attempts finish first) or is cancelled.
   * Resolves then; a second call while it is driven returns the same promise.
   */
  start(runId: string): Promise<void> {
    const existing = this.active.get(runId);
    if (existing) {
      existing.wake();
      return existing.done;
    }
    const { status } = this.deps.runs.runSettings(runId);
    if (status === 'finished' || status === 'cancelled') return Promise.resolve();
    this.deps.runs.setRunStatus(runId, 'running', this.pid);
    let wake = (): void => undefined;
    const active: ActiveRun = { controller: new AbortController(), attempts: new Map(), wake: () => wake(), done: Promise.resolve() };
    this.active.set(runId, active);
    active.done = this.drive(runId, active, (w) => (wake = w)).finally(() => {
      this.flushLogs();
      this.active.delete(runId);
    });
    this.emitRun(runId);
    return active.done;
  }

  private async drive(runId: string, active: ActiveRun, setWake: (wake: () => void) => void): Promise<void> {
    const running = new Set<Promise<void>>();
    for (;;) {
      const settings = this.deps.runs.runSettings(runId);
      // Cancelled, or this process is shutting down: start nothing new; what runs was aborted.
      if (settings.status === 'cancelled' || active.controller.signal.aborted) break;
      if (settings.status === 'running') {
        for (const attempt of this.deps.runs.claim(runId, settings.concurrency - running.size, this.pid)) {
          this.emitAttempt(attempt.id);
          const p: Promise<void> = this.execute(attempt, active).finally(() => {
            running.delete(p);
            active.wake();
          });
          running.add(p);
        }
      }
      if (running.size === 0) {
        if (settings.status === 'running' && this.deps.runs.pendingCount(runId) === 0) {
          this.deps.runs.setRunStatus(runId, 'finished');
          this.emitRun(runId);
        }
        if (settings.status !== 'running' || this.deps.runs.pendingCount(runId) === 0) break;
      }
      await new Promise<void>((resolve) => setWake(resolve));
    }
    await Promise.allSettled([...running]);
  }

  private async execute(attempt: AttemptSummary, active: ActiveRun): Promise<void> {
    const controller = new AbortController();
    active.attempts.set(attempt.id, controller);
    const onRunAbort = (): void => controller.abort();
    active.controller.signal.addEventListener('abort', onRunAbort, { once: true });
    const run = this.deps.runs.runSettings(attempt.runId);
    const settings = this.deps.settings();
    let result: AttemptResult;
    const partial = { text: '', phase: 'starting' as Phase };
    const push = (phase: Phase, line: string): void => {
      if (line.trim() !== '') this.pendingLogs.push({ attemptId: attempt.id, phase, at: new Date().toISOString(), text: line.slice(0, 4000) });
    };
    try {
      const task = this.deps.datasets.getTask(`${run.manifest.dataset.id}/${attempt.questionId}`);
      const { solver } = builtinSolverFor(run.solver);
      result = await runAttempt({
        attemptId: attempt.id,
        runId: attempt.runId,
        task,
        image: attempt.image,
        profile: profileForImage(attempt.image),
        solver,
        limits: {
          setupTimeoutSec: run.manifest.timeoutsSec.setup,
          solveTimeoutSec: run.manifest.timeoutsSec.solve,
          gradeTimeoutSec: run.manifest.timeoutsSec.grade,
          testRuns: run.manifest.testRuns,
          cpus: run.manifest.limits.cpus,
          memoryMb: run.manifest.limits.memoryMb,
          shmMb: run.manifest.limits.shmMb,
          keepFailedContainers: settings.keepFailedContainers,
        },
        runtime: this.deps.runtime,
        signal: controller.signal,
        onPhase: (phase) => {
          this.deps.runs.setPhase(attempt.id, phase, phase === 'starting' ? 'starting' : phase === 'cleanup' ? 'grading' : phase);
          this.emitAttempt(attempt.id);
        },
        onContainer: (ids) => this.deps.runs.setContainer(attempt.id, ids),
        log: (phase, text) => {
          // Output arrives in chunks that can end mid-line: keep the unfinished tail until its
          // newline (or the next phase) so a line is never stored in two halves.
          const lines = (partial.text + text).split(/\r?\n/);
          const tail = lines.pop() ?? '';
          partial.text = tail;
          partial.phase = phase;
          for (const line of lines) push(phase, line);
          if (partial.text.length > 4000) {
            push(phase, partial.text);
            partial.text = '';
          }
        },
        afterTestRun: this.deps.afterTestRun
          ? (container, i, signal) => this.deps.afterTestRun!(attempt.id, attempt.questionId, container, i, signal)
          : undefined,
      });
    } catch (error) {
      // Something outside the attempt's own steps (a missing task row, a bug): an error, kept.
      result = { outcome: 'error', earned: 0, patch: null, decision: null, grader: null, error: (error as Error).message, retryable: true };
    } finally {
      push(partial.phase, partial.text);
      active.attempts.delete(attempt.id);
      active.controller.signal.removeEventListener('abort', onRunAbort);
    }
    this.flushLogs();
    if (this.shuttingDown && result.outcome === 'cancelled') return;
    if (result.patch) this.deps.storeArtifact?.(attempt.id, 'patch', 'model.patch', Buffer.from(result.patch));
    this.deps.runs.finish(attempt.id, result.outcome, result);
    this.emitAttempt(attempt.id);
    if (result.retryable && attempt.tryIndex < run.maxRetries && this.deps.runs.runSettings(attempt.runId).status !== 'cancelled') {
      const next = this.deps.runs.retry(attempt);
      this.emitAttempt(next);
    }
    this.emitRun(attempt.runId);
  }

  pause(runId: string): void {
    const { status } = this.deps.runs.runSettings(runId);
    if (status !== 'running' && status !== 'queued') throw new AppError('conflict', `run ${runId} is ${status}; only a running run can pause`);
    this.deps.runs.setRunStatus(runId, 'paused');
    this.active.get(runId)?.wake();
    this.emitRun(runId);
  }

  /** Resumes a paused run, or one a crashed process left behind. */
  resume(runId: string): Promise<void> {
    const { status } = this.deps.runs.runSettings(runId);
    if (status === 'finished' || status === 'cancelled') throw new AppError('conflict', `run ${runId} is ${status}`);
    this.deps.runs.setRunStatus(runId, 'running', this.pid);
    return this.start(runId);
  }

  cancel(runId: string): void {
    const { status } = this.deps.runs.runSettings(runId);
    if (status === 'finished' || status === 'cancelled') return;
    this.deps.runs.setRunStatus(runId, 'cancelled');
    this.deps.runs.cancelQueued(runId);
    const active = this.active.get(runId);
    active?.controller.abort();
    active?.wake();
    this.emitRun(runId);
  }

  /**
   * Start-up recovery: attempts whose process is gone are queued again, then every labelled
   * container and network that no live attempt owns is removed. Returns runs left running by
   * a dead process, for the caller to resume.
   */
  async recover(): Promise<{ requeued: number; reaped: { containers: number; networks: number }; orphanedRuns: string[] }> {
    const requeued = this.deps.runs.requeueOrphans(isAlive);
    const live = this.deps.runs.liveAttemptIds(isAlive);
    const reaped = await this.deps.runtime.reap((attemptId) => live.has(attemptId));
    return { requeued: requeued.length, reaped, orphanedRuns: this.deps.runs.orphanedRuns(isAlive) };
  }

  /**
   * Stops everything running in this process without recording outcomes: the next start-up's
   * recovery queues the interrupted attempts again, as after a crash.
   */
  async shutdown(): Promise<void> {
    this.shuttingDown = true;
    clearInterval(this.logTimer);
    for (const active of this.active.values()) active.controller.abort();
    await Promise.allSettled([...this.active.values()].map((a) => a.done));
    this.flushLogs();
  }
}
