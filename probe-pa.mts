import { importDataset } from './src/main/core/dataset/importer';
import { Workbench } from './src/main/core/workbench';
import { sampleCsv, sampleIssues } from './tests/helpers/sample-images';
import { makeTempDir } from './tests/helpers/temp-dir';
import { readFileSync } from 'node:fs';
const pa = () => { const f = readFileSync('/proc/1/stat', 'utf8').split(') ')[1]!.split(' '); return Number(f[11]) + Number(f[12]); };
const { dir, cleanup } = makeTempDir('probe-pa-');
let a = pa();
const wb = new Workbench({ dataDir: dir, version: 'bench', transport: 'cli' });
await importDataset(wb.datasets, { path: sampleCsv, issuesDir: sampleIssues, name: 'sample' });
console.error('open+import', pa() - a);
const managers = wb.datasets.listTasks({ datasetId: 'sample', variant: 'swe_manager' }).map((t) => t.questionId);
for (let i = 0; i < 3; i++) {
  a = pa();
  await wb.engine.start(await wb.engine.createRun({ datasetId: 'sample', taskIds: managers.slice(0, 1), solver: { kind: 'gold' } }));
  console.error('one attempt', pa() - a);
}
a = pa(); await new Promise((r) => setTimeout(r, 2000)); console.error('idle 2s', pa() - a);
await wb.close(); cleanup();
