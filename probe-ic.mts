import { importDataset } from './src/main/core/dataset/importer';
import { Workbench } from './src/main/core/workbench';
import { sampleCsv, sampleIssues } from './tests/helpers/sample-images';
import { makeTempDir } from './tests/helpers/temp-dir';
import Database from 'better-sqlite3';
import path from 'node:path';
const { dir, cleanup } = makeTempDir('probe-ic-');
const wb = new Workbench({ dataDir: dir, version: 'bench', transport: 'cli' });
wb.settings.update({ testRuns: 1 });
await importDataset(wb.datasets, { path: sampleCsv, issuesDir: sampleIssues, name: 'sample' });
const ics = wb.datasets.listTasks({ datasetId: 'sample', variant: 'ic_swe' }).map((t) => t.questionId).slice(0, 2);
const runId = await wb.engine.createRun({ datasetId: 'sample', taskIds: ics, solver: { kind: 'gold' }, concurrency: 1 });
await wb.engine.start(runId);
for (const a of wb.runs.getRun(runId).attempts) {
  const d = wb.runs.attemptDetail(a.id);
  console.log(a.id, 'first action', d.firstActionMs, d.phases.map((p) => `${p.phase} ${Date.parse(p.endedAt!) - Date.parse(p.startedAt!)}`).join(', '));
}
await wb.close();
const db = new Database(path.join(dir, 'lancer.db'), { readonly: true });
const last = wb === undefined ? '' : '';
const rows = db.prepare(`SELECT l.at, l.phase, substr(l.text,1,90) t FROM log_lines l JOIN log_attempts a ON a.id = l.log WHERE a.attempt_id = (SELECT id FROM attempts ORDER BY started_at DESC LIMIT 1) ORDER BY l.id`).all() as any[];
const t0 = Date.parse(rows[0].at);
for (const r of rows.filter((r) => !r.t.includes("adding:")).slice(0, 30)) console.log(String(Date.parse(r.at) - t0).padStart(5), r.phase.padEnd(8), r.t.trimEnd());
cleanup();
