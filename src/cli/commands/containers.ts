/**
 * `lancer containers`: the containers kept after failed attempts (setting keepFailedContainers),
 * stopped, for inspection (`docker start -ai ID`, `docker cp`); removed here, with their run, or
 * by the start-up reaper once their run is deleted.
 */
import { CliError, type CliContext } from '../context';

export const containersHelp = `lancer containers [list] [--json]
lancer containers rm ID|NAME|all
  Lists the containers kept after failed attempts (Settings: keep failed containers) or removes
  them. Only this data dir's kept containers are touched.`;

export async function containersCommand(ctx: CliContext, positionals: string[]): Promise<void> {
  const [action = 'list', target, ...rest] = positionals;
  const wb = ctx.openWorkbench();
  const runtime = wb.engine.runtime;
  if (action === 'list' && target === undefined) {
    const kept = await runtime.listKept();
    ctx.result(kept, () =>
      kept.length === 0
        ? 'no kept containers'
        : kept.map((c) => `${c.id.slice(0, 12)}  ${c.name.padEnd(48)} ${c.image.padEnd(32)} ${c.createdAt}`).join('\n'),
    );
    return;
  }
  if (action === 'rm' && target !== undefined && rest.length === 0) {
    const ids = target === 'all' ? (await runtime.listKept()).map((c) => c.id) : [target];
    let removed = 0;
    for (const id of ids) if (await runtime.removeKept(id)) removed += 1;
    if (removed === 0 && target !== 'all') throw new CliError(`no kept container ${target} in this data dir`, 1);
    ctx.result({ removed }, () => `removed ${removed} kept container${removed === 1 ? '' : 's'}`);
    return;
  }
  throw new CliError(`unknown containers action\n\n${containersHelp}`, 2);
}
