/**
 * The New run form's "Model agent (built-in)" choice: a saved endpoint (Settings › Model
 * endpoints) or a base URL, model and the name of the environment variable holding the key;
 * the protocol; the agent's limits; and the run's dollar budget. Blank fields keep the
 * workbench's defaults. No key is ever typed or shown here: saved endpoints keep theirs, and
 * an inline endpoint names a variable the server reads when the run starts.
 */
import type { ReactElement } from 'react';
import type { AgentProtocol, BuiltinSolverInput } from '../../../../shared/agents';
import type { ApiKeyInfo, EndpointInfo } from '../../../../shared/endpoints';

/** The fields as typed. `endpoint` '' means "given here" (base URL and model). */
export interface AgentDraft {
  endpoint: string;
  baseUrl: string;
  model: string;
  apiKeyEnv: string;
  protocol: '' | AgentProtocol;
  maxTurns: string;
  maxTokens: string;
  attemptBudgetUsd: string;
  wallTimeMin: string;
  budgetUsd: string;
}

export const emptyAgentDraft: AgentDraft = {
  endpoint: '',
  baseUrl: '',
  model: '',
  apiKeyEnv: '',
  protocol: '',
  maxTurns: '',
  maxTokens: '',
  attemptBudgetUsd: '',
  wallTimeMin: '',
  budgetUsd: '',
};

/** The defaults the engine applies to blank limits (main/core/agents AGENT_DEFAULTS). */
const DEFAULT_TURNS = 40;
const DEFAULT_WALL_MIN = 60;

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

function whole(text: string, what: string, min: number, max: number): number | string | undefined {
  if (text.trim() === '') return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max) return `${what} is a whole number from ${min} to ${max}.`;
  return n;
}

function dollars(text: string, what: string, max: number): number | string | undefined {
  if (text.trim() === '') return undefined;
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0 || n > max) return `${what} is an amount of dollars above 0.`;
  return n;
}

/**
 * The `builtin` solver input the contract defines, or what is wrong with the draft (the
 * server checks again; this only says it sooner and in the form's words).
 */
export function agentSolverInput(draft: AgentDraft): { input: BuiltinSolverInput } | { problem: string } {
  const input: BuiltinSolverInput = { kind: 'builtin' };
  if (draft.endpoint !== '') {
    input.endpoint = draft.endpoint;
  } else {
    const baseUrl = draft.baseUrl.trim();
    let url: URL | null = null;
    try {
      url = new URL(baseUrl);
    } catch {
      url = null;
    }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) return { problem: 'Give the base URL of an OpenAI-compatible server, such as http://127.0.0.1:8080/v1.' };
    if (url.username || url.password) return { problem: 'The base URL must not carry credentials: give the name of an environment variable holding the key.' };
    if (draft.model.trim() === '') return { problem: 'Give the model name as the server knows it.' };
    input.baseUrl = baseUrl;
    input.model = draft.model.trim();
    const env = draft.apiKeyEnv.trim();
    if (env !== '') {
      if (!ENV_NAME.test(env)) return { problem: 'The API key variable is the name of an environment variable, such as OPENAI_API_KEY.' };
      input.apiKeyEnv = env;
    }
  }
  if (draft.protocol !== '') input.protocol = draft.protocol;
  const turns = whole(draft.maxTurns, 'Max turns', 1, 1000);
  const tokens = whole(draft.maxTokens, 'Max tokens', 1, Number.MAX_SAFE_INTEGER);
  const attemptBudget = dollars(draft.attemptBudgetUsd, 'The attempt budget', 1_000_000);
  const runBudget = dollars(draft.budgetUsd, 'The run budget', 10_000_000);
  let wallTimeSec: number | string | undefined;
  if (draft.wallTimeMin.trim() !== '') {
    const minutes = Number(draft.wallTimeMin);
    const sec = Math.round(minutes * 60);
    wallTimeSec = Number.isFinite(minutes) && sec >= 10 && sec <= 7 * 86_400 ? sec : 'The wall time is from 10 seconds (0.17 min) to 7 days.';
  }
  for (const v of [turns, tokens, attemptBudget, runBudget, wallTimeSec]) if (typeof v === 'string') return { problem: v };
  if (typeof turns === 'number') input.maxTurns = turns;
  if (typeof tokens === 'number') input.maxTokens = tokens;
  if (typeof attemptBudget === 'number') input.attemptBudgetUsd = attemptBudget;
  if (typeof wallTimeSec === 'number') input.wallTimeSec = wallTimeSec;
  if (typeof runBudget === 'number') input.budgetUsd = runBudget;
  return { input };
}

function keySource(key: ApiKeyInfo): string {
  if (key.source === 'env') return `key from $${key.name}${key.present ? '' : ' (not set)'}`;
  if (key.source === 'stored') return 'stored key';
  return 'no key';
}

export function AgentSolverFields(props: { draft: AgentDraft; endpoints: readonly EndpointInfo[]; onChange: (draft: AgentDraft) => void }): ReactElement {
  const { draft, endpoints, onChange } = props;
  const set = <K extends keyof AgentDraft>(key: K, value: AgentDraft[K]): void => onChange({ ...draft, [key]: value });
  const saved = endpoints.find((e) => e.name === draft.endpoint);
  return (
    <fieldset className="field agent-fields" aria-label="Model agent">
      <legend>Model agent</legend>
      <div className="agent-grid">
        <label className="field">
          <span>Endpoint</span>
          <select value={draft.endpoint} onChange={(e) => set('endpoint', e.currentTarget.value)}>
            {endpoints.map((e) => (
              <option key={e.name} value={e.name}>
                {e.name} · {e.model} · {keySource(e.apiKey)}
              </option>
            ))}
            <option value="">Another server (base URL and model)…</option>
          </select>
          {endpoints.length === 0 ? (
            <small className="muted">
              No saved endpoint: save one (with its prices and key) in <a href="#/settings">Settings</a>, or give a server here.
            </small>
          ) : (
            saved && <small className="muted mono">{saved.baseUrl}</small>
          )}
        </label>
        {draft.endpoint === '' && (
          <>
            <label className="field">
              <span>Base URL</span>
              <input type="url" value={draft.baseUrl} placeholder="http://127.0.0.1:8080/v1" onChange={(e) => set('baseUrl', e.currentTarget.value)} />
            </label>
            <label className="field">
              <span>Model</span>
              <input type="text" value={draft.model} placeholder="the name the server knows" onChange={(e) => set('model', e.currentTarget.value)} />
            </label>
            <label className="field">
              <span>API key variable</span>
              <input
                type="text"
                value={draft.apiKeyEnv}
                placeholder="OPENAI_API_KEY (blank: no key)"
                autoComplete="off"
                spellCheck={false}
                onChange={(e) => set('apiKeyEnv', e.currentTarget.value)}
              />
              <small className="muted">The name of an environment variable of the workbench, never the key. Tokens cost $0 without a saved endpoint&apos;s prices.</small>
            </label>
          </>
        )}
        <label className="field">
          <span>Protocol</span>
          <select value={draft.protocol} onChange={(e) => set('protocol', e.currentTarget.value as AgentDraft['protocol'])}>
            <option value="">{saved ? `the endpoint's (${saved.protocol})` : 'default (tools)'}</option>
            <option value="official">official (the reference agent&apos;s text protocol)</option>
            <option value="tools">tools (native tool calls)</option>
          </select>
        </label>
      </div>
      <div className="agent-grid limits">
        <label className="field">
          <span>Max turns</span>
          <input type="number" min={1} max={1000} step={1} value={draft.maxTurns} placeholder={String(DEFAULT_TURNS)} onChange={(e) => set('maxTurns', e.currentTarget.value)} />
        </label>
        <label className="field">
          <span>Attempt budget ($)</span>
          <input type="number" min={0} step="any" value={draft.attemptBudgetUsd} placeholder="none" onChange={(e) => set('attemptBudgetUsd', e.currentTarget.value)} />
        </label>
        <label className="field">
          <span>Max tokens</span>
          <input type="number" min={1} step={1} value={draft.maxTokens} placeholder="none" onChange={(e) => set('maxTokens', e.currentTarget.value)} />
        </label>
        <label className="field">
          <span>Wall time (min)</span>
          <input type="number" min={0.2} step="any" value={draft.wallTimeMin} placeholder={String(DEFAULT_WALL_MIN)} onChange={(e) => set('wallTimeMin', e.currentTarget.value)} />
        </label>
        <label className="field">
          <span>Run budget ($)</span>
          <input type="number" min={0} step="any" value={draft.budgetUsd} placeholder="none" onChange={(e) => set('budgetUsd', e.currentTarget.value)} />
          <small className="muted">No new attempt starts once it is spent.</small>
        </label>
      </div>
    </fieldset>
  );
}
