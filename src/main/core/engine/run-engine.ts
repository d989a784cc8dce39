/**
 * The scheduler: runs of many attempts with a concurrency limit, a queue that lives in SQLite,
 * retries of system errors in fresh containers, pause / resume / cancel, and recovery after a
 * crash (orphaned containers reaped, interrupted attempts queued again, finished ones kept).
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { runStartSchema, type AttemptSummary, type Phase, type RunEvent, type RunManifest, type RunStartInput, type SolverSpec } from '../../../shared/runs';
import { AppError, parseInput } from '../../../shared/result';
import type { Settings } from '../../../shared/domain';
import type { TaskDetail } from '../../../shared/tasks';
import type { EventBus } from '../events';
import { builtinSolverFor } from '../solvers/solver-registry';
import type { DatasetRepo } from '../store/dataset-repo';
import type { LogLine, RunRepo } from '../store/run-repo';
import { verdictOf } from '../grading/graders';
import { ArtifactStorageError, gradingEnvironmentFault, withArtifactFault } from './attempt-faults';
import { runAttempt, SystemError, type AttemptResult } from './attempt-runner';
import { DaemonWatch, describeDaemonError, observeDaemonErrors, type DaemonPing } from './daemon-watch';
import type { ContainerRuntime, TaskContainer } from './container-runtime';
import { imageForTask, profileForImage } from './profiles';
import type { RunImageHooks } from '../images/disk-budget';
import { logBackgroundFailure } from '../background';
import { isProcessAlive } from '../processes';
import type { AgentService } from '../agents/agent-service';
import { toAtif, toStepRecord } from '../agents/transcript';
import type { Solver } from '../solvers/solver';
import type { BuiltinSolverSpec } from '../../../shared/agents';
import { runUserTool } from './user-tool';

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
  /**
   * Pings the daemon behind `runtime`. With it, a daemon outage makes runs wait (no try is
   * spent) and carry on when it answers again; without it, outages fail attempts like any
   * system error. See daemon-watch.ts.
   */
  pingDaemon?: () => Promise<DaemonPing>;
  /** The backoff of those pings while the daemon is down (first wait and cap, in ms). */
  daemonBackoffMs?: { initial: number; max: number };
  /**
   * Image bookkeeping around runs (images/disk-budget.ts): the disk budget check before a run is
   * recorded (may remove unused official images, or refuse the run), and the record of each
   * image's last use for least-recently-used removal.
   */
  imageHooks?: RunImageHooks;
  /** The built-in model agent and its metering proxy (runs whose solver is `builtin`). */
  agents?: AgentService;
  /**
   * The clusters runs may name (`runs.start` with `cluster`): their runtimes, what a manifest
   * records of them, and their names (the reaper visits each). Absent: every run is local.
   */
  clusters?: {
    runtime(name: string): ContainerRuntime;
    describe(name: string): Promise<NonNullable<RunManifest['cluster']>>;
    names(): string[];
  };
  /** Keeps one artifact of an attempt (agent transcripts' long outputs, user-tool videos and traces). */
  keepArtifact?: (attemptId: string, kind: 'video' | 'trace' | 'log', name: string, data: Buffer) => { sha256: string; bytes: number };
}

/**
 * How often one attempt may be redone for outages before an interruption counts as a try after
 * all: a guard against a loop when "the daemon went away" is somehow the task's own doing.
 */
const MAX_OUTAGE_REDOS = 5;

interface ActiveRun {
  controller: AbortController;
  attempts: Map<string, AbortController>;
  wake: () => void;
  done: Promise<void>;
  /** True while the run waits for the Docker daemon to answer again. */
  waitingForDaemon?: boolean;
  /** Set while an agent run waits for its model server to answer again; closed with the drive. */
  modelServer?: DaemonWatch;
  /**
   * Containers of graded attempts still being removed: their slot is already free for the next
   * attempt, but the run is not finished (nor the drive over) until they are gone.
   */
  removing: Set<Promise<void>>;
}

/** How often a run waiting for its model server asks again: doubling from 1 s to 30 s. */
const MODEL_SERVER_BACKOFF_MS = { initial: 1000, max: 30_000 };

export function newRunId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `run-${stamp}-${randomBytes(3).toString('hex')}`;
}

export class RunEngine {
  private readonly active = new Map<string, ActiveRun>();
  private readonly seq = new Map<string, number>();
  private pendingLogs: LogLine[] = [];
  /** Where attempts' containers run (kept containers are listed and removed through it). */
  get runtime(): ContainerRuntime {
    return this.deps.runtime;
  }
  /** Set while the process shuts down: interrupted attempts stay live for recovery to requeue. */
  private shuttingDown = false;
  private readonly logTimer: NodeJS.Timeout;
  readonly pid: number;
  /** The daemon's state as far as outages go; null when no ping was given. */
  private readonly daemon: DaemonWatch | null;
  /** The one wait for the daemon (then the reap of what the outage left) that waiting runs share. */
  private daemonRecovery: Promise<void> | null = null;
  /** Aborted at shutdown: ends the wait for the daemon. */
  private readonly closing = new AbortController();
  /** Outage redos per attempt id (see MAX_OUTAGE_REDOS). */
  private readonly outageRedos = new Map<string, number>();

  constructor(private readonly deps: EngineDeps) {
    this.pid = deps.pid ?? process.pid;
    this.daemon = deps.pingDaemon
      ? new DaemonWatch({ ping: deps.pingDaemon, initialDelayMs: deps.daemonBackoffMs?.initial, maxDelayMs: deps.daemonBackoffMs?.max })
      : null;
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
    const { status, waiting } = this.deps.runs.runSettings(runId);
    this.emit({ type: 'run', runId, status, tally: this.deps.runs.tally(runId), waiting });
  }

  private emitAttempt(attemptId: string): void {
    const attempt = this.deps.runs.attempt(attemptId);
    this.emit({ type: 'attempt', runId: attempt.runId, attempt });
  }

  private flushLogs(): void {
    if (this.pendingLogs.length === 0) return;
    const lines = this.pendingLogs;
    this.pendingLogs = [];
    try {
      this.deps.runs.appendLogs(lines);
    } catch (error) {
      // Runs on a timer: a throw here would be an uncaught exception. Say what was lost.
      logBackgroundFailure(`writing ${lines.length} log lines`, error);
      return;
    }
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

  /** Where a run's attempts run: its cluster's runtime, or the local one. */
  runtimeOf(manifest: RunManifest): ContainerRuntime {
    if (!manifest.cluster) return this.deps.runtime;
    if (!this.deps.clusters) throw new AppError('unavailable', `run is on cluster ${manifest.cluster.name}, but this workbench has no clusters`);
    return this.deps.clusters.runtime(manifest.cluster.name);
  }

  /** Resolves the tasks, images and solver, records the manifest; the run starts queued. */
  async createRun(raw: RunStartInput): Promise<string> {
    // The contract's checks (concurrency cap, image name alphabet…) for every front door,
    // the CLI included, which calls the engine directly.
    const input = parseInput(runStartSchema, raw, 'runs.start');
    const settings = this.deps.settings();
    const dataset = this.deps.datasets.listDatasets().find((d) => d.id === input.datasetId);
    if (!dataset) throw new AppError('not_found', `no dataset "${input.datasetId}"`);
    const selected = this.selectTasks(input);
    if (selected.length === 0) throw new AppError('invalid_input', 'the selection has no tasks');
    // Tasks gold failed in some repeat are left out on request, and the manifest says which and why.
    const suspect = input.excludeSuspect ? this.deps.runs.suspectTasks(dataset.id) : new Map<string, string[]>();
    const excludedSuspect = selected.filter((t) => suspect.has(t.questionId)).map((t) => ({ questionId: t.questionId, goldRuns: suspect.get(t.questionId)! }));
    const tasks = selected.filter((t) => !suspect.has(t.questionId));
    if (tasks.length === 0) throw new AppError('invalid_input', `every selected task is suspect (gold failed it): ${excludedSuspect.length} left out, none left to run`);
    const attemptsPerTask = input.attempts ?? 1;
    let cluster: RunManifest['cluster'];
    if (input.cluster !== undefined) {
      if (!this.deps.clusters) throw new AppError('unavailable', 'this workbench has no clusters');
      if (input.solver.kind === 'builtin' && input.solver.agent !== undefined && input.solver.agent !== 'builtin') {
        // They need this machine's binary cache mounted and the metering proxy's egress network.
        throw new AppError('invalid_input', `agents that run inside the container (${input.solver.agent}) run on the local daemon only for now; run without --cluster, or use the built-in agent`);
      }
      cluster = await this.deps.clusters.describe(input.cluster);
    }
    const runtime = input.cluster !== undefined ? this.deps.clusters!.runtime(input.cluster) : this.deps.runtime;
    // The solver before the images: a model server that does not answer refuses the run before
    // the disk budget makes room for its images.
    const solver: SolverSpec = input.solver.kind === 'builtin' ? this.agentService().specFor(input.solver) : builtinSolverFor(input.solver).spec;
    if (solver.kind === 'builtin') await this.agentService().checkReady(solver);

    const images: RunManifest['images'] = {};
    const profile: RunManifest['profile'] = {};
    const missing: string[] = [];
    // One look per image: many tasks share one (the monolith), and on a cluster a look asks every node.
    const ids = new Map<string, Promise<string | null>>();
    for (const task of tasks) {
      const name = imageForTask(task, input);
      if (!ids.has(name)) ids.set(name, runtime.imageId(name));
      const id = await ids.get(name)!;
      if (!id) missing.push(name);
      images[task.questionId] = { name, id };
      profile[task.questionId] = profileForImage(name).name;
    }
    if (missing.length > 0) {
      const unique = [...new Set(missing)];
      const list = `${unique.slice(0, 5).join(', ')}${unique.length > 5 ? ', …' : ''}`;
      throw new AppError(
        'unavailable',
        input.cluster !== undefined
          ? `missing image${unique.length > 1 ? 's' : ''} on every usable node of cluster ${input.cluster}: ${list} (copy them there with \`lancer images distribute --cluster ${input.cluster} --dataset ${dataset.id}\`)`
          : `missing image${unique.length > 1 ? 's' : ''}: ${list} ` +
              '(build the sample images with `lancer images build sample`, or pull the official ones with `lancer images pull`)',
      );
    }
    // The disk budget is this machine's: a cluster's nodes keep their own images.
    if (!cluster) await this.deps.imageHooks?.beforeRun([...new Set(Object.values(images).map((i) => i.name))]);

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
      attemptsPerTask,
      ...(excludedSuspect.length > 0 ? { excludedSuspect } : {}),
      maxRetries: settings.maxRetries,
      // A solver that runs its own commands in the container could tamper with grading there.
      grading: input.grading ?? (solver.kind === 'builtin' ? settings.gradingMode : 'official'),
      concurrency,
      limits: { cpus: settings.cpuLimit, memoryMb: settings.memoryLimitMb, shmMb: settings.shmMb },
      host: { platform: os.platform(), arch: os.arch(), node: process.version, docker: (await this.deps.dockerVersion?.()) ?? null },
      ...(cluster ? { cluster } : {}),
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
      attemptsPerTask,
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
    // A reason left by a process that stopped while waiting is stale; drive() sets a fresh one.
    this.deps.runs.setWaiting(runId, null);
    let wake = (): void => undefined;
    const active: ActiveRun = { controller: new AbortController(), attempts: new Map(), wake: () => wake(), done: Promise.resolve(), removing: new Set() };
    this.active.set(runId, active);
    active.done = this.drive(runId, active, (w) => (wake = w)).finally(async () => {
      this.flushLogs();
      this.active.delete(runId);
      active.modelServer?.close();
      // No run left in this process: a holder made for an attempt that will not come goes.
      if (this.active.size === 0) await this.deps.runtime.releaseSpares?.().catch((error: unknown) => logBackgroundFailure('removing spare network holders', error));
    });
    this.emitRun(runId);
    return active.done;
  }

  private async drive(runId: string, active: ActiveRun, setWake: (wake: () => void) => void): Promise<void> {
    const running = new Set<Promise<void>>();
    let ledgerFailure: unknown = null;
    for (;;) {
      if (ledgerFailure !== null) break;
      const settings = this.deps.runs.runSettings(runId);
      // Cancelled, or this process is shutting down: start nothing new; what runs was aborted.
      if (settings.status === 'cancelled' || active.controller.signal.aborted) break;
      // While the Docker daemon, or an agent run's model server (holdWhileModelServerAway), is
      // away nothing starts: an attempt would only fail at once. The run is woken when it answers.
      if (settings.status === 'running' && (this.daemon?.down || active.modelServer)) {
        if (this.daemon?.down) this.waitForDaemon(runId, active);
      } else if (settings.status === 'running' && this.runBudgetSpent(runId, settings.solver)) {
        // The run's dollar cap is spent: nothing new starts; what is queued ends, saying why.
        this.deps.runs.cancelQueued(runId, `budget_exceeded: the run's budget of $${(settings.solver as BuiltinSolverSpec).budgetUsd} is spent`);
        this.emitRun(runId);
      } else if (settings.status === 'running') {
        for (const attempt of this.deps.runs.claim(runId, settings.concurrency - running.size, this.pid)) {
          this.emitAttempt(attempt.id);
          const p: Promise<void> = this.execute(attempt, active)
            // The ledger refused to record the attempt (a full disk): its row stays unfinished,
            // so waiting for it would never end. The drive stops and says why instead.
            .catch((error: unknown) => void (ledgerFailure ??= error))
            .finally(() => {
              running.delete(p);
              active.wake();
            });
          running.add(p);
        }
      }
      if (running.size === 0) {
        if (active.removing.size > 0) {
          // Then look again from the top: a pause or cancel that came meanwhile woke nobody (this
          // is not the wait below), and `settings` is from before it.
          await Promise.allSettled([...active.removing]);
          continue;
        }
        if (settings.status === 'running' && this.deps.runs.pendingCount(runId) === 0) {
          this.deps.runs.setRunStatus(runId, 'finished');
          this.emitRun(runId);
        }
        if (settings.status !== 'running' || this.deps.runs.pendingCount(runId) === 0) break;
      }
      await new Promise<void>((resolve) => setWake(resolve));
    }
    await Promise.allSettled([...running]);
    await Promise.allSettled([...active.removing]);
    if (ledgerFailure !== null) {
      const why = ledgerFailure instanceof Error ? ledgerFailure.message : String(ledgerFailure);
      throw new AppError('internal', `run ${runId} stopped: the ledger could not record an attempt's end (${why})`);
    }
    // Whatever ends the drive (pause, cancel, shutdown) ends its wait for the daemon too.
    if (this.deps.runs.runSettings(runId).waiting !== null) {
      this.deps.runs.setWaiting(runId, null);
      this.emitRun(runId);
    }
  }

  /**
   * Puts a run in the waiting state while the Docker daemon is away: the reason is recorded and
   * pushed, nothing is claimed, and the run is woken when the daemon answers again (and what
   * the outage left behind is reaped). Idempotent while the run waits.
   */
  private waitForDaemon(runId: string, active: ActiveRun): void {
    const reason = this.daemon?.down;
    if (active.waitingForDaemon || !reason) return;
    active.waitingForDaemon = true;
    this.deps.runs.setWaiting(runId, `waiting for the Docker daemon (${reason}); nothing is started and no try is spent until it answers`);
    this.emitRun(runId);
    const done = (): void => {
      active.waitingForDaemon = false;
      // The run may have been paused, cancelled or deleted meanwhile: drive() clears its own state.
      if (this.active.get(runId) === active && !active.controller.signal.aborted) {
        this.deps.runs.setWaiting(runId, null);
        this.emitRun(runId);
      }
      active.wake();
    };
    this.recoverFromOutage().then(done, done);
  }

  /** Waits until the daemon answers (pinging with backoff), then reaps what the outage left. */
  private recoverFromOutage(): Promise<void> {
    this.daemonRecovery ??= (async () => {
      await this.daemon!.untilUp(this.closing.signal);
      // The daemon's restart stopped the interrupted attempts' containers; they still hold the
      // names of the attempts about to be redone, so they go before anything starts again.
      await this.reapContainers().catch((error: unknown) => logBackgroundFailure('removing the containers left by a Docker outage', error));
    })().finally(() => {
      this.daemonRecovery = null;
    });
    return this.daemonRecovery;
  }

  /**
   * Whether an attempt that ended in a system error or a timeout was interrupted by a Docker
   * daemon outage rather than failing on its own (see daemon-watch.ts for the three signs). If
   * so it goes back to the queue as the same try, with the reason in its log, and true is
   * returned: the outage costs no try.
   */
  private async redoAfterOutage(attempt: AttemptSummary, result: AttemptResult, unreachable: unknown, epoch: number): Promise<boolean> {
    if (!this.daemon || (result.outcome !== 'error' && result.outcome !== 'timeout')) return false;
    if (this.deps.runs.runSettings(attempt.runId).status === 'cancelled') return false;
    let reason: string | null;
    if (unreachable !== null) reason = `the Docker daemon could not be reached: ${describeDaemonError(unreachable)}`;
    else if (this.daemon.epoch !== epoch) reason = this.daemon.down ?? 'the Docker daemon went away while the attempt ran';
    else reason = await this.daemon.check();
    if (reason === null) return false;
    const redos = (this.outageRedos.get(attempt.id) ?? 0) + 1;
    if (redos > MAX_OUTAGE_REDOS) return false;
    this.outageRedos.set(attempt.id, redos);
    // A refused connection while the daemon answers again was a blink: still wait for one good
    // ping and reap what it left, as after any outage.
    if (unreachable !== null) this.daemon.markDown(reason);
    if (!this.deps.runs.requeueInterrupted(attempt.id, `interrupted: ${reason}; queued again as the same try (an outage is not the task's fault)`)) return false;
    this.emitAttempt(attempt.id);
    for (const active of this.active.values()) active.wake();
    return true;
  }

  /**
   * After each grading run: collects its artifacts when it is the grading that counts (a full disk is noted, not thrown: the grade
   * is still known, see withArtifactFault) and, when the run did not pass, checks that the X
   * server and the browser survived it; if not, a SystemError naming why: retried, never the
   * model's failure.
   */
  private async afterTestRun(
    attempt: AttemptSummary,
    container: TaskContainer,
    runIndex: number,
    signal: AbortSignal,
    testRun: { exitCode: number; log: string },
    keepArtifacts: boolean,
    log: (line: string) => void,
    onStorageFault: (fault: ArtifactStorageError) => void,
  ): Promise<void> {
    if (this.deps.afterTestRun && keepArtifacts) {
      try {
        await this.deps.afterTestRun(attempt.id, attempt.questionId, container, runIndex, signal);
      } catch (error) {
        if (!(error instanceof ArtifactStorageError)) throw error;
        onStorageFault(error);
        log(`artifacts of test run ${runIndex + 1} not stored: ${error.message}`);
      }
    }
    // A pass stands whatever happened after it; anything else may be the environment's doing
    // (for exit code 2 this only names the cause: it is a system error either way).
    if (verdictOf(testRun.exitCode) === 'pass') return;
    const fault = await gradingEnvironmentFault(container, testRun.log, signal);
    if (fault === null) return;
    // The test log goes into the ledger's log too, not only into the artifact store.
    log(`test run ${runIndex + 1}: ${fault}; its test log follows`);
    for (const line of testRun.log.split(/\r?\n/).slice(-80)) log(`  ${line}`);
    throw new SystemError(`test run ${runIndex + 1}: ${fault} (exit code ${testRun.exitCode}; a system error, not the model's failure)`);
  }

  private agentService(): AgentService {
    if (!this.deps.agents) throw new AppError('unavailable', 'model agents are not available here');
    return this.deps.agents;
  }

  private runBudgetSpent(runId: string, solver: SolverSpec): boolean {
    if (solver.kind !== 'builtin' || !this.deps.agents) return false;
    return this.deps.agents.runBudgetSpent(runId, solver, () => this.spentInLedger(runId));
  }

  private spentInLedger(runId: string): number {
    return this.deps.runs.runUsage(runId)?.costUsd ?? 0;
  }

  /**
   * The built-in agent for one attempt: steps go to the ledger and the UIs as they happen (long
   * outputs to the artifact store), usage and stop reason to the attempt when it ends.
   */
  private agentSolver(attempt: AttemptSummary, spec: BuiltinSolverSpec): Solver {
    let userToolRuns = 0;
    const keep = (kind: 'video' | 'trace' | 'log', name: string, data: Buffer): { sha256: string; bytes: number } | null =>
      this.deps.keepArtifact?.(attempt.id, kind, name, data) ?? null;
    return this.agentService().solverFor(attempt.runId, attempt.id, spec, {
      onStep: (step) => {
        const record = toStepRecord(step, (text) => keep('log', `step-${step.index}-observation.txt`, Buffer.from(text))?.sha256 ?? null);
        this.deps.runs.addStep(attempt.id, record);
        this.emit({ type: 'step', runId: attempt.runId, attemptId: attempt.id, step: record });
      },
      runUserTool: (ctx, signal) =>
        runUserTool({
          container: ctx.container,
          questionId: ctx.task.questionId,
          cwd: ctx.cwd,
          index: ++userToolRuns,
          timeoutMs: spec.limits.actionTimeoutSec * 1000,
          signal,
          log: ctx.log,
          keep: (kind, name, data) => void keep(kind, name, data),
        }),
      spentBefore: () => this.spentInLedger(attempt.runId),
      keep: (name, data) => void keep('log', name, data),
      onEnd: ({ usage, stopReason, agentUsage }) => {
        this.deps.runs.setAgentResult(attempt.id, usage, stopReason, agentUsage ?? null);
        // The transcript as ATIF, beside the replay's other artifacts.
        const agent = spec.agent ?? { name: 'builtin' };
        const trajectory = toAtif({
          attemptId: attempt.id,
          agentName: agent.name === 'builtin' ? 'lancer-builtin' : agent.name,
          agentVersion: 'version' in agent ? agent.version : this.deps.appVersion,
          model: spec.endpoint.model,
          steps: this.deps.runs.steps(attempt.id),
          usage,
        });
        keep('log', 'trajectory.json', Buffer.from(JSON.stringify(trajectory, null, 2)));
      },
    });
  }

  private async execute(attempt: AttemptSummary, active: ActiveRun): Promise<void> {
    const controller = new AbortController();
    active.attempts.set(attempt.id, controller);
    const onRunAbort = (): void => controller.abort();
    active.controller.signal.addEventListener('abort', onRunAbort, { once: true });
    const run = this.deps.runs.runSettings(attempt.runId);
    const settings = this.deps.settings();
    let result: AttemptResult;
    // What the attempt met besides its own steps: a daemon that could not be reached (and the
    // outage count when it began), an artifact the full disk refused.
    const epoch = this.daemon?.epoch ?? 0;
    const met: { unreachable: unknown; storage: ArtifactStorageError | null } = { unreachable: null, storage: null };
    const partial = { text: '', phase: 'starting' as Phase };
    const push = (phase: Phase, line: string): void => {
      if (line.trim() !== '') this.pendingLogs.push({ attemptId: attempt.id, phase, at: new Date().toISOString(), text: line.slice(0, 4000) });
    };
    try {
      const task = this.deps.datasets.getTask(`${run.manifest.dataset.id}/${attempt.questionId}`);
      const solver = run.solver.kind === 'builtin' ? this.agentSolver(attempt, run.solver) : builtinSolverFor(run.solver).solver;
      const runtime = this.runtimeOf(run.manifest);
      if (!run.manifest.cluster) this.deps.imageHooks?.used(attempt.image);
      result = await runAttempt({
        attemptId: attempt.id,
        runId: attempt.runId,
        task,
        image: attempt.image,
        // Its network is made ready while this attempt works (a cluster's runtime has no use for it).
        nextImage: run.manifest.cluster ? null : this.deps.runs.nextQueuedImage(attempt.runId),
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
        grading: run.manifest.grading ?? 'official',
        watchSolver: run.solver.kind === 'builtin',
        // Outages of the local daemon make runs wait; a cluster node lost is a system error, retried elsewhere.
        runtime: this.daemon && !run.manifest.cluster ? observeDaemonErrors(runtime, (error) => (met.unreachable ??= error)) : runtime,
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
        removeLater: (removal) => {
          active.removing.add(removal);
          void removal.finally(() => active.removing.delete(removal));
        },
        afterTestRun: (container, i, signal, testRun, { keepArtifacts }) =>
          this.afterTestRun(attempt, container, i, signal, testRun, keepArtifacts, (line) => push('grading', line), (fault) => (met.storage ??= fault)),
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
    if (await this.redoAfterOutage(attempt, result, met.unreachable, epoch)) {
      this.emitRun(attempt.runId);
      return;
    }
    if (result.patch) {
      try {
        this.deps.storeArtifact?.(attempt.id, 'patch', 'model.patch', Buffer.from(result.patch));
      } catch (error) {
        if (!(error instanceof ArtifactStorageError)) throw error;
        met.storage ??= error;
      }
    }
    if (met.storage) result = withArtifactFault(result, met.storage);
    this.deps.runs.finish(attempt.id, result.outcome, result);
    this.emitAttempt(attempt.id);
    if (result.retryable && attempt.tryIndex < run.maxRetries && this.deps.runs.runSettings(attempt.runId).status !== 'cancelled') {
      const next = this.deps.runs.retry(attempt);
      this.emitAttempt(next);
    }
    this.emitRun(attempt.runId);
    if (run.solver.kind === 'builtin' && this.deps.runs.attempt(attempt.id).stopReason === 'model_error') {
      await this.holdWhileModelServerAway(attempt.runId, active, run.solver);
    }
  }

  /**
   * After an agent attempt stopped with model_error: if the model server now gives no answer at
   * all, the run starts nothing new until it does (asking with backoff), as for a Docker outage.
   * The attempt itself stays as it ended (a model that keeps failing is the model's failure, and
   * the engine cannot tell from here when the server went), but the rest of the run is not spent
   * on a server that is not there. Asked before the attempt's slot is given back, so no attempt
   * is claimed meanwhile.
   */
  private async holdWhileModelServerAway(runId: string, active: ActiveRun, solver: BuiltinSolverSpec): Promise<void> {
    if (active.modelServer) return;
    let silence: string | null = null;
    const watch = new DaemonWatch({
      what: 'the model server',
      ping: async () => {
        silence = await this.agentService().serverSilence(solver);
        return silence === null ? { ok: true } : { ok: false, error: silence };
      },
      initialDelayMs: MODEL_SERVER_BACKOFF_MS.initial,
      maxDelayMs: MODEL_SERVER_BACKOFF_MS.max,
    });
    if ((await watch.check()) === null || this.active.get(runId) !== active || active.controller.signal.aborted) return;
    active.modelServer = watch;
    this.deps.runs.setWaiting(runId, `waiting for the model server (${silence}); nothing is started until it answers`);
    this.emitRun(runId);
    // A pause, a cancel or a shutdown ends the drive, which closes the watch (and a resume asks
    // the server again itself); the drive clears its own waiting state then.
    const done = (): void => {
      active.modelServer = undefined;
      if (this.active.get(runId) === active && !active.controller.signal.aborted) {
        this.deps.runs.setWaiting(runId, null);
        this.emitRun(runId);
      }
      active.wake();
    };
    watch.untilUp(active.controller.signal).then(done, done);
  }

  pause(runId: string): void {
    const { status } = this.deps.runs.runSettings(runId);
    if (status !== 'running' && status !== 'queued') throw new AppError('conflict', `run ${runId} is ${status}; only a running run can pause`);
    this.deps.runs.setRunStatus(runId, 'paused');
    this.active.get(runId)?.wake();
    this.emitRun(runId);
  }

  /**
   * Whether a run can be resumed now: not ended, and for an agent run, its agent ready and its
   * model server answering (as createRun asks): resumed on a server that is gone, every attempt
   * left would end model_error and count as the model's failure. `resume` asks it first.
   */
  async checkResume(runId: string): Promise<void> {
    const { status, manifest } = this.deps.runs.runSettings(runId);
    if (status === 'finished' || status === 'cancelled') throw new AppError('conflict', `run ${runId} is ${status}`);
    if (manifest.solver.kind === 'builtin') await this.agentService().checkReady(manifest.solver);
  }

  /**
   * Resumes a paused run, or one a crashed process left behind, once `checkResume` lets it.
   * Resolves as soon as the run is driven again, with `done`, the drive's end (in an object, so
   * that awaiting the resume is not awaiting the whole run).
   */
  async resume(runId: string): Promise<{ done: Promise<void> }> {
    await this.checkResume(runId);
    // Running before `start`: a paused run whose drive still finishes its attempts is woken, not started again.
    this.deps.runs.setRunStatus(runId, 'running', this.pid);
    return { done: this.start(runId) };
  }

  /**
   * Cancels a run and resolves once its driver has recorded every attempt's end, so the caller
   * may delete the run's rows without racing the driver.
   */
  async stop(runId: string): Promise<void> {
    this.cancel(runId);
    await this.active.get(runId)?.done;
    this.flushLogs();
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
    const requeued = this.deps.runs.requeueOrphans(isProcessAlive);
    const reaped = await this.reapContainers();
    return { requeued: requeued.length, reaped, orphanedRuns: this.deps.runs.orphanedRuns(isProcessAlive) };
  }

  /**
   * Removes labelled containers and networks that no live attempt owns. Kept containers
   * (keepFailedContainers) stay while their failed attempt is in the ledger; deleting the run
   * lets the next reap take them.
   */
  reapContainers(): Promise<{ containers: number; networks: number }> {
    const live = this.deps.runs.liveAttemptIds(isProcessAlive);
    const isKept = (attemptId: string): boolean => {
      try {
        return ['failed', 'timeout', 'error'].includes(this.deps.runs.attempt(attemptId).state);
      } catch {
        return false; // its run was deleted
      }
    };
    const local = this.deps.runtime.reap((attemptId) => live.has(attemptId), isKept);
    // Every cluster's nodes too; one that does not answer keeps its leftovers for the next reap.
    const clusters = (this.deps.clusters?.names() ?? []).map((name) =>
      this.deps.clusters!.runtime(name)
        .reap((attemptId) => live.has(attemptId), isKept)
        .catch((error: unknown) => {
          logBackgroundFailure(`reaping cluster ${name}`, error);
          return { containers: 0, networks: 0 };
        }),
    );
    return Promise.all([local, ...clusters]).then((all) => all.reduce((sum, r) => ({ containers: sum.containers + r.containers, networks: sum.networks + r.networks })));
  }

  /**
   * Stops everything running in this process without recording outcomes: the next start-up's
   * recovery queues the interrupted attempts again, as after a crash.
   */
  async shutdown(): Promise<void> {
    this.shuttingDown = true;
    clearInterval(this.logTimer);
    // A run waiting for the daemon has nothing running to end it: stop the wait, then wake it.
    this.closing.abort();
    this.daemon?.close();
    for (const active of this.active.values()) {
      active.controller.abort();
      active.wake();
    }
    await Promise.allSettled([...this.active.values()].map((a) => a.done));
    this.flushLogs();
  }
}
