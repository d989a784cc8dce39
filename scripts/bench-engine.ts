/**
 * `npm run bench:engine`: the harness's overhead per attempt (everything but the task's own
 * commands) against `docker run --rm` of the same image, and throughput at concurrency 1, 2
 * and 4 on a trivial task (the sample's manager tasks with the gold solver: no browser).
 * Goal: overhead at most 1.2× docker run --rm.
 */
import { spawnSync } from 'node:child_process';
import { importDataset } from '../src/main/core/dataset/importer';
import { Workbench } from '../src/main/core/workbench';
import { ensureSampleImages, sampleCsv, sampleIssues } from '../tests/helpers/sample-images';
import { makeTempDir } from '../tests/helpers/temp-dir';

const IMAGE = 'lancer-sample_monolith:latest';
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

function dockerRunRm(): number {
  const started = performance.now();
  const r = spawnSync('docker', ['run', '--rm', '--entrypoint', 'true', IMAGE]);
  if (r.status !== 0) throw new Error(`docker run failed: ${r.stderr.toString()}`);
  return performance.now() - started;
}

async function main(): Promise<void> {
  await ensureSampleImages();
  const { dir, cleanup } = makeTempDir('lancer-bench-engine-');
  const wb = new Workbench({ dataDir: dir, version: 'bench', transport: 'cli' });
  try {
    await importDataset(wb.datasets, { path: sampleCsv, issuesDir: sampleIssues, name: 'sample' });
    const managers = wb.datasets.listTasks({ datasetId: 'sample', variant: 'swe_manager' }).map((t) => t.questionId);

    const baseline = median([dockerRunRm(), dockerRunRm(), dockerRunRm(), dockerRunRm(), dockerRunRm()]);
    console.log(`docker run --rm ${IMAGE} (create, start, exit, remove), median of 5: ${s(baseline)}`);

    for (const concurrency of [1, 2, 4]) {
      const runId = await wb.engine.createRun({ datasetId: 'sample', taskIds: managers, solver: { kind: 'gold' }, concurrency });
      const started = performance.now();
      await wb.engine.start(runId);
      const wall = performance.now() - started;
      const run = wb.runs.getRun(runId);
      const perAttempt = run.attempts.map((a) => {
        const d = wb.runs.attemptDetail(a.id);
        const total = Date.parse(a.finishedAt ?? '') - Date.parse(a.startedAt ?? '');
        // The task's own commands: the solver's phase and the decision check of grading.
        const own = d.phases
          .filter((p) => p.phase === 'solving')
          .reduce((sum, p) => sum + (Date.parse(p.endedAt ?? '') - Date.parse(p.startedAt)), 0);
        const phases = Object.fromEntries(d.phases.map((p) => [p.phase, Date.parse(p.endedAt ?? '') - Date.parse(p.startedAt)]));
        return { total, overhead: total - own, phases };
      });
      const overhead = median(perAttempt.map((p) => p.overhead));
      const passed = run.tally.passed;
      console.log(
        `concurrency ${concurrency}: ${run.attempts.length} trivial tasks in ${s(wall)} ` +
          `(${((run.attempts.length / wall) * 60_000).toFixed(1)} tasks/min), ${passed} passed; ` +
          `harness overhead per attempt (median) ${s(overhead)} = ${(overhead / baseline).toFixed(2)}× docker run --rm (goal ≤ 1.2×)`,
      );
      if (concurrency === 1) {
        const phases = perAttempt[0]?.phases ?? {};
        console.log(`  one attempt by phase: ${Object.entries(phases).map(([k, v]) => `${k} ${s(v)}`).join(', ')}`);
      }
    }
  } finally {
    await wb.close();
    cleanup();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
