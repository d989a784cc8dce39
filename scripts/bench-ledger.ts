/**
 * `npm run bench:ledger`: the run ledger at scale. A synthetic store of 70 runs, 100,000 attempts
 * (phases, agent transcripts, artifact links, patches and grader logs where a real run has them)
 * and 10,000,000 attempt log lines, written through the real schema. Measures:
 *   (a) the Runs page's list of runs: the `runs.list` handler, and the page in Chromium;
 *   (b) opening the run with 1,488 attempts: the `runs.get` handler, and the click in Chromium;
 *   (c) `lancer results RUN`: its query and formatting in-process, and the command as a process;
 *   (d) the database file against the data it holds.
 * Goals: (a), (b), (c) under 300 ms each; (d) under 2×.
 *
 * Generating 10 million rows takes minutes, so the store is kept under the OS temp dir, keyed by
 * the migrations' hashes and the generator's version: a schema change makes a new one.
 * Flags: --regenerate, --compute-only (no Chromium), --sizes (bytes per table and index, slow),
 * --repeat=N (timed repetitions, default 7), --renderer=DIR (a built renderer other than out/renderer).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resultsCommand } from '../src/cli/commands/results';
import { capturingCliContext } from '../tests/helpers/cli-context';
import { databasePath } from '../src/main/core/paths';
import { createRng } from '../src/main/core/reports/stats';
import { defaultMigrationsDir, loadMigrations, openDatabase, type Db } from '../src/main/core/store/database';
import { attemptIdFor, RunRepo, type LogLine } from '../src/main/core/store/run-repo';
import { Workbench } from '../src/main/core/workbench';
import { createHandlers } from '../src/main/core/handlers/handlers';
import { openBenchPage } from './bench-page';

const root = path.resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const flag = (name: string): boolean => args.includes(`--${name}`);
const REPEAT = Number(args.find((a) => a.startsWith('--repeat='))?.slice('--repeat='.length) ?? 7);

const RUNS = 70;
const ATTEMPTS = 100_000;
const LOG_LINES = 10_000_000;
const TASKS = 1488;
const GOAL_MS = 300;
const GOAL_RATIO = 2;
/** Bumped when the generator writes something different, so a cached store is not reused. */
const GENERATOR = 'ledger-2';

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const ms = (n: number): string => `${n.toFixed(n < 10 ? 1 : 0)} ms`;
const mb = (n: number): string => `${(n / 1e6).toFixed(0)} MB`;
const verdict = (ok: boolean): string => (ok ? 'met' : 'NOT met');

// ---------------------------------------------------------------------------------------------
// The synthetic ledger
// ---------------------------------------------------------------------------------------------

interface Meta {
  generator: string;
  targetRunId: string;
  runIds: string[];
  attempts: number;
  logLines: number;
  generatedMs: number;
  /**
   * What the store holds, as the bytes of its values written out as text (strings in UTF-8,
   * numbers in decimal, NULL as nothing), counted by the generator as it writes, so the measure
   * does not depend on how the schema lays the rows out. `rows`: every logical row's values,
   * including the parent key each child row repeats (the attempt id on each of its log lines,
   * phases, steps and artifact links). `content`: the same with each of those keys counted once.
   */
  data: { rows: number; content: number; byTable: Record<string, { rows: number; content: number; count: number }> };
}

/** Counts the bytes of the values written, per table (see Meta.data). */
class DataCount {
  readonly byTable: Record<string, { rows: number; content: number; count: number }> = {};

  add(table: string, values: readonly unknown[], repeatedKeys = 0): void {
    let rows = 0;
    let keys = 0;
    for (let i = 0; i < values.length; i++) {
      const n = byteLength(values[i]);
      rows += n;
      if (i < repeatedKeys) keys += n;
    }
    const t = (this.byTable[table] ??= { rows: 0, content: 0, count: 0 });
    t.rows += rows;
    t.content += rows - keys;
    t.count += 1;
  }

  totals(): Meta['data'] {
    let rows = 0;
    let content = 0;
    for (const t of Object.values(this.byTable)) {
      rows += t.rows;
      content += t.content;
    }
    return { rows, content, byTable: this.byTable };
  }
}

function byteLength(v: unknown): number {
  if (v === null || v === undefined) return 0;
  if (typeof v === 'string') return Buffer.byteLength(v);
  return String(v).length;
}

interface Task {
  id: string;
  manager: boolean;
  price: number;
}

/** SWE-Lancer's shape: 1,488 tasks, about half manager tasks; prices from $250 to $32,000. */
function makeTasks(rng: () => number): Task[] {
  const prices = [250, 500, 1000, 1000, 2000, 4000, 8000, 16000, 32000];
  return Array.from({ length: TASKS }, (_, i) => {
    const manager = i % 2 === 1;
    // Distinct issue numbers, in the range Expensify's issues have.
    const issue = 10000 + i * 33 + Math.floor(rng() * 33);
    return {
      id: manager ? `${issue}-manager-0` : `${issue}_${100 + Math.floor(rng() * 900)}`,
      manager,
      price: prices[Math.floor(rng() ** 2 * prices.length)]!,
    };
  });
}

type SolverKind = 'gold' | 'null' | 'predictions' | 'imported' | 'builtin';

interface RunPlan {
  solver: SolverKind;
  tasks: number;
  repeats: number;
  status: 'finished' | 'cancelled' | 'paused';
  passRate: number;
  retryRate: number;
  concurrency: number;
}

/**
 * Seventy runs as a team accumulates them over months: full benchmark runs (1,488 tasks) of
 * gold, null and agents; repeated runs over subsets (pass@k); small debugging runs. The first
 * is the 1,488-attempt agent run the bench opens; the last is sized so the total is exactly
 * 100,000 attempts (every try is a row).
 */
function planRuns(rng: () => number): RunPlan[] {
  const plans: RunPlan[] = [{ solver: 'builtin', tasks: TASKS, repeats: 1, status: 'finished', passRate: 0.3, retryRate: 0, concurrency: 8 }];
  const kinds: SolverKind[] = ['gold', 'builtin', 'null', 'predictions', 'gold', 'builtin', 'imported', 'gold'];
  for (let i = 1; i < RUNS - 1; i++) {
    const solver = kinds[i % kinds.length]!;
    const shape = i % 7;
    const tasks = shape <= 2 ? TASKS : shape === 3 ? 463 : shape === 4 ? 237 : shape === 5 ? 40 + Math.floor(rng() * 400) : 1 + Math.floor(rng() * 30);
    const repeats = shape === 3 || shape === 4 ? 3 + Math.floor(rng() * 3) : 1;
    plans.push({
      solver,
      tasks,
      repeats,
      status: i % 23 === 0 ? 'cancelled' : i % 31 === 0 ? 'paused' : 'finished',
      passRate: solver === 'gold' ? 0.97 : solver === 'null' ? 0.01 : 0.2 + rng() * 0.3,
      retryRate: solver === 'imported' ? 0 : 0.01 + rng() * 0.02,
      concurrency: 2 + Math.floor(rng() * 8),
    });
  }
  plans.push({ solver: 'gold', tasks: 1, repeats: 1, status: 'finished', passRate: 0.97, retryRate: 0, concurrency: 4 });
  return plans;
}

interface PlannedAttempt {
  id: string;
  task: Task;
  attemptIndex: number;
  tryIndex: number;
  retried: boolean;
  state: 'passed' | 'failed' | 'timeout' | 'error' | 'cancelled' | 'queued';
}

/** Each run's attempt rows; retries decided here so the total can be made exact. */
function planAttempts(runId: string, plan: RunPlan, tasks: Task[], rng: () => number): PlannedAttempt[] {
  const out: PlannedAttempt[] = [];
  const chosen = plan.tasks === TASKS ? tasks : Array.from({ length: plan.tasks }, (_, i) => tasks[(i * 7 + 3) % TASKS]!);
  const total = chosen.length * plan.repeats;
  for (let index = 0; index < plan.repeats; index++) {
    chosen.forEach((task, t) => {
      const position = index * chosen.length + t;
      // A cancelled or paused run stopped partway: its last attempts never started.
      if (plan.status !== 'finished' && position > total * 0.6) {
        out.push({ id: attemptIdFor(runId, task.id, index, 0), task, attemptIndex: index, tryIndex: 0, retried: false, state: plan.status === 'paused' ? 'queued' : 'cancelled' });
        return;
      }
      let tryIndex = 0;
      while (tryIndex < 2 && rng() < plan.retryRate) {
        out.push({ id: attemptIdFor(runId, task.id, index, tryIndex), task, attemptIndex: index, tryIndex, retried: true, state: 'error' });
        tryIndex++;
      }
      const r = rng();
      const state = r < plan.passRate ? 'passed' : r < plan.passRate + 0.02 ? 'timeout' : r < plan.passRate + 0.03 ? 'error' : 'failed';
      out.push({ id: attemptIdFor(runId, task.id, index, tryIndex), task, attemptIndex: index, tryIndex, retried: false, state });
    });
  }
  return out;
}

const hex = (rng: () => number, n: number): string => {
  let s = '';
  while (s.length < n) s += Math.floor(rng() * 0x100000000).toString(16).padStart(8, '0');
  return s.slice(0, n);
};
const pick = <T>(rng: () => number, xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)]!;

const PACKAGES = ['react-native', 'webpack', '@babel/core', 'metro', 'expo-modules-core', 'onyx', 'lodash', 'jest', 'typescript', 'eslint', 'pusher-js', 'react-native-reanimated'];
const FILES = ['src/libs/actions/IOU.ts', 'src/pages/home/report/ReportActionItem.tsx', 'src/components/MoneyRequestConfirmationList.tsx', 'src/libs/ReportUtils.ts', 'src/CONST.ts', 'src/languages/en.ts', 'src/pages/workspace/WorkspaceInitialPage.tsx'];
const WORDS = ['report', 'expense', 'workspace', 'member', 'chat', 'invoice', 'settle', 'approve', 'thread', 'avatar', 'search', 'receipt', 'tag', 'category'];

/** A line as the containers print them: npm, webpack, git, the solver, pytest and Playwright. */
function logText(rng: () => number, phase: LogLine['phase'], task: Task, i: number): string {
  const n = Math.floor(rng() * 1000);
  switch (phase) {
    case 'starting':
      return pick(rng, [
        `creating container for ${task.id} (image swelancer/swelancer_x86_${task.id}:releasev1)`,
        `network lancer-${hex(rng, 12)} created; container ${hex(rng, 12)} started`,
        `copying the task's files into /app/tests (${n} kB)`,
      ]);
    case 'setup':
      return pick(rng, [
        `npm WARN deprecated ${pick(rng, PACKAGES)}@${n % 9}.${n % 17}.${n % 5}: This version is no longer supported. Please upgrade.`,
        `added ${n + 300} packages, and audited ${n + 1900} packages in ${(rng() * 90).toFixed(0)}s`,
        `[webpack-cli] Compiler is watching files for updates... (${n} modules)`,
        `Step ${i % 40}/40 : RUN git checkout ${hex(rng, 40)} && npm ci --no-audit`,
        `Collecting ${pick(rng, ['pytest', 'playwright', 'pytest-asyncio', 'numpy', 'requests'])}==${n % 9}.${n % 13}.${n % 7}`,
        `webpack ${n % 6}.${n % 90}.0 compiled with ${n % 4} warnings in ${n * 13} ms`,
        `${n} packages are looking for funding`,
      ]);
    case 'solving':
      return pick(rng, [
        `$ git apply --whitespace=nowarn /tmp/prediction.patch`,
        `patching file ${pick(rng, FILES)} (${n % 40} hunks)`,
        `[agent] running: grep -rn "${pick(rng, WORDS)}" src/ | head -${n % 50}`,
        `[agent] edited ${pick(rng, FILES)}: +${n % 60} -${n % 25} lines`,
        `[proxy] request ${i} ${n * 37} tokens in, ${n * 3} out (${(rng() * 9).toFixed(1)} s)`,
      ]);
    case 'grading':
      return pick(rng, [
        `tests/${task.id}/test.py::test_${pick(rng, WORDS)}_${pick(rng, WORDS)} ${rng() < 0.8 ? 'PASSED' : 'FAILED'} [${String(n % 101).padStart(3)}%]`,
        `  ✓  ${n % 40} [chromium] › tests/${task.id}.spec.ts:${n % 300}:${n % 30} › ${pick(rng, WORDS)} a ${pick(rng, WORDS)} from the ${pick(rng, WORDS)} (${n * 7}ms)`,
        `    at Object.<anonymous> (${pick(rng, FILES)}:${n % 900}:${n % 80})`,
        `=================== ${n % 9} passed, ${n % 30} warnings in ${(rng() * 200).toFixed(2)}s ===================`,
        `E       AssertionError: expected ${pick(rng, WORDS)} to be visible within 5000 ms`,
        `[grader] test run ${n % 3}: exit code ${n % 2}`,
      ]);
    case 'cleanup':
      return `removed container ${hex(rng, 12)} and network lancer-${hex(rng, 12)}`;
  }
}

function patchText(rng: () => number): string {
  const lines: string[] = [];
  const files = 1 + Math.floor(rng() * 3);
  for (let f = 0; f < files; f++) {
    const file = pick(rng, FILES);
    lines.push(`diff --git a/${file} b/${file}`, `index ${hex(rng, 7)}..${hex(rng, 7)} 100644`, `--- a/${file}`, `+++ b/${file}`);
    const hunks = 1 + Math.floor(rng() * 4);
    for (let h = 0; h < hunks; h++) {
      const at = Math.floor(rng() * 2000);
      lines.push(`@@ -${at},7 +${at},${8 + h} @@ function ${pick(rng, WORDS)}${pick(rng, WORDS)}(report) {`);
      for (let l = 0; l < 8; l++) {
        const sign = l === 3 ? '-' : l >= 4 && l < 6 ? '+' : ' ';
        lines.push(`${sign}    const ${pick(rng, WORDS)} = ${pick(rng, WORDS)}Utils.get${pick(rng, WORDS)}(report?.${pick(rng, WORDS)}ID ?? '');`);
      }
    }
  }
  return lines.join('\n') + '\n';
}

function graderJson(rng: () => number, task: Task, earned: number, passed: boolean): string {
  if (task.manager) {
    const correct = 1 + Math.floor(rng() * 4);
    return JSON.stringify({ variant: 'swe_manager', earned, available: task.price, submitted: passed ? correct : 1 + ((correct + 1) % 4), correct, notes: passed ? 'chose the hired proposal' : 'chose another proposal' });
  }
  const runs = 1 + Math.floor(rng() * 3);
  const testRuns = Array.from({ length: runs }, (_, r) => ({
    exitCode: passed ? 0 : 1,
    log: Array.from({ length: 12 }, (_, l) => `tests/${task.id}/test.py::test_${pick(rng, WORDS)}_${l} ${passed || l < 10 ? 'PASSED' : 'FAILED'} [${Math.round(((l + 1) / 12) * 100)}%] run ${r}`).join('\n'),
  }));
  return JSON.stringify({ variant: 'ic_swe', earned, available: task.price, testRuns, pytestExit: passed ? 0 : 1, notes: passed ? 'every test run passed' : 'a test failed' });
}

function usageOf(rng: () => number): { requests: number; inputTokens: number; cachedTokens: number; outputTokens: number; reasoningTokens: number; costUsd: number; estimated: boolean } {
  const requests = 4 + Math.floor(rng() * 40);
  const inputTokens = requests * (8000 + Math.floor(rng() * 30000));
  const outputTokens = requests * (200 + Math.floor(rng() * 2000));
  const cachedTokens = Math.floor(inputTokens * rng() * 0.6);
  return { requests, inputTokens, cachedTokens, outputTokens, reasoningTokens: Math.floor(outputTokens * rng() * 0.5), costUsd: Math.round((inputTokens * 2.5 + outputTokens * 10) / 1e2) / 1e4, estimated: rng() < 0.02 };
}

/** Log lines per attempt: skewed (a few attempts print a lot), exactly LOG_LINES in all. */
function lineCounts(started: boolean[], rng: () => number): Uint32Array {
  const weights = started.map((s) => (s ? Math.exp(1.1 * Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng())) : 0));
  const sum = weights.reduce((a, b) => a + b, 0);
  const counts = new Uint32Array(started.length);
  let given = 0;
  weights.forEach((w, i) => {
    counts[i] = Math.floor((w / sum) * LOG_LINES);
    given += counts[i]!;
  });
  for (let i = 0; given < LOG_LINES; i = (i + 1) % counts.length) {
    if (started[i]) {
      counts[i]! += 1;
      given += 1;
    }
  }
  return counts;
}

const PHASES: LogLine['phase'][] = ['starting', 'setup', 'solving', 'grading'];
const PHASE_SHARE = [0.03, 0.35, 0.2, 0.42];

function generate(dir: string): Meta {
  const started = performance.now();
  const db = openDatabase(databasePath(dir));
  // One big write of a new file: a rollback journal (a write-ahead log would hold the whole
  // store a second time until the end), no fsync, a page cache that holds the indexes.
  db.pragma('journal_mode = DELETE');
  db.pragma('synchronous = OFF');
  db.pragma('cache_size = -524288');
  const repo = new RunRepo(db);
  const rng = createRng(20250601);
  const data = new DataCount();
  const tasks = makeTasks(rng);
  const plans = planRuns(rng);
  const epoch = Date.parse('2025-03-01T09:00:00.000Z');
  const iso = (t: number): string => new Date(t).toISOString();

  // Every run's attempts are planned first: the repeated runs take more repeats until the
  // last run can take up exactly what makes 100,000 (every try is a row).
  const runIds = plans.map((_, i) => `run-${iso(epoch + i * 86_400_000 * 1.3).replace(/[-:]/g, '').replace('T', '-').slice(0, 15)}-${hex(rng, 6)}`);
  const planned = plans.map((plan, i) => (i === plans.length - 1 ? [] : planAttempts(runIds[i]!, plan, tasks, rng)));
  const total = (): number => planned.reduce((n, p) => n + p.length, 0);
  const repeated = plans.map((p, i) => i).filter((i) => plans[i]!.repeats > 1);
  for (let k = 0; ATTEMPTS - total() > TASKS; k++) {
    const i = repeated[k % repeated.length]!;
    plans[i]!.repeats += 1;
    planned[i] = planAttempts(runIds[i]!, plans[i]!, tasks, rng);
  }
  const rest = ATTEMPTS - total();
  if (rest < 1) throw new Error(`the run plan leaves ${rest} attempts for the last run`);
  const last = plans.length - 1;
  plans[last] = { ...plans[last]!, tasks: rest };
  planned[last] = planAttempts(runIds[last]!, plans[last]!, tasks, rng);
  const all = planned.flat();
  if (all.length !== ATTEMPTS) throw new Error(`planned ${all.length} attempts, not ${ATTEMPTS}`);
  const counts = lineCounts(all.map((a) => a.state !== 'queued' && a.state !== 'cancelled'), rng);

  const insertDataset = db.prepare('INSERT INTO datasets (id, name, created_at) VALUES (?, ?, ?)');
  const insertVersion = db.prepare(`INSERT INTO dataset_versions (id, dataset_id, version, content_hash, csv_hash, issues_hash, schema, source_path, issues_dir,
    columns_json, extra_columns_json, skipped_json, imported_at) VALUES (1, ?, 1, ?, ?, NULL, 'current', ?, ?, '[]', '[]', '[]', ?)`);
  const insertRun = db.prepare(`INSERT INTO runs (id, status, dataset_id, version_id, solver_json, manifest_json, concurrency, max_retries, owner_pid, created_at, finished_at, waiting)
    VALUES (?, ?, ?, 1, ?, ?, ?, ?, NULL, ?, ?, NULL)`);
  const finishRun = db.prepare('UPDATE runs SET finished_at = ? WHERE id = ?');
  const insertAttempt = db.prepare(`INSERT INTO attempts (id, run_id, question_id, attempt_index, try_index, retried, state, phase, image, price, earned,
      owner_pid, container_id, network_id, queued_at, started_at, finished_at, error,
      usage_json, stop_reason, grading_json, outside_changes_json, processes_left_json, agent_usage_json)
    VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const insertOutputs = db.prepare('INSERT INTO attempt_outputs (attempt_id, patch, decision_json, grader_json) VALUES (?, ?, ?, ?)');
  const insertPhase = db.prepare('INSERT INTO attempt_phases (attempt_id, phase, started_at, ended_at, status) VALUES (?, ?, ?, ?, ?)');
  const insertStep = db.prepare(`INSERT INTO agent_steps (attempt_id, idx, at, kind, message, tool_call_json, observation, observation_bytes, observation_sha256,
    exit_code, duration_ms, usage_json, cost_usd, fallback, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, NULL)`);
  const insertArtifact = db.prepare('INSERT INTO artifacts (sha256, bytes, created_at) VALUES (?, ?, ?)');
  const linkArtifact = db.prepare('INSERT INTO attempt_artifacts (attempt_id, kind, name, sha256) VALUES (?, ?, ?, ?)');

  let lineTotal = 0;
  db.transaction(() => {
    const created = iso(epoch - 86_400_000);
    insertDataset.run('swelancer', 'swelancer', created);
    data.add('datasets', ['swelancer', 'swelancer', created]);
    const versionValues = ['swelancer', hex(rng, 64), hex(rng, 64), '/data/swelancer_tasks.csv', '/data/issues', created] as const;
    insertVersion.run(...versionValues);
    data.add('dataset_versions', [1, ...versionValues, 'current', 1, '[]', '[]', '[]']);

    let attemptOffset = 0;
    plans.forEach((plan, r) => {
      const runId = runIds[r]!;
      const attempts = planned[r]!;
      const runStart = epoch + r * 86_400_000 * 1.3;
      const solver = solverSpec(plan.solver, r);
      const taskIds = [...new Set(attempts.map((a) => a.task.id))];
      const manifest = {
        appVersion: '0.1.0',
        createdAt: iso(runStart),
        dataset: { id: 'swelancer', versionId: 1, version: 1, contentHash: hex(rng, 64) },
        taskIds,
        images: Object.fromEntries(taskIds.map((id) => [id, { name: `swelancer/swelancer_x86_${id}:releasev1`, id: `sha256:${hex(rng, 64)}` }])),
        profile: Object.fromEntries(taskIds.map((id) => [id, 'official'])),
        solver,
        timeoutsSec: { setup: 1800, solve: 3600, grade: 1800 },
        testRuns: 3,
        attemptsPerTask: plan.repeats,
        maxRetries: 2,
        grading: 'official',
        concurrency: plan.concurrency,
        limits: { cpus: 4, memoryMb: 16384, shmMb: 2048 },
        host: { platform: 'linux', arch: 'x64', node: 'v22.12.0', docker: '27.5.1' },
      };
      // Attempts run `concurrency` at a time; a group's log lines interleave as the engine's
      // quarter-second flushes write them.
      // The run's row comes first (its attempts refer to it); when it ended is known at the end.
      const runValues = [runId, plan.status, 'swelancer', JSON.stringify(solver), JSON.stringify(manifest), plan.concurrency, 2, iso(runStart)] as const;
      insertRun.run(...runValues, null);
      let clock = runStart;
      for (let g = 0; g < attempts.length; g += plan.concurrency) {
        const group = attempts.slice(g, g + plan.concurrency);
        const pending: { id: string; task: Task; lines: number; written: number; start: number; end: number }[] = [];
        let groupEnd = clock;
        group.forEach((a, k) => {
          const index = attemptOffset + g + k;
          const ran = a.state !== 'queued' && a.state !== 'cancelled';
          const start = clock + Math.floor(rng() * 30_000);
          const end = start + 120_000 + Math.floor(rng() * 1_500_000);
          if (ran) groupEnd = Math.max(groupEnd, end);
          writeAttempt(a, runId, plan, ran, start, end, clock);
          if (ran) pending.push({ id: a.id, task: a.task, lines: counts[index]!, written: 0, start, end });
        });
        writeLogs(pending);
        clock = groupEnd + 5_000;
      }
      attemptOffset += attempts.length;
      const finishedAt = plan.status === 'paused' ? null : iso(clock);
      finishRun.run(finishedAt, runId);
      data.add('runs', [...runValues, finishedAt, 1]);
    });

    function solverSpec(kind: SolverKind, r: number): unknown {
      switch (kind) {
        case 'gold':
        case 'null':
          return { kind };
        case 'predictions':
          return { kind, file: `/home/me/predictions/run-${r}.jsonl`, sha256: hex(rng, 64), count: TASKS };
        case 'imported':
          return { kind, file: `/home/me/results/results-${r}.csv`, sha256: hex(rng, 64), rows: TASKS, label: `paper o1 #${r}` };
        case 'builtin':
          return {
            kind,
            agent: { name: 'builtin' },
            endpoint: { name: 'openai', baseUrl: 'https://api.openai.com/v1', model: r % 2 ? 'gpt-4o-2024-08-06' : 'o3-mini', apiKey: { source: 'env', name: 'OPENAI_API_KEY' }, prices: { inputPerM: 2.5, cachedInputPerM: 1.25, outputPerM: 10 }, contextTokens: 128000, params: {} },
            protocol: 'tools',
            limits: { maxTurns: 50, maxTokens: null, attemptBudgetUsd: 5, wallTimeSec: 3600, actionTimeoutSec: 600, observationMaxChars: 20000 },
            budgetUsd: 2000,
          };
      }
    }

    function writeAttempt(a: PlannedAttempt, runId: string, plan: RunPlan, ran: boolean, start: number, end: number, queued: number): void {
      const t = a.task;
      const passed = a.state === 'passed';
      const earned = passed ? t.price : 0;
      const agent = plan.solver === 'builtin';
      const solves = ran && plan.solver !== 'null' && plan.solver !== 'imported';
      const usage = agent && ran ? usageOf(rng) : null;
      // Drawn in the order the generator always drew them, so the same seed makes the same ledger.
      const head = [
        a.id, runId, t.id, a.attemptIndex, a.tryIndex, a.retried ? 1 : 0, a.state,
        `swelancer/swelancer_x86_${t.manager ? 'monolith' : t.id}:releasev1`, t.price, earned,
        ran ? hex(rng, 64) : null, ran ? hex(rng, 64) : null, iso(queued),
        ran ? iso(start) : null, a.state === 'queued' ? null : iso(ran ? end : queued),
      ] as const;
      const outputs = [
        solves && !t.manager && a.state !== 'error' ? patchText(rng) : null,
        solves && t.manager ? JSON.stringify({ selected_proposal_id: 1 + Math.floor(rng() * 4) }) : null,
        ran && a.state !== 'error' && plan.solver !== 'imported' ? graderJson(rng, t, earned, passed) : null,
      ] as const;
      const values = [
        ...head,
        a.state === 'error' ? `container exited with code 137 during setup: npm ci was killed (out of memory?)\n${logText(rng, 'setup', t, 0)}` : a.state === 'timeout' ? 'the solve phase took longer than 3600 s' : null,
        usage ? JSON.stringify(usage) : null,
        usage ? pick(rng, ['finished', 'finished', 'finished', 'turns', 'budget', 'time']) : null,
        null,
        agent && ran ? '[]' : null,
        agent && ran ? '[]' : null,
        null,
      ] as const;
      insertAttempt.run(...values);
      data.add('attempts', [...values.slice(0, 7), null, ...values.slice(7, 10), null, ...values.slice(10)]);
      if (outputs.some((v) => v !== null)) {
        insertOutputs.run(a.id, ...outputs);
        data.add('attempt_outputs', [a.id, ...outputs], 1);
      }
      if (!ran) return;

      const span = end - start;
      let at = start;
      PHASES.forEach((phase, p) => {
        const until = p === PHASES.length - 1 ? end : at + span * PHASE_SHARE[p]!;
        const row = [a.id, phase, iso(at), iso(until), p === PHASES.length - 1 ? a.state : 'ok'] as const;
        insertPhase.run(...row);
        data.add('attempt_phases', row, 1);
        at = until;
      });

      if (agent) {
        const steps = 4 + Math.floor(rng() * 24);
        for (let s = 0; s < steps; s++) {
          const model = s % 2 === 0;
          const observation = model ? null : Array.from({ length: 3 + Math.floor(rng() * 12) }, (_, l) => logText(rng, l % 2 ? 'grading' : 'solving', t, l)).join('\n');
          const big = !model && rng() < 0.1;
          const row = [
            a.id, s, iso(start + (span * s) / steps), model ? 'model' : 'tool',
            model ? `I will look at how ${pick(rng, WORDS)} ${pick(rng, WORDS)}s are ${pick(rng, WORDS)}ed in ${pick(rng, FILES)}, then change the ${pick(rng, WORDS)} check so the ${pick(rng, WORDS)} is not shown twice.` : null,
            model ? JSON.stringify({ name: 'bash', arguments: { command: `grep -rn "${pick(rng, WORDS)}" ${pick(rng, FILES)} | head -40` } }) : null,
            observation, observation === null ? null : big ? 40_000 + Math.floor(rng() * 200_000) : Buffer.byteLength(observation),
            big ? hex(rng, 64) : null, model ? null : rng() < 0.9 ? 0 : 1, Math.floor(rng() * 20_000),
            model ? JSON.stringify({ inputTokens: 9000 + Math.floor(rng() * 30000), cachedTokens: 4096, outputTokens: Math.floor(rng() * 1500), reasoningTokens: 0 }) : null,
            model ? Math.round(rng() * 1e4) / 1e5 : null,
          ] as const;
          insertStep.run(...row);
          data.add('agent_steps', [...row, 0, null], 1);
        }
      }

      // Traces and videos of the grading test runs (IC tasks), the model exchanges of agents.
      const artifacts: [string, string][] = [];
      if (!t.manager && a.state !== 'error') artifacts.push(['trace', 'trace-0.zip'], ...(rng() < 0.5 ? ([['video', 'video-0.webm']] as [string, string][]) : []));
      if (agent) artifacts.push(['log', 'model-exchanges.jsonl.gz']);
      for (const [kind, name] of artifacts) {
        const sha = hex(rng, 64);
        const artifact = [sha, 20_000 + Math.floor(rng() * 5_000_000), iso(end)] as const;
        insertArtifact.run(...artifact);
        data.add('artifacts', artifact);
        const link = [a.id, kind, name, sha] as const;
        linkArtifact.run(...link);
        data.add('attempt_artifacts', link, 1);
      }
    }

    function writeLogs(pending: { id: string; task: Task; lines: number; written: number; start: number; end: number }[]): void {
      const live = pending.filter((p) => p.lines > 0);
      while (live.length > 0) {
        const batch: LogLine[] = [];
        for (let k = live.length - 1; k >= 0; k--) {
          const p = live[k]!;
          const take = Math.min(p.lines - p.written, 1 + Math.floor(rng() * 12));
          for (let j = 0; j < take; j++, p.written++) {
            const f = p.written / p.lines;
            const phase = f < PHASE_SHARE[0]! ? 'starting' : f < PHASE_SHARE[0]! + PHASE_SHARE[1]! ? 'setup' : f < 1 - PHASE_SHARE[3]! ? 'solving' : 'grading';
            const line = { attemptId: p.id, phase, at: iso(p.start + Math.floor((p.end - p.start) * f)), text: logText(rng, phase, p.task, p.written) } satisfies LogLine;
            batch.push(line);
            // The line's id is made by the store; the values are these four.
            data.add('attempt_logs', [line.attemptId, line.phase, line.at, line.text], 1);
          }
          if (p.written >= p.lines) live.splice(k, 1);
        }
        repo.appendLogs(batch);
        lineTotal += batch.length;
      }
    }
  })();
  if (lineTotal !== LOG_LINES) throw new Error(`wrote ${lineTotal} log lines, not ${LOG_LINES}`);
  db.pragma('journal_mode = WAL');
  db.close();
  return {
    generator: GENERATOR,
    targetRunId: runIds[0]!,
    runIds,
    attempts: ATTEMPTS,
    logLines: lineTotal,
    generatedMs: performance.now() - started,
    data: data.totals(),
  };
}

/** The cached ledger for this schema, generated first if there is none. */
function ledger(): { dir: string; meta: Meta } {
  const key = createHash('sha256')
    .update(GENERATOR)
    .update(loadMigrations(defaultMigrationsDir()).map((m) => `${m.id}:${m.hash}`).join('\n'))
    .digest('hex')
    .slice(0, 16);
  const base = path.join(os.tmpdir(), 'lancer-bench-ledger');
  const dir = path.join(base, key);
  if (flag('regenerate')) rmSync(dir, { recursive: true, force: true });
  if (existsSync(path.join(dir, 'meta.json'))) {
    console.log(`ledger: cached in ${dir}`);
    return { dir, meta: JSON.parse(readFileSync(path.join(dir, 'meta.json'), 'utf8')) as Meta };
  }
  mkdirSync(base, { recursive: true });
  // Stores of other schemas are a few GB each and never read again.
  for (const name of readdirSync(base)) {
    if (name !== key) {
      console.log(`ledger: removing ${path.join(base, name)} (another schema or an unfinished generation)`);
      rmSync(path.join(base, name), { recursive: true, force: true });
    }
  }
  const partial = `${dir}.partial-${process.pid}`;
  mkdirSync(partial, { recursive: true });
  console.log(`ledger: generating ${RUNS} runs, ${ATTEMPTS.toLocaleString('en')} attempts, ${LOG_LINES.toLocaleString('en')} log lines in ${partial} (minutes; cached afterwards)…`);
  const meta = generate(partial);
  writeFileSync(path.join(partial, 'meta.json'), JSON.stringify(meta, null, 2));
  renameSync(partial, dir);
  console.log(`ledger: generated in ${(meta.generatedMs / 1000).toFixed(0)} s`);
  return { dir, meta };
}

// ---------------------------------------------------------------------------------------------
// Measurements
// ---------------------------------------------------------------------------------------------

interface Timing {
  first: number;
  median: number;
  min: number;
  max: number;
}

/** The first call (cold statements and page cache) apart from the median of the rest; a call ends when its promise does. */
async function timeIt(fn: () => unknown, repeat = REPEAT): Promise<Timing> {
  const t0 = performance.now();
  await fn();
  const first = performance.now() - t0;
  const rest: number[] = [];
  for (let i = 0; i < repeat; i++) {
    const s = performance.now();
    await fn();
    rest.push(performance.now() - s);
  }
  return { first, median: median(rest), min: Math.min(...rest), max: Math.max(...rest) };
}

const show = (t: Timing): string => `first ${ms(t.first)}, then median ${ms(t.median)} (min ${ms(t.min)}, max ${ms(t.max)})`;
const goal = (label: string, t: Timing): string => `${label}: ${show(t)}  goal < ${GOAL_MS} ms: ${verdict(Math.max(t.first, t.median) < GOAL_MS)}`;

function timeProcess(argv: string[], env: NodeJS.ProcessEnv = process.env): { ms: number; bytes: number } {
  const started = performance.now();
  const r = spawnSync(process.execPath, argv, { cwd: root, env, maxBuffer: 256 * 1024 * 1024 });
  const took = performance.now() - started;
  if (r.status !== 0) throw new Error(`${argv.join(' ')} exited ${r.status}: ${r.stderr.toString().slice(-2000)}`);
  return { ms: took, bytes: r.stdout.length };
}

async function main(): Promise<void> {
  const { dir, meta } = ledger();
  const file = databasePath(dir);
  const target = meta.targetRunId;

  const wb = new Workbench({ dataDir: dir, version: 'bench', transport: 'serve' });
  try {
    const counts = wb.db.prepare('SELECT (SELECT count(*) FROM runs) AS runs, (SELECT count(*) FROM attempts) AS attempts, (SELECT count(*) FROM attempts WHERE run_id = ?) AS targetAttempts').get(target) as { runs: number; attempts: number; targetAttempts: number };
    console.log(`ledger: ${counts.runs} runs, ${counts.attempts.toLocaleString('en')} attempts, ${meta.logLines.toLocaleString('en')} log lines; run ${target} has ${counts.targetAttempts} attempts`);

    // (d) first: the file as it stands, its write-ahead log folded in.
    sizes(wb.db, file, meta);

    const handlers = createHandlers(wb);
    const list = await timeIt(() => handlers['runs.list']({} as never));
    const runsListed = (handlers['runs.list']({} as never) as unknown[]).length;
    console.log(goal(`(a) runs.list handler (${runsListed} runs)`, list));
    const get = await timeIt(() => handlers['runs.get']({ runId: target } as never));
    console.log(goal(`(b) runs.get handler (${counts.targetAttempts} attempts)`, get));

    let printed = 0;
    const results = await timeIt(async () => {
      const ctx = capturingCliContext(wb.runs, { dataDir: dir });
      await resultsCommand(ctx, [target]);
      printed = ctx.stdout.join('').length;
    });
    console.log(goal(`(c) lancer results, in-process query and format (${(printed / 1024).toFixed(0)} kB printed)`, results));

    // Not a goal, but a store this size must still let a run go: delete the big run and collect
    // the artifacts only it used, then roll it all back (the cached store stays as generated).
    const deletion = performance.now();
    wb.db.exec('BEGIN');
    try {
      wb.runs.deleteRun(target);
      wb.artifacts.collectGarbage();
      console.log(`    deleting the ${counts.targetAttempts}-attempt run with its logs and its artifacts' rows (rolled back): ${ms(performance.now() - deletion)}`);
    } finally {
      wb.db.exec('ROLLBACK');
    }

    processTimes(dir, target);
    if (!flag('compute-only')) await pageTimes(wb, meta, counts.targetAttempts);
  } finally {
    await wb.close();
  }
}

/**
 * (c) as a process, beside what starting one costs: node alone and the CLI up to `--version`
 * (its bundle loaded). The CLI runs from its bundle with a code cache per command (bin/cli-bundle.js);
 * the first `results` after the caches are dropped, which compiles and writes its cache, is
 * timed apart, and so is the CLI run from the sources through tsx, as it ran before the bundle.
 * Runs alternate, so a busy machine's drift hits each kind alike; the command's own share is the
 * median of paired differences.
 */
function processTimes(dir: string, target: string): void {
  const bin = path.join(root, 'bin', 'lancer.js');
  const env = { ...process.env, LANCER_DATA_DIR: dir };
  const fromSources = { ...env, LANCER_CLI_FROM_SOURCE: '1' };
  const runs = Math.max(3, Math.min(REPEAT, 5));
  timeProcess([bin, '--version'], env); // builds the bundle when a source changed since the last build
  rmSync(path.join(root, 'out', 'cli', 'code-cache'), { recursive: true, force: true });
  const first = timeProcess([bin, 'results', target], env).ms;
  const node: number[] = [];
  const version: number[] = [];
  const results: number[] = [];
  const sources: number[] = [];
  let bytes = 0;
  for (let i = 0; i < runs; i++) {
    node.push(timeProcess(['-e', '0']).ms);
    version.push(timeProcess([bin, '--version'], env).ms);
    const r = timeProcess([bin, 'results', target], env);
    results.push(r.ms);
    bytes = r.bytes;
    sources.push(timeProcess([bin, 'results', target], fromSources).ms);
  }
  const m = median(results);
  const own = median(results.map((r, i) => r - version[i]!));
  console.log(`(c) lancer results as a process: median ${ms(m)} (min ${ms(Math.min(...results))}, max ${ms(Math.max(...results))}; ${(bytes / 1024).toFixed(0)} kB on stdout)  goal < ${GOAL_MS} ms: ${verdict(m < GOAL_MS)}`);
  console.log(`    starting a process: node alone ${ms(median(node))}, \`lancer --version\` ${ms(median(version))}; results past that: ${ms(own)} (median of paired differences)`);
  console.log(`    the first results without its code cache ${ms(first)}; from the sources through tsx (LANCER_CLI_FROM_SOURCE=1, as before the bundle) median ${ms(median(sources))}: ${(median(sources) / m).toFixed(1)}× the bundle's`);
}

/** True once the page shows exactly `n` elements matching `selector`. A function, not a string: the page's CSP forbids eval. */
function countIs({ selector, n }: { selector: string; n: number }): boolean {
  // Runs in the page; this script is compiled without the DOM's types.
  const { document } = globalThis as unknown as { document: { querySelectorAll(selector: string): { length: number } } };
  return document.querySelectorAll(selector).length === n;
}

/** True once the run view of `runId` shows attempt rows (all of them, or those in view of a long ledger). */
function runShown(runId: string): boolean {
  const { document } = globalThis as unknown as { document: { querySelector(selector: string): unknown } };
  return document.querySelector(`.run-detail[data-run-id="${runId}"] .attempts-table tbody tr.attempt-row`) !== null;
}

/** In the page: remembers when the next click happens, so a timing starts at the click itself, not at the tool's request for one. */
function markNextClick(): void {
  const g = globalThis as unknown as { clickedAt: number; document: { addEventListener(type: string, fn: () => void, opts: object): void }; performance: { now(): number } };
  g.clickedAt = NaN;
  g.document.addEventListener('click', () => (g.clickedAt = g.performance.now()), { capture: true, once: true });
}

/** In the page: ms from the marked click (or the navigation's start) to the frame after the current one is drawn. */
function sinceMark(fromClick: boolean): Promise<number> {
  const g = globalThis as unknown as { clickedAt: number; performance: { now(): number }; requestAnimationFrame(fn: () => void): void; setTimeout(fn: () => void, ms: number): void };
  return new Promise((resolve) => g.requestAnimationFrame(() => g.setTimeout(() => resolve(g.performance.now() - (fromClick ? g.clickedAt : 0)), 0)));
}

function rowsDrawn(): number {
  const { document } = globalThis as unknown as { document: { querySelectorAll(selector: string): { length: number } } };
  return document.querySelectorAll('.attempts-table tbody tr.attempt-row').length;
}

/**
 * (a) and (b) in Chromium against serve mode. Times run to the frame after the awaited content
 * appears (so its paint is in), from the click as the page saw it, or from the navigation's start.
 * (a) in-app: from the Settings page, a click on Runs until every run is listed (the section's
 * code and the list are fetched then); also a fresh load of #/runs, app start-up included.
 * (b) a click on the run in the list until its attempts are drawn; also a scroll to the ledger's end.
 */
async function pageTimes(wb: Workbench, meta: Meta, targetAttempts: number): Promise<void> {
  const lastAttempt = wb.runs.attempts(meta.targetRunId).at(-1)!.id;
  const rendererArg = args.find((a) => a.startsWith('--renderer='))?.slice('--renderer='.length);
  const { page, base, close } = await openBenchPage(wb, root, rendererArg);
  try {
    const runs = meta.runIds.length;
    const listed = { selector: '.run-list li', n: runs };
    const load: number[] = [];
    const nav: number[] = [];
    const open: number[] = [];
    const scroll: number[] = [];
    let drawn = 0;
    for (let i = 0; i < Math.max(4, Math.min(REPEAT, 7)); i++) {
      await page.goto('about:blank');
      await page.goto(`${base}#/runs`);
      await page.waitForFunction(countIs, listed, { timeout: 120_000, polling: 'raf' });
      load.push(await page.evaluate(sinceMark, false));

      await page.goto('about:blank');
      await page.goto(`${base}#/settings`);
      await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Runs' }).waitFor();
      await page.evaluate(markNextClick);
      await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Runs' }).click();
      await page.waitForFunction(countIs, listed, { timeout: 120_000, polling: 'raf' });
      nav.push(await page.evaluate(sinceMark, true));

      await page.evaluate(markNextClick);
      await page.locator(`.run-list a[data-run-id="${meta.targetRunId}"]`).click();
      await page.waitForFunction(runShown, meta.targetRunId, { timeout: 120_000, polling: 'raf' });
      open.push(await page.evaluate(sinceMark, true));
      drawn = await page.evaluate(rowsDrawn);

      // The ledger's last try, reached by scrolling the run's pane to its end.
      const last = await page.evaluate(() => performance.now());
      await page.locator('.run-pane').evaluate((el) => el.scrollTo({ top: el.scrollHeight }));
      await page.waitForFunction(countIs, { selector: `.attempts-table tbody tr.attempt-row[data-attempt-id="${lastAttempt}"]`, n: 1 }, { timeout: 60_000, polling: 'raf' });
      scroll.push((await page.evaluate(sinceMark, false)) - last);
    }
    // The first round pays for a cold bundle and page cache: reported apart.
    const warm = (xs: number[]): number[] => xs.slice(1);
    const line = (label: string, xs: number[], goal = true): string =>
      `${label}: median ${ms(median(warm(xs)))} (min ${ms(Math.min(...warm(xs)))}, max ${ms(Math.max(...warm(xs)))}; first ${ms(xs[0]!)})` +
      (goal ? `  goal < ${GOAL_MS} ms: ${verdict(median(warm(xs)) < GOAL_MS)}` : '');
    console.log(line(`(a) Runs page in Chromium, click on Runs (from Settings) to all ${runs} runs listed`, nav));
    console.log(line(`    a fresh load of #/runs to all ${runs} runs listed (the app's start-up included)`, load, false));
    console.log(line(`(b) run view in Chromium, click on the run to its attempts drawn (${drawn} of ${targetAttempts} rows in the DOM)`, open));
    console.log(line('    then a scroll to the ledger\'s last try, drawn', scroll, false));
  } finally {
    await close();
  }
}

/** (d) The file against the data it holds; with --sizes, the bytes of every table and index. */
function sizes(db: Db, file: string, meta: Meta): void {
  db.pragma('wal_checkpoint(TRUNCATE)');
  const bytes = statSync(file).size;
  const wal = existsSync(`${file}-wal`) ? statSync(`${file}-wal`).size : 0;
  const free = (db.pragma('freelist_count', { simple: true }) as number) * (db.pragma('page_size', { simple: true }) as number);
  const { rows, content } = meta.data;
  console.log(`(d) database ${mb(bytes)} (+ ${mb(wal)} WAL, ${mb(free)} of it free pages); data it holds: ${mb(content)} of content (each parent key once), ${mb(rows)} as rows (parent keys repeated in child rows)`);
  console.log(`    ratio ${(bytes / content).toFixed(2)}× the content, ${(bytes / rows).toFixed(2)}× the rows  goal < ${GOAL_RATIO}× the content: ${verdict(bytes / content < GOAL_RATIO)}`);
  const byTable = Object.entries(meta.data.byTable).sort((a, b) => b[1].content - a[1].content);
  console.log(`    content by table: ${byTable.map(([t, v]) => `${t} ${mb(v.content)} (${v.count.toLocaleString('en')} rows)`).join(', ')}`);
  if (flag('sizes')) {
    const objects = db.prepare('SELECT name, sum(pgsize) AS bytes, sum(unused) AS unused FROM dbstat GROUP BY name ORDER BY bytes DESC').all() as { name: string; bytes: number; unused: number }[];
    console.log(`    on disk: ${objects.filter((o) => o.bytes > 1e6).map((o) => `${o.name} ${mb(o.bytes)} (${((o.unused / o.bytes) * 100).toFixed(0)}% unused)`).join(', ')}`);
  }
}

await main();
