/**
 * The New run form's view of the CLI agents: how each is offered in the Agent select, a fetch of
 * one folded from `agents.fetchProgress` events, and what still keeps a run with the chosen
 * agent from starting.
 */
import type { AgentName } from '../../../../shared/agents';
import type { AgentFetchEvent, CliAgentInfo } from '../../../../shared/cli-agents';
import { assertNever } from '../../../../shared/result';
import { formatBytes } from '../../format';

/** A fetch of one agent's binaries as far as its events went. */
export interface AgentFetchView {
  /** '' until the first event names the fetch (the request may still be on its way). */
  fetchId: string;
  phase: 'planning' | 'downloading' | 'unpacking' | 'ready' | 'failed';
  /** Bytes over all the fetch's tarballs. */
  done: number;
  total: number;
  /** The package downloading or unpacking now. */
  currentPackage: string | null;
  error: string | null;
}

/** What the form shows the moment Download is pressed, before the server has said anything. */
export const requestedFetch: AgentFetchView = { fetchId: '', phase: 'planning', done: 0, total: 0, currentPackage: null, error: null };

/** A fetch that ended; a new one (another id) starts from nothing. */
function isOver(view: AgentFetchView): boolean {
  return view.phase === 'ready' || view.phase === 'failed';
}

/** Applies one event; returns a new view (the input is not changed). */
export function foldAgentFetch(previous: AgentFetchView | undefined, event: AgentFetchEvent): AgentFetchView {
  const fresh = !previous || (previous.fetchId !== '' && previous.fetchId !== event.fetchId) || (previous.fetchId !== '' && isOver(previous));
  const view: AgentFetchView = fresh ? { ...requestedFetch, fetchId: event.fetchId } : { ...previous, fetchId: event.fetchId };
  switch (event.type) {
    case 'plan':
      // What is cached already counts as done: a resumed fetch does not start its bar at zero.
      return { ...view, phase: 'planning', total: event.plan.totalBytes, done: event.plan.totalBytes - event.plan.downloadBytes };
    case 'progress':
      return { ...view, phase: 'downloading', done: event.totalDone, total: event.totalBytes, currentPackage: event.package };
    case 'unpacking':
      return { ...view, phase: 'unpacking', done: view.total, currentPackage: event.package };
    case 'finished':
      return event.ok ? { ...view, phase: 'ready', done: view.total, currentPackage: null, error: null } : { ...view, phase: 'failed', currentPackage: null, error: event.error };
    default:
      return assertNever(event, 'agent fetch event');
  }
}

/** A fetch that has not ended: its agent cannot be fetched again meanwhile. */
export function fetchRunning(view: AgentFetchView | undefined): boolean {
  return view !== undefined && !isOver(view);
}

/** The fetch's progress in words, for the line under its bar. */
export function fetchProgressText(view: AgentFetchView): string {
  switch (view.phase) {
    case 'planning':
      return view.total > 0 ? `Starting the download (${formatBytes(view.total)})…` : 'Asking the npm registry what to download…';
    case 'downloading':
      return `${formatBytes(view.done)} of ${formatBytes(view.total)} downloaded`;
    case 'unpacking':
      return `Unpacking ${view.currentPackage ?? 'the packages'}…`;
    case 'ready':
      return 'Ready.';
    case 'failed':
      return `The download failed: ${view.error ?? 'no reason given'}. Downloading again resumes where it stopped.`;
    default:
      return assertNever(view.phase, 'fetch phase');
  }
}

/** `not downloaded (172 MB)`, `ready`, `damaged`: an agent's cache in words. */
export function cacheStateText(agent: CliAgentInfo): string {
  switch (agent.state) {
    case 'ready':
      return 'ready';
    case 'missing':
      return agent.downloadBytes === null ? 'not downloaded' : `not downloaded (${formatBytes(agent.downloadBytes)})`;
    case 'damaged':
      return 'damaged';
    default:
      return assertNever(agent.state, 'agent cache state');
  }
}

/** `Codex CLI 0.171.0 — ready`: a CLI agent as the Agent select offers it. */
export function cliAgentOptionLabel(agent: CliAgentInfo): string {
  return `${agent.displayName} ${agent.version} — ${cacheStateText(agent)}`;
}

/** `Download (172 MB)`: the button that fills an agent's cache. */
export function downloadLabel(agent: CliAgentInfo): string {
  return agent.downloadBytes === null ? 'Download' : `Download (${formatBytes(agent.downloadBytes)})`;
}

/** The agents' list as the form holds it: not loaded yet, loaded, or why it could not be. */
export interface CliAgentsList {
  agents: readonly CliAgentInfo[] | undefined;
  listError: string | null;
}

/**
 * Why a run with the chosen agent cannot start yet, or null when it can: a CLI agent must be
 * downloaded (whole and unchanged) first; a custom agent needs its command line.
 */
export function agentBlocker(choice: { agent: AgentName; agentCommand: string }, list: CliAgentsList): string | null {
  if (choice.agent === 'builtin') return null;
  if (choice.agent === 'custom') return choice.agentCommand.trim() === '' ? "Type the custom agent's command line." : null;
  const agent = list.agents?.find((a) => a.name === choice.agent);
  if (!agent) return list.listError ? `The CLI agents could not be listed: ${list.listError}` : 'Reading the CLI agents…';
  if (agent.state === 'ready') return null;
  return `Download ${agent.displayName} first (its cache is ${agent.state === 'damaged' ? 'damaged' : 'not downloaded'}).`;
}

/** The list with one agent replaced by what its finished fetch reported. */
export function withAgent(agents: readonly CliAgentInfo[] | undefined, updated: CliAgentInfo): CliAgentInfo[] | undefined {
  return agents?.map((a) => (a.name === updated.name ? updated : a));
}
