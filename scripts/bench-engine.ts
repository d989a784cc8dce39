/**
 * `npm run bench:engine`: the harness's own cost per attempt against `docker run --rm` of the
 * same image, throughput at concurrency 1 and 2, and the time to the solver's first action.
 *
 * - Overhead: trivial attempts (the sample's manager tasks with the gold solver: no browser),
 *   everything but the solver's own phase. Two figures: per attempt from the ledger (start to
 *   result recorded), and per attempt from the wall time of a concurrency-1 run (which also
 *   pays for the removals that overlap the next attempt). Goal: ≤ 1.3× `docker run --rm`.
 * - Throughput at concurrency 2 against 1. Goal: ≥ 1.8× (2 cores). Printed with the machine's
 *   CPU time per attempt (Docker's daemons, the containers, the kernel: all of it) and how busy
 *   the cores were: no scheduling gets twice the throughput out of cores already busy.
 * - Time to first action: from the attempt's start to the solver's first command in the
 *   container (IC tasks with the gold solver: the wait for the display, the set-up, the network
 *   cut and its check come first). Goal: under 1 s.
 * - The same concurrency-1 run on a second store whose runtime makes no spare network holders
 *   (spare-holders.ts), in the same round: what the holders change, side by side.
 * - The floor (officialWorkFloor): the attempt's own commands run inside one `docker run --rm`,
 *   in the same round. What the harness costs above it is round trips and the network's cut.
 * - The ceiling for the concurrency goal (dockerRunScaling): `docker run --rm` alone, two at a
 *   time against one at a time, in the same round. No harness scales past Docker itself.
 *
 * `-- --rounds N` repeats everything N times (default 3) and prints each round and the spread;
 * the baseline is measured again in each round, side by side with the runs.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { importDataset } from '../src/main/core/dataset/importer';
import { createDockerClient } from '../src/main/core/docker/docker-client';
import { setUpSteps, unzipTests } from '../src/main/core/engine/attempt-runner';
import { readFileStep, stepsScript, type ExecStep } from '../src/main/core/engine/exec-steps';
import { DockerRuntime } from '../src/main/core/engine/docker-runtime';
import { profileForImage } from '../src/main/core/engine/profiles';
import type { TaskDetail } from '../src/shared/tasks';
import { storeIdFor, Workbench } from '../src/main/core/workbench';
import { ensureSampleImages, sampleCsv, sampleIssues } from '../tests/helpers/sample-images';
import { makeTempDir } from '../tests/helpers/temp-dir';

const IMAGE = 'lancer-sample_monolith:latest';
const REPEATS = 4;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const rounds = Number(arg('--rounds') ?? 3);

/** The baseline: a container of the image started, run and removed, nothing else. */
const DOCKER_RUN_RM = ['run', '--rm', '--entrypoint', 'true', IMAGE];

function dockerRunRm(): number {
  const started = performance.now();
  const r = spawnSync('docker', DOCKER_RUN_RM);
  if (r.status !== 0) throw new Error(`docker run failed: ${r.stderr.toString()}`);
  return performance.now() - started;
}

/** One `docker run --rm` like the baseline's, without blocking the event loop (so two can overlap). */
function dockerRunRmAsync(): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('docker', DOCKER_RUN_RM, { stdio: 'ignore' });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`docker run failed with exit code ${code}`))));
  });
}

/**
 * Throughput of `docker run --rm` alone, `count` containers two at a time against one at a time:
 * the most any harness that starts one container per attempt can gain from concurrency 2 here.
 */
async function dockerRunScaling(count = 8): Promise<number> {
  const stream = async (n: number): Promise<void> => {
    for (let i = 0; i < n; i++) await dockerRunRmAsync();
  };
  let started = performance.now();
  await stream(count);
  const serial = performance.now() - started;
  started = performance.now();
  await Promise.all([stream(count / 2), stream(count / 2)]);
  return serial / (performance.now() - started);
}

/**
 * The floor under any harness that keeps the official sequence's effect: one `docker run --rm` of
 * the image running an attempt's own commands (the task set-up, the internet probe that must
 * fail, the gold decision written, the grading's unzip and the decision read back) as the engine
 * runs them, in one batch script (`stepsScript`: each step its own `sh -c` in the working dir).
 * No exec round trips, and `--network none` leaves nothing to cut. What is left above
 * `docker run --rm` is the commands' own work, which no scheduling of them removes.
 */
function officialWorkFloor(task: TaskDetail): number {
  const cwd = task.cwd ?? '/app/expensify';
  const probe: ExecStep = { command: profileForImage(IMAGE).internetProbe };
  const steps: ExecStep[] = [
    ...setUpSteps(task, cwd),
    probe,
    { command: `echo '{"selected_proposal_id": ${task.correctProposalId ?? 0}}' > manager_decisions.json` },
    unzipTests,
    readFileStep(`${cwd}/manager_decisions.json`),
  ];
  const nonce = `floor-${randomBytes(8).toString('hex')}`;
  const started = performance.now();
  const r = spawnSync('docker', ['run', '--rm', '--network', 'none', '-w', cwd, '--entrypoint', 'sh', IMAGE, '-c', stepsScript(steps, nonce)], { encoding: 'utf8' });
  const elapsed = performance.now() - started;
  // Every step ended, with the engine's verdict: the probe failing, everything else passing.
  const codes = [...r.stdout.matchAll(new RegExp(`${nonce}:e:(\\d+):(-?\\d+)`, 'g'))].map((m) => Number(m[2]));
  const wrong = steps.findIndex((step, i) => codes[i] === undefined || (step === probe ? codes[i] === 0 : codes[i] !== 0));
  if (r.status !== 0 || wrong >= 0) throw new Error(`the floor's commands failed at \`${steps[wrong]?.command.slice(0, 80) ?? 'the start'}\` (exit ${r.status}): ${r.stderr}`);
  return elapsed;
}

const span = (a: string | null | undefined, b: string | null | undefined): number => Date.parse(b ?? '') - Date.parse(a ?? '');

/**
 * The machine's CPU time (busy and idle, in seconds, all cores) from /proc/stat, and this
 * process's own: what an attempt costs the machine, and how much of it is the workbench. On
 * 2 cores, attempts that keep both busy at concurrency 2 cannot run twice as fast as at 1.
 */
function cpuNow(): { busy: number; idle: number; own: number } {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = fields;
  const ticks = 100; // USER_HZ on Linux
  const own = process.cpuUsage();
  return { busy: (user + nice + system + irq + softirq + steal) / ticks, idle: (idle + iowait) / ticks, own: (own.user + own.system) / 1e6 };
}

/** One trivial run's figures. */
interface TrivialRun {
  perMinute: number;
  /** CPU seconds per attempt (the whole machine, and this process), and the share of the cores busy. */
  cpu: { perAttempt: number; own: number; busyShare: number };
  /** Everything but the solver's own phase: median per attempt from the ledger, and from the run's wall time. */
  ledgerOverhead: number;
  wallOverhead: number;
  phases: string;
}

interface Round {
  baseline: number;
  /** `docker run --rm` alone: throughput two at a time against one at a time. */
  baselineScaling: number;
  /** officialWorkFloor, median over the run's manager tasks. */
  floor: number;
  runs: Record<number, TrivialRun>;
  /** Concurrency 1 on the store without spare network holders. */
  withoutSpares: TrivialRun;
  firstAction: number;
}

async function trivialRun(wb: Workbench, managers: TaskDetail[], concurrency: number): Promise<TrivialRun> {
  const runId = await wb.engine.createRun({ datasetId: 'sample', taskIds: managers.map((t) => t.questionId), solver: { kind: 'gold' }, concurrency, attempts: REPEATS });
  const cpuBefore = cpuNow();
  const started = performance.now();
  await wb.engine.start(runId);
  const wall = performance.now() - started;
  const cpuAfter = cpuNow();
  const run = wb.runs.getRun(runId);
  if (run.tally.passed !== run.attempts.length) throw new Error(`run ${runId}: ${run.tally.passed} of ${run.attempts.length} passed`);
  const busy = cpuAfter.busy - cpuBefore.busy;
  const perAttempt = run.attempts.map((a) => {
    const d = wb.runs.attemptDetail(a.id);
    const own = d.phases.filter((p) => p.phase === 'solving').reduce((sum, p) => sum + span(p.startedAt, p.endedAt), 0);
    return { total: span(a.startedAt, a.finishedAt), own, phases: d.phases };
  });
  const sample = perAttempt[Math.floor(perAttempt.length / 2)]!;
  return {
    perMinute: (run.attempts.length / wall) * 60_000,
    cpu: { perAttempt: busy / run.attempts.length, own: (cpuAfter.own - cpuBefore.own) / run.attempts.length, busyShare: busy / (busy + cpuAfter.idle - cpuBefore.idle) },
    ledgerOverhead: median(perAttempt.map((p) => p.total - p.own)),
    wallOverhead: wall / run.attempts.length - median(perAttempt.map((p) => p.own)),
    phases: sample.phases.map((p) => `${p.phase} ${s(span(p.startedAt, p.endedAt))}`).join(', '),
  };
}

async function oneRound(wb: Workbench, plain: Workbench, managers: TaskDetail[], ics: string[]): Promise<Round> {
  const baseline = median([dockerRunRm(), dockerRunRm(), dockerRunRm(), dockerRunRm(), dockerRunRm()]);
  const floor = median(managers.map(officialWorkFloor));
  const baselineScaling = await dockerRunScaling();
  const round: Partial<Round> = { baseline, baselineScaling, floor, runs: {} };
  round.runs![1] = await trivialRun(wb, managers, 1);
  round.withoutSpares = await trivialRun(plain, managers, 1);
  round.runs![2] = await trivialRun(wb, managers, 2);
  // Time to first action: IC tasks, one test run each (the grading is not what is measured).
  const runId = await wb.engine.createRun({ datasetId: 'sample', taskIds: ics, solver: { kind: 'gold' }, concurrency: 1 });
  await wb.engine.start(runId);
  const firsts = wb.runs.getRun(runId).attempts.map((a) => wb.runs.attemptDetail(a.id).firstActionMs ?? NaN);
  round.firstAction = median(firsts);
  return round as Round;
}

async function main(): Promise<void> {
  await ensureSampleImages();
  const { dir, cleanup } = makeTempDir('lancer-bench-engine-');
  const plainDir = makeTempDir('lancer-bench-engine-plain-');
  const wb = new Workbench({ dataDir: dir, version: 'bench', transport: 'cli' });
  const plain = new Workbench({
    dataDir: plainDir.dir,
    version: 'bench',
    transport: 'cli',
    runtime: new DockerRuntime(createDockerClient(), storeIdFor(plainDir.dir), { spareHolders: false }),
  });
  try {
    for (const w of [wb, plain]) {
      w.settings.update({ testRuns: 1 });
      await importDataset(w.datasets, { path: sampleCsv, issuesDir: sampleIssues, name: 'sample' });
    }
    const managers = wb.datasets.listTasks({ datasetId: 'sample', variant: 'swe_manager' }).map((t) => wb.datasets.getTask(`sample/${t.questionId}`));
    const ics = wb.datasets.listTasks({ datasetId: 'sample', variant: 'ic_swe' }).map((t) => t.questionId).slice(0, 3);
    // One untimed run first on each store: its network, image caches and the page cache warm up.
    for (const w of [wb, plain]) await w.engine.start(await w.engine.createRun({ datasetId: 'sample', taskIds: managers.slice(0, 2).map((t) => t.questionId), solver: { kind: 'gold' } }));

    const results: Round[] = [];
    for (let i = 0; i < rounds; i++) {
      const r = await oneRound(wb, plain, managers, ics);
      results.push(r);
      const [one, two, none] = [r.runs[1]!, r.runs[2]!, r.withoutSpares];
      const overhead = (t: TrivialRun): string =>
        `${s(t.ledgerOverhead)} = ${(t.ledgerOverhead / r.baseline).toFixed(2)}× (from the run's wall time ${s(t.wallOverhead)} = ${(t.wallOverhead / r.baseline).toFixed(2)}×)`;
      console.log(
        `round ${i + 1}: docker run --rm ${s(r.baseline)}; floor (the attempt's commands in that run) ${s(r.floor)} = ${(r.floor / r.baseline).toFixed(2)}×; overhead per attempt ${overhead(one)}; ` +
          `${one.perMinute.toFixed(1)} / ${two.perMinute.toFixed(1)} tasks/min at concurrency 1 / 2 = ${(two.perMinute / one.perMinute).toFixed(2)}× ` +
          `(docker run --rm alone, two at a time: ${r.baselineScaling.toFixed(2)}×); ` +
          `first action ${(r.firstAction / 1000).toFixed(2)} s`,
      );
      console.log(`  one attempt by phase: ${one.phases}`);
      console.log(`  without spare network holders: overhead per attempt ${overhead(none)}; ${none.perMinute.toFixed(1)} tasks/min at concurrency 1; one attempt: ${none.phases}`);
      const cpu = (t: TrivialRun): string => `${t.cpu.perAttempt.toFixed(2)} CPU-s (the workbench ${t.cpu.own.toFixed(2)}), cores ${Math.round(t.cpu.busyShare * 100)}% busy`;
      console.log(`  machine CPU per attempt: concurrency 1 ${cpu(one)}; concurrency 2 ${cpu(two)}; concurrency 1 without spares ${cpu(none)}`);
    }
    const range = (xs: number[], f: (n: number) => string): string => `${f(Math.min(...xs))}–${f(Math.max(...xs))}`;
    const x = (n: number): string => `${n.toFixed(2)}×`;
    const ratios = results.map((r) => r.runs[1]!.ledgerOverhead / r.baseline);
    const wallRatios = results.map((r) => r.runs[1]!.wallOverhead / r.baseline);
    const floorRatios = results.map((r) => r.floor / r.baseline);
    const plainRatios = results.map((r) => r.withoutSpares.ledgerOverhead / r.baseline);
    const scaling = results.map((r) => r.runs[2]!.perMinute / r.runs[1]!.perMinute);
    const baselineScaling = results.map((r) => r.baselineScaling);
    const firsts = results.map((r) => r.firstAction / 1000);
    const met = (ok: boolean): string => (ok ? 'met' : 'NOT met');
    console.log(`\n${rounds} rounds (${managers.length} manager tasks × ${REPEATS} per run; ${ics.length} IC tasks for the first action):`);
    console.log(`  overhead per attempt: ${range(ratios, x)} docker run --rm (wall-time figure ${range(wallRatios, x)}); goal ≤ 1.3×: ${met(median(ratios) <= 1.3)} (median ${x(median(ratios))})`);
    console.log(`  floor, the attempt's own commands run in that docker run --rm: ${range(floorRatios, x)} (median ${x(median(floorRatios))}); the goal is ${median(floorRatios) > 1.3 ? 'below' : 'above'} it`);
    console.log(`  the same without spare network holders: ${range(plainRatios, x)} (median ${x(median(plainRatios))})`);
    console.log(`  concurrency 2 against 1: ${range(scaling, x)}; goal ≥ 1.8×: ${met(median(scaling) >= 1.8)} (median ${x(median(scaling))})`);
    console.log(
      `  docker run --rm alone, two at a time against one at a time: ${range(baselineScaling, x)} (median ${x(median(baselineScaling))}); ` +
        `the goal is ${median(baselineScaling) < 1.8 ? 'above' : 'below'} what Docker itself reaches here`,
    );
    console.log(`  time to first action: ${range(firsts, (n) => `${n.toFixed(2)} s`)}; goal < 1 s: ${met(median(firsts) < 1)}`);
  } finally {
    await wb.close();
    await plain.close();
    cleanup();
    plainDir.cleanup();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
