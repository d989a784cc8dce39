import { describe, expect, it } from 'vitest';
import type { AgentFetchEvent, CliAgentInfo } from '../../../../shared/cli-agents';
import {
  agentBlocker,
  cliAgentOptionLabel,
  downloadLabel,
  fetchProgressText,
  fetchRunning,
  foldAgentFetch,
  requestedFetch,
  withAgent,
  type AgentFetchView,
} from './cli-agents-state';

const codex: CliAgentInfo = {
  name: 'codex',
  displayName: 'Codex CLI',
  version: '0.171.0',
  packages: [],
  state: 'missing',
  sizeOnDisk: null,
  downloadBytes: 172_038_336,
  cacheDir: '/data/agent-cache/codex/0.171.0',
  fetching: false,
};

const plan = (fetchId: string, totalBytes: number, downloadBytes: number): AgentFetchEvent => ({
  fetchId,
  name: 'codex',
  type: 'plan',
  plan: { name: 'codex', version: '0.171.0', state: 'missing', packages: [], totalBytes, downloadBytes },
});

function fold(events: AgentFetchEvent[], from?: AgentFetchView): AgentFetchView | undefined {
  return events.reduce<AgentFetchView | undefined>((view, event) => foldAgentFetch(view, event), from);
}

describe('CLI agents in the New run form', () => {
  it('offers each agent with its version and the state of its cache', () => {
    expect(cliAgentOptionLabel(codex)).toBe('Codex CLI 0.171.0 — not downloaded (172 MB)');
    expect(cliAgentOptionLabel({ ...codex, downloadBytes: null })).toBe('Codex CLI 0.171.0 — not downloaded');
    expect(cliAgentOptionLabel({ ...codex, state: 'ready', sizeOnDisk: 400_000_000 })).toBe('Codex CLI 0.171.0 — ready');
    expect(cliAgentOptionLabel({ ...codex, state: 'damaged' })).toBe('Codex CLI 0.171.0 — damaged');
    expect(downloadLabel(codex)).toBe('Download (172 MB)');
  });

  it('follows a fetch from its plan through the download and unpacking to ready', () => {
    let view = fold([plan('f1', 2_000_000, 1_500_000)], requestedFetch);
    expect(view).toMatchObject({ fetchId: 'f1', phase: 'planning', done: 500_000, total: 2_000_000 });
    view = fold(
      [{ fetchId: 'f1', name: 'codex', type: 'progress', package: '@openai/codex@0.171.0', bytesDone: 900_000, bytesTotal: 1_000_000, totalDone: 1_400_000, totalBytes: 2_000_000 }],
      view,
    );
    expect(view).toMatchObject({ phase: 'downloading', done: 1_400_000, total: 2_000_000 });
    expect(fetchProgressText(view!)).toBe('1.40 MB of 2.00 MB downloaded');
    view = fold([{ fetchId: 'f1', name: 'codex', type: 'unpacking', package: '@openai/codex@0.171.0' }], view);
    expect(fetchProgressText(view!)).toBe('Unpacking @openai/codex@0.171.0…');
    expect(fetchRunning(view)).toBe(true);
    view = fold([{ fetchId: 'f1', name: 'codex', type: 'finished', ok: true, agent: { ...codex, state: 'ready' } }], view);
    expect(view).toMatchObject({ phase: 'ready', done: 2_000_000 });
    expect(fetchRunning(view)).toBe(false);
    expect(fetchProgressText(view!)).toBe('Ready.');
  });

  it('says why a fetch failed, and starts the next fetch afresh', () => {
    const failed = fold([plan('f1', 100, 100), { fetchId: 'f1', name: 'codex', type: 'finished', ok: false, error: 'integrity mismatch' }]);
    expect(failed).toMatchObject({ phase: 'failed', error: 'integrity mismatch' });
    expect(fetchProgressText(failed!)).toMatch(/^The download failed: integrity mismatch\./);
    expect(fold([plan('f2', 100, 40)], failed)).toMatchObject({ fetchId: 'f2', phase: 'planning', done: 60, error: null });
  });

  it('holds a run back until its CLI agent is ready or its custom command is typed', () => {
    const list = { agents: [codex], listError: null };
    expect(agentBlocker({ agent: 'builtin', agentCommand: '' }, { agents: undefined, listError: null })).toBeNull();
    expect(agentBlocker({ agent: 'codex', agentCommand: '' }, list)).toMatch(/Download Codex CLI first/);
    expect(agentBlocker({ agent: 'codex', agentCommand: '' }, { agents: [{ ...codex, state: 'damaged' }], listError: null })).toMatch(/damaged/);
    expect(agentBlocker({ agent: 'codex', agentCommand: '' }, { agents: withAgent([codex], { ...codex, state: 'ready' }), listError: null })).toBeNull();
    expect(agentBlocker({ agent: 'codex', agentCommand: '' }, { agents: undefined, listError: 'offline' })).toMatch(/offline/);
    expect(agentBlocker({ agent: 'custom', agentCommand: '  ' }, list)).toMatch(/command line/);
    expect(agentBlocker({ agent: 'custom', agentCommand: 'my-agent' }, list)).toBeNull();
  });
});
