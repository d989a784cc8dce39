import { importDataset } from './src/main/core/dataset/importer';
import { Workbench } from './src/main/core/workbench';
import { sampleCsv, sampleIssues } from './tests/helpers/sample-images';
import { makeTempDir } from './tests/helpers/temp-dir';
import { readFileSync, readdirSync } from 'node:fs';
function byComm(): Map<string, number> {
  const m = new Map<string, number>();
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const st = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const comm = st.slice(st.indexOf('(') + 1, st.lastIndexOf(')'));
      const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
      const t = Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
      m.set(comm, (m.get(comm) ?? 0) + t);
    } catch {}
  }
  return m;
}
const total = () => { const [, ...xs] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).map(Number); return { busy: xs[0]! + xs[1]! + xs[2]! + xs[5]! + xs[6]!, idle: xs[3]! + xs[4]! }; };
const { dir, cleanup } = makeTempDir('probe-cpu-');
const wb = new Workbench({ dataDir: dir, version: 'bench', transport: 'cli' });
await importDataset(wb.datasets, { path: sampleCsv, issuesDir: sampleIssues, name: 'sample' });
const managers = wb.datasets.listTasks({ datasetId: 'sample', variant: 'swe_manager' }).map((t) => t.questionId);
await wb.engine.start(await wb.engine.createRun({ datasetId: 'sample', taskIds: managers.slice(0, 2), solver: { kind: 'gold' } }));
for (const concurrency of [1, 2]) {
  const runId = await wb.engine.createRun({ datasetId: 'sample', taskIds: managers, solver: { kind: 'gold' }, concurrency, attempts: 4 });
  const b = byComm(); const t0 = total(); const s = performance.now();
  await wb.engine.start(runId);
  const wall = performance.now() - s; const a = byComm(); const t1 = total();
  const n = wb.runs.getRun(runId).attempts.length;
  const diffs = [...a].map(([k, v]) => [k, v - (b.get(k) ?? 0)] as const).filter(([, v]) => v > 5).sort((x, y) => y[1] - x[1]);
  console.log(`c${concurrency}: ${n} attempts, wall/attempt ${(wall / n).toFixed(0)} ms, busy ${((t1.busy - t0.busy) / n).toFixed(1)} ticks/attempt, idle ${((t1.idle - t0.idle) / n).toFixed(1)}`);
  console.log('  ', diffs.slice(0, 12).map(([k, v]) => `${k} ${(v / n).toFixed(1)}`).join(', '));
}
await wb.close(); cleanup();
