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
import { openTraceViewer } from '../live/trace-viewer';
import { importDataset } from '../dataset/importer';
import type { Workbench } from '../workbench';

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
  const images = await listWorkbenchImages(wb.docker);
  const names = images.flatMap((i) => i.names.slice(0, 1));
  const disk = names.length ? await measureImagesDisk(wb.docker, names) : { totalBytes: 0 };
  return {
    images: images.map(({ id, names: n, sizeBytes, sharedSizeBytes, createdAt, kind, questionId }) => ({
      id, names: n, sizeBytes, sharedSizeBytes, createdAt, kind, questionId,
    })),
    totalUniqueBytes: disk.totalBytes,
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
      void wb.engine.start(runId);
      return { runId };
    },
    'runs.list': () => wb.runs.listRuns(),
    'runs.get': ({ runId }) => ({ ...wb.runs.getRun(runId), seq: wb.engine.lastSeq(runId) }),
    'runs.pause': ({ runId }) => {
      wb.engine.pause(runId);
      return runSummary(wb, runId);
    },
    'runs.resume': ({ runId }) => {
      void wb.engine.resume(runId);
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
    'runs.delete': ({ runId }) => wb.deleteRun(runId),
    'artifacts.usage': () => wb.artifacts.usage(),
    'replay.get': ({ attemptId }) => wb.replays.replay(attemptId),
    'replay.openTraceViewer': async ({ sha256 }) => {
      const file = wb.artifacts.pathOf(sha256);
      if (!existsSync(file)) throw new AppError('not_found', `no artifact ${sha256}`);
      return { url: await openTraceViewer(file, sha256) };
    },
    'attempts.get': ({ attemptId }) => wb.runs.attemptDetail(attemptId),
    'attempts.logs': ({ attemptId, afterId }) => wb.runs.logs(attemptId, afterId ?? 0),
  };
}
