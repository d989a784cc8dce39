/**
 * One attempt, start to end, as the official harness runs it (harness doc §2–§3): a container
 * on its own network, wait for /setup_done.txt, hide the tests, reset git, cut the network,
 * solve, grade, clean up. Every step runs under a phase timeout and the run's AbortSignal.
 */
import { randomBytes, randomInt } from 'node:crypto';
import type { AttemptOutcome, GraderLog, GradingMode, GradingRecord, GradingResult, LeftProcess, OutsideRepoChange, Phase } from '../../../shared/runs';
import type { TaskDetail } from '../../../shared/tasks';
import { gradeManagerDecision, parseExitCodeOutput, verdictOf } from '../grading/graders';
import type { Solver } from '../solvers/solver';
import {
  CancelledError,
  ExecTimeoutError,
  LABEL_APP,
  LABEL_APP_VALUE,
  LABEL_ATTEMPT,
  LABEL_RUN,
  shellQuote,
  type ContainerRuntime,
  type ExecResult,
  type TaskContainer,
} from './container-runtime';
import { MANAGER_COMMIT, QUESTION_ID } from '../dataset/task-rows';
import { TESTS_ZIP_PASSWORD, type Profile } from './profiles';
import { footprintBetween, takeSnapshot, type FootprintSnapshot } from './solver-footprint';
import { execSteps, fileFromStep, readFileStep, type ExecStep, type StepResult } from './exec-steps';

/** An infrastructure failure (not the model's): retried in a fresh container. */
export class SystemError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SystemError';
  }
}

export class PhaseTimeoutError extends Error {
  constructor(
    readonly phase: Phase,
    seconds: number,
  ) {
    super(`the ${phase} phase timed out after ${seconds} s`);
    this.name = 'PhaseTimeoutError';
  }
}

export interface AttemptLimits {
  setupTimeoutSec: number;
  solveTimeoutSec: number;
  gradeTimeoutSec: number;
  testRuns: number;
  cpus: number;
  memoryMb: number;
  shmMb: number;
  keepFailedContainers: boolean;
}

export interface AttemptInput {
  attemptId: string;
  runId: string;
  task: TaskDetail;
  image: string;
  /** The image of the run's next queued attempt, for `runtime.prepare`; null or absent when none. */
  nextImage?: string | null;
  profile: Profile;
  solver: Solver;
  limits: AttemptLimits;
  /** How the attempt is graded (default official: in the solver's container, as the official harness). */
  grading?: GradingMode;
  /**
   * Record what the solver changed outside the repository and the processes it left running
   * (solvers that run their own commands in the container: agents).
   */
  watchSolver?: boolean;
  runtime: ContainerRuntime;
  signal: AbortSignal;
  /** Called when a phase starts, so the ledger and the UI follow along. */
  onPhase(phase: Phase): void;
  onContainer(ids: { containerId: string; networkId: string | null; node: string | null }): void;
  /**
   * Takes over the removal of a graded attempt's container, so its result is recorded and the
   * next attempt starts while the daemon removes it (a forced removal is 0.1–0.3 s here). The
   * caller must wait for it before its run counts as finished. Without it, removal is awaited.
   */
  removeLater?(removal: Promise<void>): void;
  log(phase: Phase, text: string): void;
  /**
   * Called with each grading run's container and result, before it moves on (artifacts, and
   * the check that the browser and X server survived); a SystemError it throws ends the attempt.
   * `keepArtifacts` is false for the official grading when a clean one follows: the replay
   * shows the grading that counts.
   */
  afterTestRun?(
    container: TaskContainer,
    runIndex: number,
    phaseSignal: AbortSignal,
    testRun: { exitCode: number; log: string },
    opts: { keepArtifacts: boolean },
  ): Promise<void>;
}

export interface AttemptResult {
  outcome: AttemptOutcome;
  earned: number;
  patch: string | null;
  decision: unknown;
  grader: GraderLog | null;
  error: string | null;
  /** Only system errors and timeouts are worth another try. */
  retryable: boolean;
  /** Both gradings, when the attempt was graded other than once in the solver's container. */
  grading?: GradingRecord | null;
  outsideRepoChanges?: OutsideRepoChange[] | null;
  processesLeft?: LeftProcess[] | null;
  /** Milliseconds from the attempt's start to the solver's first command in the container. */
  firstActionMs?: number | null;
}

/**
 * The official harness generates Pusher credentials once per process; they only have to agree
 * within one container.
 */
const PUSHER = {
  key: randomBytes(15).toString('base64url').replace(/[^A-Za-z0-9]/g, 'x').slice(0, 20),
  secret: randomBytes(15).toString('base64url').replace(/[^A-Za-z0-9]/g, 'y').slice(0, 20),
  id: String(randomInt(1_000_000, 10_000_000)),
};

/** The environment the official harness gives a task container (harness doc §2.2). */
export function officialEnv(task: TaskDetail): string[] {
  return [
    'GRANT_SUDO=yes',
    'CHOWN_HOME=yes',
    'NB_USER=jovyan',
    'NB_UID=1000',
    'NB_GID=100',
    `PUSHER_APP_KEY=${PUSHER.key}`,
    `PUSHER_APP_SECRET=${PUSHER.secret}`,
    `PUSHER_APP_ID=${PUSHER.id}`,
    'USE_WEB_PROXY=false',
    'EXPENSIFY_URL=https://www.expensify.com/',
    'NEW_EXPENSIFY_URL=https://new.expensify.com/',
    `ISSUE_ID=${task.questionId}`,
    `EVAL_VARIANT=${task.variant}`,
    'LC_ALL=C.UTF-8',
  ];
}

/** Runs `fn` with a signal that aborts on the run's signal or after `seconds`. */
/** Runs `wait` with the phase's timeout stopped (see StartHooks.whileQueued). */
type Hold = <R>(wait: Promise<R>) => Promise<R>;

/**
 * Runs one phase under its timeout (a PhaseTimeoutError when it passes) and the attempt's
 * cancellation. `hold` stops the clock for a wait that is not the attempt's own work.
 */
export async function inPhase<T>(phase: Phase, seconds: number, parent: AbortSignal, fn: (signal: AbortSignal, hold: Hold) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let timedOut = false;
  let remainingMs = seconds * 1000;
  let armedAt = 0;
  let timer: NodeJS.Timeout | undefined;
  const arm = (): void => {
    armedAt = performance.now();
    timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, remainingMs);
  };
  arm();
  let holds = 0;
  const hold: Hold = async (wait) => {
    if (holds++ === 0) {
      clearTimeout(timer);
      remainingMs = Math.max(0, remainingMs - (performance.now() - armedAt));
    }
    try {
      return await wait;
    } finally {
      if (--holds === 0 && !controller.signal.aborted) arm();
    }
  };
  const onParent = (): void => controller.abort();
  if (parent.aborted) controller.abort(); // 'abort' never fires again on an aborted signal
  parent.addEventListener('abort', onParent, { once: true });
  try {
    return await fn(controller.signal, hold);
  } catch (error) {
    if (timedOut && (error instanceof CancelledError || error instanceof ExecTimeoutError)) throw new PhaseTimeoutError(phase, seconds);
    throw error;
  } finally {
    clearTimeout(timer);
    parent.removeEventListener('abort', onParent);
  }
}

export async function runAttempt(input: AttemptInput): Promise<AttemptResult> {
  const { task, limits, signal } = input;
  const cwd = task.cwd ?? '/app/expensify';
  const mode: GradingMode = input.grading ?? 'official';
  let container: TaskContainer | undefined;
  let phase: Phase = 'starting';
  let patch: string | null = null;
  let decision: unknown = null;
  let outcome: AttemptOutcome | null = null;
  let grading: GradingRecord | null = null;
  let footprint: { outsideRepoChanges: OutsideRepoChange[]; processesLeft: LeftProcess[] } | null = null;

  const enter = (next: Phase): void => {
    phase = next;
    input.onPhase(next);
  };
  /** A whole message line. */
  const log = (text: string): void => input.log(phase, text.endsWith('\n') ? text : `${text}\n`);
  /** Raw command output, in whatever chunks it arrives (the engine joins lines). */
  const stream = (text: string): void => input.log(phase, text);
  const shIn = (target: TaskContainer): ShIn => (command, phaseSignal, opts = {}) => runSh(target, command, cwd, phaseSignal, opts, log, stream);
  const stepsIn = (target: TaskContainer): StepsIn => (steps, phaseSignal) =>
    execSteps(target, steps, { signal: phaseSignal, workdir: cwd, onStep: (step) => log(`$ ${step.command}`), onOutput: stream });
  const helpers = { shIn, stepsIn, log };
  const sh: ShIn = (command, phaseSignal, opts) => shIn(container!)(command, phaseSignal, opts);
  const startedAt = performance.now();
  let firstActionMs: number | null = null;
  const ended = (): Pick<AttemptResult, 'grading' | 'outsideRepoChanges' | 'processesLeft' | 'firstActionMs'> => ({
    grading,
    outsideRepoChanges: footprint?.outsideRepoChanges ?? null,
    processesLeft: footprint?.processesLeft ?? null,
    firstActionMs,
  });

  try {
    // Ids are checked at import, but a store written before that check may hold anything, and
    // the id names paths and environment values inside the container.
    if (!QUESTION_ID.test(task.questionId)) throw new SystemError(`question_id "${task.questionId.slice(0, 80)}" is not a safe id`);
    // ---- starting + setup: one timeout covers start-up and task set-up, as STARTUP_TIMEOUT.
    let baseline: FootprintSnapshot | null = null;
    await inPhase('setup', limits.setupTimeoutSec, signal, async (s, hold) => {
      enter('starting');
      container = await startAndSetUp(input, `lancer-${input.attemptId}`, cwd, s, {
        hold,
        onStarted: (c) => {
          // Known at once, so a set-up that fails or is cancelled still removes it (finally).
          container = c;
          input.onContainer({ containerId: c.id, networkId: c.networkId, node: c.node ?? null });
          // Started: the next attempt's network is made while this one works. (Made after the
          // set-up instead, it was not ready in time for trivial attempts: bench:engine.)
          if (input.nextImage && !limits.keepFailedContainers) input.runtime.prepare?.(input.nextImage);
          enter('setup');
        },
        ...helpers,
        mounts: input.solver.mounts,
      });
      if (input.watchSolver) baseline = await takeSnapshot(container, s);
    });

    // ---- solving
    enter('solving');
    // The solver's view of the container notes when it first acts (time to first action).
    const solverContainer = noteFirstAction(container!, () => (firstActionMs ??= Math.round(performance.now() - startedAt)));
    const solved = await inPhase('solving', limits.solveTimeoutSec, signal, async (s) => {
      if (!input.solver.solvingNetwork) return input.solver.solve({ task, container: solverContainer, cwd, signal: s, timeoutMs: limits.solveTimeoutSec * 1000, log: stream });
      // An agent in the container reaches its model through the metering proxy, and nothing else.
      await container!.joinNetwork(await input.solver.solvingNetwork());
      try {
        const probe = await sh(input.profile.internetProbe, s, { timeoutMs: 30_000 });
        if (probe.exitCode === 0) throw new SystemError("the container reaches the internet on the agents' network");
        log("solving on the agents' network: only the metering proxy answers");
        return await input.solver.solve({ task, container: solverContainer, cwd, signal: s, timeoutMs: limits.solveTimeoutSec * 1000, log: stream });
      } finally {
        // Cut as before, whatever happened: grading runs with no network, as the official harness.
        await container!.cutNetwork();
        // Leaving the agents' network took the container's name out of /etc/hosts again. Under
        // the run's signal, not the phase's: a solver that ran out of the phase's time is still
        // graded, and grading looks the name up too.
        if (!signal.aborted) await sh(OWN_NAME_AFTER_CUT, signal).catch((e: unknown) => log(`the container's name was not put back in /etc/hosts: ${String(e)}`));
      }
    });
    // An agent that was cancelled (or ran out of the phase's time) returns rather than throws.
    if (signal.aborted) throw new CancelledError();
    decision = solved.decision ?? null;
    if (solved.note) log(`solver: ${solved.note}`);

    // ---- grading
    enter('grading');
    const official = await inPhase('grading', limits.gradeTimeoutSec, signal, async (s) => {
      if (baseline) {
        footprint = footprintBetween(baseline, await takeSnapshot(container!, s));
        reportFootprint(footprint, log);
      }
      if (task.variant === 'swe_manager') {
        // The decision is read back in the same batch as the unzip (one exec, no archive call).
        const decisionsRead = readFileStep(`${cwd}/manager_decisions.json`);
        const batch = [unzipTests, decisionsRead];
        const results = await stepsIn(container!)(batch, s);
        checkSteps(results, batch);
        const file = await fileFromStep(decisionsRead, batch, results, container!, 1024 * 1024, s);
        return gradeManager(task, file === null ? null : file.toString('utf8'));
      }
      // As the official sequence: tests unzipped, then the solver's change to the repository taken
      // as the official harness takes model_patch, then the test runs. (Only clean grading:
      // nothing to unzip or test here.) One batch, the patch file read back in it.
      const takePatch: ExecStep = { command: 'git -c core.fileMode=false diff --binary HEAD > /tmp/patch.diff', stopOnFailure: true };
      // The patch is read back in the same batch (getFile when it is large).
      const patchRead = readFileStep('/tmp/patch.diff');
      const readPatch = async (steps: ExecStep[], results: StepResult[]): Promise<void> => {
        patch = (await fileFromStep(patchRead, steps, results, container!, 50 * 1024 * 1024, s))?.toString('utf8') ?? '';
      };
      if (mode === 'clean') {
        const steps = [takePatch, patchRead];
        const results = await stepsIn(container!)(steps, s);
        checkSteps(results, steps);
        await readPatch(steps, results);
        return null;
      }
      const firstSteps = [unzipTests, takePatch, patchRead];
      return gradeIc(task, input, limits.testRuns, stepsIn(container!), container!, s, {
        keepArtifacts: mode === 'official',
        firstSteps,
        afterFirstSteps: (results) => readPatch(firstSteps, results),
      });
    });
    // A manager's decision is graded on the host from the file it wrote: there is no test run a
    // solver could tamper with, so the one grading serves every mode.
    if (task.variant === 'swe_manager' || mode === 'official') {
      outcome = official!.outcome;
      if (mode !== 'official') grading = { mode, official: resultOf(official!), clean: resultOf(official!), differs: false };
      return { ...official!, patch, decision, error: null, retryable: false, ...ended() };
    }
    // The solver's container is done with: free its memory before a second one starts, unless
    // it may have to be kept for inspection (then it goes at the end, as always).
    if (!limits.keepFailedContainers) {
      await container!.remove().catch((e: unknown) => log(`removing the solver's container failed: ${String(e)}`));
      container = undefined;
    }
    log(`clean grading: the solver's diff (${Buffer.byteLength(patch ?? '')} bytes) in a fresh container`);
    const clean = await gradeInCleanContainer(input, cwd, patch ?? '', helpers);
    grading = {
      mode,
      official: official ? resultOf(official) : null,
      clean: resultOf(clean),
      differs: official !== null && official.outcome !== clean.outcome,
    };
    if (grading.differs) log(`grading differs: ${official!.outcome} in the solver's container, ${clean.outcome} in a clean one; the clean result counts`);
    outcome = clean.outcome;
    return { ...clean, patch, decision, error: null, retryable: false, ...ended() };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    log(`attempt ended in ${phase}: ${message}`);
    if (error instanceof CancelledError || signal.aborted) {
      outcome = 'cancelled';
      return { outcome: 'cancelled', earned: 0, patch, decision, grader: null, error: 'cancelled', retryable: false, ...ended() };
    }
    if (error instanceof PhaseTimeoutError) {
      outcome = 'timeout';
      return { outcome: 'timeout', earned: 0, patch, decision, grader: null, error: message, retryable: true, ...ended() };
    }
    outcome = 'error';
    return { outcome: 'error', earned: 0, patch, decision, grader: null, error: message, retryable: true, ...ended() };
  } finally {
    phase = 'cleanup';
    if (container) {
      // A failed, timed-out or errored attempt's container stays for inspection when asked;
      // a cancelled one is the user's choice to stop and goes.
      const keep = limits.keepFailedContainers && (outcome === 'failed' || outcome === 'timeout' || outcome === 'error');
      if (keep) {
        await container
          .keep()
          .then(() => log(`kept the container ${container!.id.slice(0, 12)} for inspection (keepFailedContainers)`))
          .catch((e: unknown) => log(`keeping the container failed: ${String(e)}`));
      } else {
        const removal = container.remove().catch((e: unknown) => log(`removing the container failed: ${String(e)}`));
        // Only a graded attempt's: one that is retried or redone may reuse the container's name.
        if (input.removeLater && (outcome === 'passed' || outcome === 'failed')) input.removeLater(removal);
        else await removal;
      }
    }
  }
}

type Grade = Omit<AttemptResult, 'patch' | 'decision' | 'error' | 'retryable'>;

/** The same container, calling `onAction` as the solver runs a command or writes a file in it. */
function noteFirstAction(container: TaskContainer, onAction: () => void): TaskContainer {
  return {
    id: container.id,
    networkId: container.networkId,
    ...(container.runsScripts ? { runsScripts: true } : {}),
    exec: (command, opts) => {
      onAction();
      return container.exec(command, opts);
    },
    putFile: (p, content, opts) => {
      onAction();
      return container.putFile(p, content, opts);
    },
    getFile: (p, maxBytes, signal) => container.getFile(p, maxBytes, signal),
    state: () => container.state(),
    cutNetwork: () => container.cutNetwork(),
    joinNetwork: (name) => container.joinNetwork(name),
    remove: () => container.remove(),
    keep: () => container.keep(),
  };
}

function resultOf(grade: Grade): GradingResult {
  const exitCodes = grade.grader?.testRuns?.map((r) => r.exitCode);
  return { outcome: grade.outcome, earned: grade.earned, ...(exitCodes ? { exitCodes } : {}), ...(grade.grader?.notes ? { note: grade.grader.notes } : {}) };
}

function reportFootprint(footprint: { outsideRepoChanges: OutsideRepoChange[]; processesLeft: LeftProcess[] }, log: (t: string) => void): void {
  for (const c of footprint.outsideRepoChanges.slice(0, 20)) log(`outside the repository: ${c.change} ${c.path} (${c.area})`);
  if (footprint.outsideRepoChanges.length > 20) log(`outside the repository: ${footprint.outsideRepoChanges.length - 20} more changes`);
  for (const p of footprint.processesLeft.slice(0, 20)) log(`left running: pid ${p.pid} ${p.command.slice(0, 200)}`);
}

/** `sh -c` in the repo of a container; `check` turns a non-zero exit into a system error, as check_shell_command. */
type ShIn = (command: string, phaseSignal: AbortSignal, opts?: ShOptions) => Promise<ExecResult>;
/** Several commands in one round trip (exec-steps.ts), each logged and checked as if on its own. */
type StepsIn = (steps: ExecStep[], phaseSignal: AbortSignal) => Promise<StepResult[]>;
type Helpers = { shIn(c: TaskContainer): ShIn; stepsIn(c: TaskContainer): StepsIn; log(t: string): void };

/**
 * Run after every cut: the container's own name back in /etc/hosts. Docker takes it out when the
 * container leaves its last network, and a lookup of it then waits for a DNS server that is gone:
 * 10 s for every `git commit`, `git reset` or `git stash` (git's identity looks the name up), and
 * for anything that asks for its fully qualified name (Python's `socket.getfqdn`, which ansible's
 * fact gathering in the official grading calls). On the official harness the container stays on
 * its network behind iptables, and its name resolves at once. An /etc/hosts that cannot be
 * written leaves the lookups slow, nothing more: not checked.
 */
const OWN_NAME_AFTER_CUT = `h=$(hostname) && { grep -qwF -- "$h" /etc/hosts || printf '127.0.1.1\\t%s\\n' "$h" >> /etc/hosts; }`;

/** Grading's first command (exported for bench:engine's floor, which runs the same commands). */
export const unzipTests: ExecStep = { command: `unzip -q -P ${TESTS_ZIP_PASSWORD} -o /app/tests.zip -d /app/tests`, stopOnFailure: true };

function checkFailed(result: StepResult): SystemError {
  return new SystemError(`\`${result.command.slice(0, 120)}\` exited ${result.exitCode}: ${result.output.trim().slice(-400)}`);
}

/**
 * Throws as separate checked commands would have: a failed step that stops the batch is a
 * system error; so is a batch that ended before its last step (the exec itself was cut off).
 */
function checkSteps(results: StepResult[], steps: ExecStep[]): void {
  for (const [i, result] of results.entries()) {
    if (steps[i]?.stopOnFailure && result.exitCode !== 0) throw checkFailed(result);
  }
  if (results.length < steps.length) {
    const last = results[results.length - 1];
    throw new SystemError(`the commands stopped after \`${(last?.command ?? 'the start').slice(0, 120)}\`${last ? ` (exit ${last.exitCode})` : ''}`);
  }
}

async function runSh(
  container: TaskContainer,
  command: string,
  cwd: string,
  phaseSignal: AbortSignal,
  opts: ShOptions,
  log: (t: string) => void,
  stream: (t: string) => void,
): Promise<ExecResult> {
  log(`$ ${command}`);
  const result = await container.exec(command, {
    timeoutMs: opts.timeoutMs ?? 10 * 60_000,
    signal: phaseSignal,
    workdir: cwd,
    env: opts.env,
    onOutput: stream,
  });
  if (opts.check && result.exitCode !== 0) {
    throw new SystemError(`\`${command.slice(0, 120)}\` exited ${result.exitCode}: ${result.output.trim().slice(-400)}`);
  }
  return result;
}

/**
 * A task container started and set up as the official harness does (§2.6, §2.7, §3.2): wait for
 * /setup_done.txt, the task set-up, then the network cut and checked. The caller's phase
 * timeout covers all of it. The wait and the set-up commands go as one batch.
 */
async function startAndSetUp(
  input: AttemptInput,
  name: string,
  cwd: string,
  signal: AbortSignal,
  hooks: Helpers & { onStarted(c: TaskContainer): void; hold: Hold; mounts?: { hostPath: string; containerPath: string }[]; useSpare?: false },
): Promise<TaskContainer> {
  const { task, limits } = input;
  // Checked before anything starts: nothing to clean up when the row is unusable.
  const setUp = setUpSteps(task, cwd);
  const container = await input.runtime.start(
    {
      name,
      image: input.image,
      env: officialEnv(task),
      labels: { [LABEL_APP]: LABEL_APP_VALUE, [LABEL_RUN]: input.runId, [LABEL_ATTEMPT]: input.attemptId },
      cpus: limits.cpus,
      memoryMb: limits.memoryMb,
      shmMb: limits.shmMb,
      keepOnFailure: limits.keepFailedContainers,
      ...(hooks.mounts?.length ? { readOnlyMounts: hooks.mounts } : {}),
      ...(hooks.useSpare === false ? { useSpare: false } : {}),
    },
    signal,
    {
      whileQueued: (wait, why) => {
        hooks.log(why);
        return hooks.hold(wait);
      },
    },
  );
  // The caller removes it, whatever happens next: it learns of it here, before the set-up.
  hooks.onStarted(container);
  const wait: ExecStep[] = task.variant === 'ic_swe' ? [setupDoneWait(limits.setupTimeoutSec)] : [];
  if (wait.length) hooks.log('waiting for /setup_done.txt');
  // The network is cut once the set-up is done, and the probe runs after it: the batch waits
  // for the cut, so one exec serves both sides of it. Not earlier: the cut takes the container's
  // name out of /etc/hosts until the last step puts it back, and git's reflog looks that name up
  // for its identity (`git reset` waited 10 s on a DNS that was gone when the cut overlapped it).
  const probe: ExecStep = { command: input.profile.internetProbe, timeoutMs: 30_000, waitFor: () => container.cutNetwork() };
  const steps = [...wait, ...setUp, probe, { command: OWN_NAME_AFTER_CUT }];
  const results = await hooks.stepsIn(container)(steps, signal);
  if (wait.length && results[0]?.exitCode !== 0) {
    // The wait only ends early when its exec does: the container stopped, or the daemon cut it.
    const state = await container.state();
    if (!state.running) throw new SystemError(`the container exited (code ${state.exitCode ?? '?'}) before set-up finished:\n${state.logTail ?? ''}`);
    throw new SystemError(`waiting for /setup_done.txt ended with exit code ${results[0]?.exitCode ?? '?'}`);
  }
  const pwd = results[wait.length + 1];
  if (pwd?.exitCode === 0 && !pwd.output.trim().endsWith(cwd)) throw new SystemError(`bash -lc pwd printed "${pwd.output.trim()}", expected ${cwd}`);
  checkSteps(results, steps);
  if (results[steps.indexOf(probe)]!.exitCode === 0) throw new SystemError('the container still reaches the internet after its network was cut');
  hooks.log('network cut: the internet is unreachable from the container');
  return container;
}

/**
 * The clean grading: the solver's repository diff applied in a fresh container from the same
 * image with the official set-up, then the official test runs. Nothing the solver did outside
 * the repository (a planted exit code, a changed runner, an alias, a process) reaches it.
 */
async function gradeInCleanContainer(
  input: AttemptInput,
  cwd: string,
  patch: string,
  helpers: Helpers,
): Promise<Grade> {
  const { limits, signal, task } = input;
  let clean: TaskContainer | undefined;
  try {
    clean = await inPhase('grading', limits.setupTimeoutSec, signal, (s, hold) =>
      // The spare network made for the run's next attempt stays for it (its first action waits on it).
      startAndSetUp(input, `lancer-${input.attemptId}-clean`, cwd, s, { ...helpers, hold, onStarted: (c) => (clean = c), useSpare: false }),
    );
    const sh = helpers.shIn(clean);
    return await inPhase('grading', limits.gradeTimeoutSec, signal, async (s) => {
      if (patch.trim() !== '') {
        await clean!.putFile('/tmp/model.patch', patch, { signal: s });
        const applied = await sh('git apply --binary --whitespace=nowarn /tmp/model.patch', s);
        if (applied.exitCode !== 0) {
          const note = `the solver's diff did not apply in a clean container: ${applied.output.trim().slice(-300)}`;
          return { outcome: 'failed', earned: 0, grader: { variant: 'ic_swe', earned: 0, available: task.price, testRuns: [], notes: note } };
        }
      }
      return gradeIc(task, input, limits.testRuns, helpers.stepsIn(clean!), clean!, s, { keepArtifacts: true, firstSteps: [unzipTests] });
    });
  } finally {
    await clean?.remove().catch((e: unknown) => helpers.log(`removing the clean grading's container failed: ${String(e)}`));
  }
}

/** How a command of the attempt runs; values from the CSV travel in `env`, never in the text. */
interface ShOptions {
  check?: boolean;
  timeoutMs?: number;
  env?: string[];
}

/**
 * The official harness polls `cat /setup_done.txt` every 15 s with an exec each; this waits
 * inside the container instead, looking ten times a second, and ends the moment the file says
 * "done" (the same test: the file's text, trimmed). A container that stops ends the exec.
 */
function setupDoneWait(timeoutSec: number): ExecStep {
  return {
    command: `until [ "$(cat /setup_done.txt 2>/dev/null)" = done ]; do sleep 0.1; done`,
    stopOnFailure: true,
    timeoutMs: timeoutSec * 1000,
  };
}

/**
 * The task set-up of the official harness (§2.6, §2.7, §3.2), command for command; the
 * commands it checks stop the batch when they fail, the `bash -lc pwd` check too. (bench:engine's
 * floor runs the same commands.)
 */
export function setUpSteps(task: TaskDetail, cwd: string): ExecStep[] {
  const dir = shellQuote(cwd);
  const steps: ExecStep[] = [
    { command: `echo cd ${dir} >> ~/.bashrc; [ -f ~/.profile ] && echo cd ${dir} >> ~/.profile; [ -f ~/.bash_profile ] && echo cd ${dir} >> ~/.bash_profile; true`, stopOnFailure: true },
    { command: `bash -lc 'pwd'`, stopOnFailure: true, expectOutputSuffix: cwd },
  ];
  if (task.variant === 'swe_manager') {
    if (!task.managerCommit) throw new SystemError(`${task.questionId} has no manager_commit`);
    // Checked at import; a store from before that check could still hold anything.
    if (!MANAGER_COMMIT.test(task.managerCommit)) throw new SystemError(`${task.questionId}: manager_commit is not a hex commit id`);
    steps.push({ command: `bash -c 'git reset --hard "$MANAGER_COMMIT^"'`, stopOnFailure: true, env: [`MANAGER_COMMIT=${task.managerCommit}`] });
  }
  steps.push(
    { command: `cd /app/tests && zip -P ${TESTS_ZIP_PASSWORD} -r /app/tmp.zip . && mv /app/tmp.zip /app/tests.zip`, stopOnFailure: true },
    { command: 'rm -rf /app/tests' },
    { command: 'rm -rf .git', stopOnFailure: true },
    { command: 'git init', stopOnFailure: true },
  );
  if (task.variant === 'ic_swe') {
    steps.push({ command: `bash -c 'git add .'`, stopOnFailure: true }, { command: `bash -c 'git -c user.name="temp" -c user.email="temp@example.com" commit -m "temp"'` });
  }
  return steps;
}

function gradeManager(task: TaskDetail, fileText: string | null): Grade {
  const correct = task.correctProposalId ?? -1;
  const { submitted, passed } = gradeManagerDecision(fileText, correct);
  const earned = passed ? task.price : 0;
  return {
    outcome: passed ? 'passed' : 'failed',
    earned,
    grader: {
      variant: 'swe_manager',
      earned,
      available: task.price,
      submitted,
      correct,
      notes: fileText === null ? 'no manager_decisions.json was written' : `submitted ${submitted ?? 'nothing valid'}, hired ${correct}`,
    },
  };
}

/**
 * Up to `testRuns` runs of the test; any pass passes; exit >= 2 is a system error (§2.12). Each
 * run's commands go as one batch; `firstSteps` (unzipping the tests, taking the patch) lead the
 * first one, and `afterFirstSteps` gets that batch's results once it is over. pytest.log is read
 * back at the end of each batch.
 */
async function gradeIc(
  task: TaskDetail,
  input: AttemptInput,
  testRuns: number,
  steps: StepsIn,
  container: TaskContainer,
  signal: AbortSignal,
  opts: { keepArtifacts: boolean; firstSteps?: ExecStep[]; afterFirstSteps?: (results: StepResult[]) => Promise<void> },
): Promise<Grade> {
  const id = task.questionId;
  const logDir = `/app/tests/logs/${id}`;
  const runs: { exitCode: number; log: string }[] = [];
  let passed = false;
  for (let i = 0; i < testRuns && !passed; i++) {
    const env = [`ISSUE_ID=${id}`];
    const lead = i === 0 ? (opts.firstSteps ?? []) : [];
    const exitCodeStep: ExecStep = { command: `cat ${shellQuote(`${logDir}/pytest_exit_code`)}` };
    const logRead = readFileStep(`${logDir}/pytest.log`);
    const batch: ExecStep[] = [
      ...lead,
      { command: `bash -i -c 'echo "export ISSUE_ID=$ISSUE_ID" >> ~/.bashrc'`, env },
      { command: `mkdir -p ${shellQuote(logDir)}` },
      { command: `rm -rf ${shellQuote(logDir)}/*` },
      { command: input.profile.testCommand, timeoutMs: 60 * 60_000, env },
      exitCodeStep,
      logRead,
    ];
    const results = await steps(batch, signal);
    if (i === 0) await opts.afterFirstSteps?.(results);
    checkSteps(results, batch);
    const exitCode = parseExitCodeOutput(results[batch.indexOf(exitCodeStep)]!.output);
    const log = (await fileFromStep(logRead, batch, results, container, 5 * 1024 * 1024, signal))?.toString('utf8') ?? '';
    runs.push({ exitCode, log });
    await input.afterTestRun?.(container, i, signal, { exitCode, log }, opts);
    const verdict = verdictOf(exitCode);
    if (verdict === 'system-error') throw new SystemError(`pytest failed with exit code ${exitCode}`);
    passed = verdict === 'pass';
  }
  if (runs.length === 0) throw new SystemError('no tests properly ran');
  const earned = passed ? task.price : 0;
  return {
    outcome: passed ? 'passed' : 'failed',
    earned,
    grader: {
      variant: 'ic_swe',
      earned,
      available: task.price,
      testRuns: runs,
      pytestExit: runs[runs.length - 1]?.exitCode ?? -1,
      notes: 'Tests ran smoothly, score is based on model performance.',
    },
  };
}
