/**
 * The handlers behind every channel of the contract, as a mapped type: a channel without a
 * handler, or a handler returning the wrong type, does not compile.
 */
import type { ChannelName, ChannelOutput, ChannelParsedInput } from '../../../shared/contract';
import { AppError } from '../../../shared/result';
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
  };
}
