/**
 * `lancer agents list | fetch NAME`: the CLI coding agents and their binary cache, through the
 * same cache service as the window's `agents.*` channels.
 */
import { cliAgentNames, type AgentFetchEvent, type AgentFetchPlan, type CliAgentInfo } from '../../shared/cli-agents';
import { assertNever } from '../../shared/result';
import { CliError, type CliContext } from '../context';
import { formatDuration, StatusLine } from '../progress';

export const agentsHelp = `lancer agents list [--json]
lancer agents fetch NAME [--json]
  The CLI coding agents a run can use (${cliAgentNames.join(', ')}), each pinned to one
  version, with its binaries cached in the data dir (agent-cache/NAME/VERSION), filled from the
  npm registry ($npm_config_registry, else registry.npmjs.org) and mounted read-only into task
  containers.
  list    each agent's version, cache state (missing, ready, damaged), size on disk and
          download size
  fetch   fills an agent's cache: says the download size first, then progress on stderr;
          every tarball is checked against its pinned integrity, and an interrupted fetch
          resumes. A damaged cache is refilled. Exit code 0 once the cache is ready.`;

/** Bytes for people: `58.2 MB`. */
export function formatBytes(n: number | null): string {
  if (n === null) return '-';
  if (n < 1000) return `${n} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let value = n;
  let unit = -1;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ')).join('\n');
}

function listText(list: CliAgentInfo[]): string {
  const rows = list.map((a) => [
    a.name,
    a.version,
    a.fetching ? `${a.state} (fetching)` : a.state,
    formatBytes(a.sizeOnDisk),
    formatBytes(a.downloadBytes),
    a.packages.map((p) => `${p.name}@${p.version}`).join(' + '),
  ]);
  const problems = list.filter((a) => a.problem).map((a) => `${a.name}: damaged: ${a.problem}`);
  return [table([['NAME', 'VERSION', 'CACHE', 'ON DISK', 'DOWNLOAD', 'PACKAGES'], ...rows]), ...problems].join('\n');
}

function planText(plan: AgentFetchPlan): string {
  if (plan.state === 'ready') return `${plan.name} ${plan.version}: already cached, nothing to download`;
  const resumed = plan.totalBytes - plan.downloadBytes;
  return [
    `${plan.name} ${plan.version}: ${plan.packages.length} package${plan.packages.length === 1 ? '' : 's'}, ${formatBytes(plan.downloadBytes)} to download` +
      (resumed > 0 ? ` (${formatBytes(resumed)} already here)` : '') +
      (plan.state === 'damaged' ? ' (the cache is damaged: refilling it)' : ''),
    ...plan.packages.map((p) => `  ${p.name}@${p.version}  ${formatBytes(p.bytes)}  ${p.tarball}`),
  ].join('\n');
}

export async function agentsCommand(ctx: CliContext, positionals: string[]): Promise<void> {
  const [action, name, ...rest] = positionals;
  if (rest.length > 0) throw new CliError(`unexpected argument "${rest[0]}"\n\n${agentsHelp}`, 2);
  const cache = ctx.openWorkbench().agentCache;
  switch (action) {
    case 'list':
    case undefined: {
      if (name !== undefined) throw new CliError(`unexpected argument "${name}"\n\n${agentsHelp}`, 2);
      const list = await cache.list();
      ctx.result(list, () => listText(list));
      return;
    }
    case 'fetch': {
      if (!name) throw new CliError(`expected an agent name (${cliAgentNames.join(', ')})\n\n${agentsHelp}`, 2);
      if (!(cliAgentNames as readonly string[]).includes(name)) throw new CliError(`unknown agent "${name}" (known: ${cliAgentNames.join(', ')})`, 2);
      await fetchAgent(ctx, name);
      return;
    }
    default:
      throw new CliError(`unknown agents action "${action}"\n\n${agentsHelp}`, 2);
  }
}

async function fetchAgent(ctx: CliContext, name: string): Promise<void> {
  const started = Date.now();
  const agent = await fetchWithProgress(ctx, name);
  ctx.result(agent, () => `${agent.name} ${agent.version}: ready in ${agent.cacheDir} (${formatBytes(agent.sizeOnDisk)} on disk, ${formatDuration(Date.now() - started)})`);
}

/** Fills an agent's cache with progress on stderr (a status line on a terminal); Ctrl-C cancels. */
export async function fetchWithProgress(ctx: CliContext, name: string): Promise<CliAgentInfo> {
  const started = Date.now();
  const abort = new AbortController();
  const onSigint = (): void => abort.abort(new Error('cancelled; fetch again to resume'));
  process.once('SIGINT', onSigint);
  const status = process.stderr.isTTY ? new StatusLine(process.stderr) : null;
  // Pipes get a line per tenth of each package, not a redraw per chunk.
  const lastTenth = new Map<string, number>();
  const onEvent = (event: AgentFetchEvent): void => {
    switch (event.type) {
      case 'plan':
        ctx.progress(planText(event.plan));
        return;
      case 'progress': {
        const line = `${event.package}: ${formatBytes(event.bytesDone)} of ${formatBytes(event.bytesTotal)} · all: ${formatBytes(event.totalDone)} of ${formatBytes(event.totalBytes)} · ${formatDuration(Date.now() - started)}`;
        if (status) status.update(line);
        else {
          const tenth = event.bytesTotal > 0 ? Math.floor((event.bytesDone / event.bytesTotal) * 10) : 10;
          if (tenth === lastTenth.get(event.package)) return;
          lastTenth.set(event.package, tenth);
          ctx.progress(line);
        }
        return;
      }
      case 'unpacking':
        if (status) status.update(`unpacking ${event.package}`);
        else ctx.progress(`unpacking ${event.package}`);
        return;
      case 'finished':
        status?.end();
        return;
      default:
        assertNever(event, 'fetch event');
    }
  };
  try {
    return await ctx.openWorkbench().agentCache.fetch(name, { onEvent, signal: abort.signal });
  } catch (error) {
    status?.end();
    throw new CliError(`fetching ${name}: ${(error as Error).message}`, abort.signal.aborted ? 130 : 1);
  } finally {
    process.off('SIGINT', onSigint);
  }
}
