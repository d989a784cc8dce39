/**
 * The handlers behind every channel of the contract, as a mapped type: a channel without a
 * handler, or a handler returning the wrong type, does not compile.
 */
import type { ChannelName, ChannelOutput, ChannelParsedInput } from '../../../shared/contract';
import type { Workbench } from '../workbench';

export type Handler<K extends ChannelName> = (
  input: ChannelParsedInput<K>,
) => Promise<ChannelOutput<K>> | ChannelOutput<K>;

export type Handlers = { [K in ChannelName]: Handler<K> };

export function createHandlers(wb: Workbench): Handlers {
  return {
    'app.info': () => ({
      version: wb.options.version,
      dataDir: wb.dataDir,
      transport: wb.options.transport,
    }),
    'docker.status': () => wb.refreshDockerStatus(),
    'settings.get': () => wb.settings.get(),
    'settings.update': (patch) => wb.settings.update(patch),
  };
}
