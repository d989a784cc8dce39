/**
 * The handlers behind every channel of the contract, as a mapped type: a channel without a
 * handler, or a handler returning the wrong type, does not compile.
 */
import type { ChannelName, ChannelOutput, ChannelParsedInput } from '../../../shared/contract';
import { AppError } from '../../../shared/result';
import type { RunSummary } from '../../../shared/runs';
import type { ImagesOverview } from '../../../shared/images';
import path from 'node:path';
import { buildSampleImages, listWorkbenchImages, measureImagesDisk, removeImage } from '../images/sample-images';
import { projectRoot } from '../paths';
import { existsSync } from 'node:fs';
import { openTraceViewer, traceViewerPage } from '../live/trace-viewer';
import { importDataset } from '../dataset/importer';
import { createReport } from '../reports/report-service';
import { importResults } from '../reports/import-results';
import type { Workbench } from '../workbench';
import { inBackground } from '../background';
import { budgetBytesOf, enforceDiskBudget, listOfficialImages, officialImagesBytes } from '../images/disk-budget';

export type Handler<K extends ChannelName> = (
  input: ChannelParsedInput<K>,
) => Promise<ChannelOutput<K>> | ChannelOutput<K>;

export type Handlers = { [K in ChannelName]: Handler<K> };

/**
 * What only some front doors can do, injected by the composition root: the window has a system
 * file picker, serve mode and the CLI do not.
 */
export interface PlatformPorts {
  pickFile?: (opts: { title: string; extensions: string[]; directory?: boolean }) => Promise<string | null>;
}

async function listImages(wb: Workbench): Promise<ImagesOverview> {
  const images: ImagesOverview['images'] = (await listWorkbenchImages(wb.docker)).map(
    ({ id, names: n, sizeBytes, sharedSizeBytes, createdAt, kind, questionId }) => ({ id, names: n, sizeBytes, sharedSizeBytes, createdAt, kind, questionId }),
  );
  // The official images carry no workbench label; they are listed with their last use (LRU).
  for (const o of await listOfficialImages(wb.docker, wb.imageUse.lastUsed())) {
    const same = images.find((i) => i.id === o.id);
    if (same) Object.assign(same, { official: true, lastUsedAt: o.lastUsedAt });
    else images.push({ ...o, official: true });
  }
  const names = images.flatMap((i) => i.names.slice(0, 1));
  const disk = names.length ? await measureImagesDisk(wb.docker, names) : { totalBytes: 0 };
  return {
    images,
    totalUniqueBytes: disk.totalBytes,
    officialBytes: await officialImagesBytes(wb.docker),
    budgetBytes: budgetBytesOf(wb.settings.get()),
  };
}

/** Builds the sample images, forwarding progress as events; one build at a time. */
let building: Promise<void> | undefined;
function buildImagesWithEvents(wb: Workbench, buildId: string, only: string[] | undefined): Promise<void> {
  if (building) throw new AppError('conflict', 'an image build is already running');
  const root = projectRoot();
  building = buildSampleImages({
    docker: wb.docker,
    resourcesDir: path.join(root, 'resources'),
    dataDir: wb.dataDir,
    projectRoot: root,
    only,
    onProgress: (e) => wb.events.emit('images.progress', { buildId, ...e }),
  })
    .then((result) =>
      wb.events.emit('images.progress', {
        buildId, phase: 'done', image: '', message: 'build finished', done: true,
        finished: { ok: true, images: result.images.map((i) => ({ name: i.name, upToDate: i.upToDate })) },
      }),
    )
    .catch((error: unknown) =>
      wb.events.emit('images.progress', {
        buildId, phase: 'done', image: '', message: (error as Error).message, done: true,
        finished: { ok: false, error: (error as Error).message },
      }),
    )
    .finally(() => {
      building = undefined;
    });
  return building;
}

function runSummary(wb: Workbench, runId: string): RunSummary {
  const run = wb.runs.listRuns().find((r) => r.id === runId);
  if (!run) throw new AppError('not_found', `no run ${runId}`);
  return run;
}

export function createHandlers(wb: Workbench, ports: PlatformPorts = {}): Handlers {
  return {
    'app.info': () => ({
      version: wb.options.version,
      dataDir: wb.dataDir,
      transport: wb.options.transport,
    }),
    'docker.status': () => wb.refreshDockerStatus(),
    'settings.get': () => wb.settings.get(),
    'settings.update': (patch) => wb.settings.update(patch),
    'dialog.openFile': (opts) => {
      if (!ports.pickFile) throw new AppError('unavailable', 'no file picker here (serve mode): give a path on the server or upload the file');
      return ports.pickFile(opts);
    },
    'datasets.import': (input) =>
      importDataset(wb.datasets, { ...input, onProgress: (progress) => wb.events.emit('import.progress', progress) }),
    'datasets.list': () => wb.datasets.listDatasets(),
    'tasks.list': (query) => wb.datasets.listTasks(query),
    'tasks.get': ({ id }) => wb.datasets.getTask(id),
    'tasksets.list': () => wb.datasets.listTaskSets(),
    'tasksets.save': ({ name, taskIds }) => wb.datasets.saveTaskSet(name, taskIds),
    'tasksets.delete': ({ name }) => ({ deleted: wb.datasets.deleteTaskSet(name) }),
    'runs.start': async (input) => {
      const runId = await wb.engine.createRun(input);
      // The run goes on in the background; progress arrives as run.event events.
      inBackground(`run ${runId}`, wb.engine.start(runId));
      return { runId };
    },
    'runs.list': () => wb.runs.listRuns(),
    // Serve mode uploads the file's text (content); the window and the CLI give a path.
    'runs.importResults': (input) => importResults({ datasets: wb.datasets, runs: wb.runs, appVersion: wb.options.version }, input),
    // Analytics of finished runs (and their comparison), computed from the ledger on each call.
    'reports.get': (input) => createReport(wb, input),
    'runs.get': ({ runId }) => ({ ...wb.runs.getRunView(runId), seq: wb.engine.lastSeq(runId) }),
    'runs.manifest': ({ runId }) => wb.runs.runSettings(runId).manifest,
    'runs.pause': ({ runId }) => {
      wb.engine.pause(runId);
      return runSummary(wb, runId);
    },
    'runs.resume': async ({ runId }) => {
      // A run that cannot resume is refused here, where the window shows why; the drive goes on in the background.
      const { done } = await wb.engine.resume(runId);
      inBackground(`resuming run ${runId}`, done);
      return runSummary(wb, runId);
    },
    'runs.cancel': ({ runId }) => {
      wb.engine.cancel(runId);
      return runSummary(wb, runId);
    },
    'images.list': () => listImages(wb),
    'images.remove': async ({ name, force }) => ({ removed: (await removeImage(wb.docker, name, { force })).removed }),
    'images.buildSample': ({ only }) => {
      const buildId = `build-${Date.now()}`;
      void buildImagesWithEvents(wb, buildId, only);
      return { buildId };
    },
    'images.pullPlan': async (req) => (await wb.imagePuller.plan(req)).plan,
    'images.pull': (req) => wb.imagePuller.start(req, (event) => wb.events.emit('images.pullProgress', event)),
    'images.pullCancel': ({ pullId }) => ({ cancelled: wb.imagePuller.cancel(pullId) }),
    'images.prune': ({ budgetGb, dryRun }) => {
      const budgetBytes = budgetGb !== undefined ? Math.round(budgetGb * 1e9) : budgetBytesOf(wb.settings.get());
      if (budgetBytes === null) throw new AppError('invalid_input', 'no disk budget: set one in Settings or give budgetGb');
      return enforceDiskBudget({ docker: wb.docker, use: wb.imageUse }, { budgetBytes, dryRun });
    },
    'containers.kept': () => wb.engine.runtime.listKept(),
    'containers.removeKept': async ({ id }) => ({ removed: await wb.engine.runtime.removeKept(id) }),
    'runs.delete': ({ runId }) => wb.deleteRun(runId),
    'artifacts.usage': () => wb.artifacts.usage(),
    'replay.get': ({ attemptId }) => wb.replays.replay(attemptId),
    'replay.openTraceViewer': async ({ sha256 }) => {
      const file = wb.artifacts.pathOf(sha256);
      if (!existsSync(file)) throw new AppError('not_found', `no artifact ${sha256}`);
      // Serve mode serves the viewer itself, behind its token, on the origin the browser already
      // reaches (through an SSH tunnel, perhaps); the window gets a tokened loopback server.
      if (wb.options.transport === 'serve') return { url: traceViewerPage('/trace-viewer', `/api/artifacts/${sha256}`) };
      return { url: await openTraceViewer((sha) => wb.artifacts.pathOf(sha), sha256) };
    },
    'attempts.get': ({ attemptId }) => wb.runs.attemptDetail(attemptId),
    'attempts.steps': ({ attemptId, afterIndex }) => wb.runs.steps(attemptId, afterIndex ?? -1),
    'attempts.logs': ({ attemptId, afterId }) => wb.runs.logs(attemptId, afterId ?? 0),
    'endpoints.list': () => wb.endpoints.list(),
    'endpoints.save': (input) => wb.endpoints.save(input),
    'endpoints.remove': ({ name }) => ({ removed: wb.endpoints.remove(name) }),
    'endpoints.test': ({ name }) => wb.endpoints.test(name),
    'clusters.list': () => wb.clusters.list(),
    'clusters.status': ({ name }) => wb.clusters.status(name),
    'agents.list': () => wb.agentCache.list(),
    'agents.fetch': ({ name }) => {
      const { fetchId, done } = wb.agentCache.start(name, { onEvent: (event) => wb.events.emit('agents.fetchProgress', event) });
      // A failure reaches the UI as the `finished` event; nobody else awaits it.
      done.catch(() => undefined);
      return { fetchId };
    },
  };
}
