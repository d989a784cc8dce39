/**
 * The CLI agents as the New run form follows them: listed when an agent is wanted, and every
 * fetch of one folded from `agents.fetchProgress` events, fetches started in another window too.
 */
import { useCallback, useEffect, useState } from 'react';
import type { CliAgentInfo, CliAgentName } from '../../../../shared/cli-agents';
import { invoke, on } from '../../api';
import { foldAgentFetch, requestedFetch, withAgent, type AgentFetchView, type CliAgentsList } from './cli-agents-state';
import { errorText } from './format';

/** The agents' list and each agent's latest fetch, by name. */
export interface CliAgentsState extends CliAgentsList {
  fetches: Partial<Record<CliAgentName, AgentFetchView>>;
  startFetch: (name: CliAgentName) => void;
}

/**
 * Lists the CLI agents once `enabled` (the list checks every cached file, so not before an agent
 * is wanted) and follows every fetch of one, including fetches started in another window.
 */
export function useCliAgents(enabled: boolean): CliAgentsState {
  const [agents, setAgents] = useState<CliAgentInfo[]>();
  const [listError, setListError] = useState<string | null>(null);
  const [fetches, setFetches] = useState<Partial<Record<CliAgentName, AgentFetchView>>>({});

  useEffect(() => {
    if (!enabled) return undefined;
    let live = true;
    invoke('agents.list', {})
      .then((list) => {
        if (!live) return;
        setAgents(list);
        setListError(null);
      })
      .catch((e: unknown) => live && setListError(errorText(e)));
    return () => {
      live = false;
    };
  }, [enabled]);

  useEffect(
    () =>
      on('agents.fetchProgress', (event) => {
        setFetches((all) => ({ ...all, [event.name]: foldAgentFetch(all[event.name], event) }));
        if (event.type === 'finished' && event.ok) setAgents((list) => withAgent(list, event.agent));
      }),
    [],
  );

  const startFetch = useCallback((name: CliAgentName): void => {
    setFetches((all) => ({ ...all, [name]: requestedFetch }));
    invoke('agents.fetch', { name }).catch((e: unknown) =>
      setFetches((all) => ({ ...all, [name]: { ...requestedFetch, phase: 'failed', error: errorText(e) } })),
    );
  }, []);

  return { agents, listError, fetches, startFetch };
}
