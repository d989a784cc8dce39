/**
 * Loads what a report needs from the ledger and the dataset store, and builds it (report.ts).
 * Shared by `reports.get` (window, serve mode) and `lancer report`.
 */
import type { Report, ReportRequest } from '../../../shared/reports';
import type { DatasetRepo, TaskFact } from '../store/dataset-repo';
import type { RunRepo } from '../store/run-repo';
import { buildReport, DEFAULT_RESAMPLES, DEFAULT_SEED, type RunInput } from './report';

export function createReport(stores: { runs: RunRepo; datasets: DatasetRepo }, request: ReportRequest): Report {
  const factsByVersion = new Map<number, Map<string, TaskFact>>();
  const goldByDataset = new Map<string, ReturnType<RunRepo['goldRecord']>>();
  const inputs: RunInput[] = [...new Set(request.runIds)].map((runId) => {
    const settings = stores.runs.runSettings(runId); // throws not_found naming the run
    const manifest = settings.manifest;
    let facts = factsByVersion.get(settings.versionId);
    if (!facts) {
      facts = new Map(stores.datasets.taskFacts(settings.versionId).map((f) => [f.questionId, f]));
      factsByVersion.set(settings.versionId, facts);
    }
    let gold = goldByDataset.get(manifest.dataset.id);
    if (!gold) {
      gold = stores.runs.goldRecord(manifest.dataset.id);
      goldByDataset.set(manifest.dataset.id, gold);
    }
    return { runId, datasetId: manifest.dataset.id, status: settings.status, manifest, rows: stores.runs.reportRows(runId), tasks: facts, gold };
  });
  return buildReport(inputs, {
    excludeSuspect: request.excludeSuspect === true,
    resamples: request.resamples ?? DEFAULT_RESAMPLES,
    seed: request.seed ?? DEFAULT_SEED,
    generatedAt: new Date().toISOString(),
  });
}
