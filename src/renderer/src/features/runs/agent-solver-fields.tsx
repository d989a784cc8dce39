/**
 * The New run form's "Model agent" choice: which agent (the built-in one on the host, a CLI
 * agent run in the task's container from its downloaded cache, or a custom command line); a
 * saved endpoint (Settings › Model endpoints) or a base URL, model and the name of the
 * environment variable holding the key; the protocol (built-in agent only); the agent's limits;
 * and the run's dollar budget. Blank fields keep the workbench's defaults. No key is ever typed
 * or shown here: saved endpoints keep theirs, and an inline endpoint names a variable the
 * server reads when the run starts.
 */
import type { ReactElement } from 'react';
import { customAgentEnvNames } from '../../../../shared/agent-env';
import type { AgentName, AgentProtocol, BuiltinSolverInput } from '../../../../shared/agents';
import type { CliAgentInfo } from '../../../../shared/cli-agents';
import type { ApiKeyInfo, EndpointInfo } from '../../../../shared/endpoints';
import { cacheStateText, cliAgentOptionLabel, downloadLabel, fetchProgressText, fetchRunning, requestedFetch, type AgentFetchView } from './cli-agents-state';
import { formatBytes } from './format';
import type { CliAgentsState } from './use-cli-agents';
import './agent-choice.css';

/** The fields as typed. `endpoint` '' means "given here" (base URL and model). */
export interface AgentDraft {
  agent: AgentName;
  /** The custom agent's command line (kept while another agent is chosen). */
  agentCommand: string;
  /** Images of your own for a custom agent (`<prefix>_<question id>`); '' for the usual ones. */
  imagePrefix: string;
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
  agent: 'builtin',
  agentCommand: '',
  imagePrefix: '',
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
/** As runStartSchema's imagePrefix. */
const IMAGE_PREFIX = /^[a-z0-9][a-z0-9._/-]*$/;
/** As builtinSolverInputSchema's agentCommand. */
const MAX_COMMAND_CHARS = 10_000;

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
  if (draft.agent === 'custom') {
    const command = draft.agentCommand.trim();
    if (command === '') return { problem: "Type the custom agent's command line." };
    if (command.length > MAX_COMMAND_CHARS) return { problem: `The command line is longer than ${MAX_COMMAND_CHARS.toLocaleString('en-US')} characters.` };
    input.agent = 'custom';
    input.agentCommand = command;
  } else if (draft.agent !== 'builtin') {
    input.agent = draft.agent;
  }
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
  // Only the built-in agent speaks a protocol of ours; a CLI or custom agent speaks its own.
  if (draft.protocol !== '' && draft.agent === 'builtin') input.protocol = draft.protocol;
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

/**
 * The image prefix a custom agent's run asks for (`undefined`: the usual images), or what is
 * wrong with it. Only a custom agent takes one: the others run in the benchmark's own images.
 */
export function agentImagePrefix(draft: AgentDraft): { prefix: string | undefined } | { problem: string } {
  const prefix = draft.imagePrefix.trim();
  if (draft.agent !== 'custom' || prefix === '') return { prefix: undefined };
  if (!IMAGE_PREFIX.test(prefix)) return { problem: 'The image prefix is an image name without its tag, such as registry.example.com/my-agent (lower case).' };
  return { prefix };
}

/** A CLI agent's cache: ready, or a Download button and the download's progress. */
function CliAgentCache({ agent, view, onFetch }: { agent: CliAgentInfo; view: AgentFetchView | undefined; onFetch: () => void }): ReactElement {
  // A fetch started before this form opened (another window) shows as under way until its events come.
  const shown = view ?? (agent.fetching ? requestedFetch : undefined);
  const running = fetchRunning(shown);
  if (agent.state === 'ready' && !running) {
    return (
      <div className="agent-cache" data-testid="agent-cache" data-state="ready">
        <p className="muted">
          Ready{agent.sizeOnDisk !== null && ` · ${formatBytes(agent.sizeOnDisk)}`} in <span className="mono">{agent.cacheDir}</span>; mounted read-only into
          each task&apos;s container, where the agent reaches only the workbench&apos;s metering proxy.
        </p>
      </div>
    );
  }
  return (
    <div className="agent-cache" data-testid="agent-cache" data-state={agent.state}>
      {!running && (
        <p className="muted">
          {agent.displayName} {agent.version} is {cacheStateText(agent)}
          {agent.problem && <> ({agent.problem})</>}: download its pinned npm packages (checked against their recorded hashes) before the run.
        </p>
      )}
      {!running && (
        <button type="button" onClick={onFetch}>
          {downloadLabel(agent)}
        </button>
      )}
      {shown && (
        <div className="agent-fetch">
          {running && (
            <progress aria-label={`Download of ${agent.displayName}`} max={Math.max(shown.total, 1)} value={shown.phase === 'planning' && shown.total === 0 ? undefined : shown.done} />
          )}
          <span role={shown.phase === 'failed' ? 'alert' : 'status'} className={shown.phase === 'failed' ? 'error' : shown.phase === 'ready' ? 'tone-ok' : 'muted'}>
            {fetchProgressText(shown)}
          </span>
        </div>
      )}
    </div>
  );
}

/** The custom agent's command line and what it gets to work with. */
function CustomAgentFields({ draft, set }: { draft: AgentDraft; set: <K extends keyof AgentDraft>(key: K, value: AgentDraft[K]) => void }): ReactElement {
  return (
    <div className="agent-custom">
      <label className="field">
        <span>Command line</span>
        <textarea
          rows={3}
          required
          value={draft.agentCommand}
          placeholder={'my-agent --model "$LANCER_MODEL" --task "$(cat "$LANCER_PROMPT_FILE")"'}
          spellCheck={false}
          autoComplete="off"
          onChange={(e) => set('agentCommand', e.currentTarget.value)}
        />
        <small className="muted">
          Runs with bash in the repository, inside the task&apos;s container. It gets{' '}
          {customAgentEnvNames.map((name, i) => (
            <span key={name}>
              {i > 0 && ', '}
              <code>{name}</code>
            </span>
          ))}
          : the metering proxy and this run&apos;s own key for it (never the real key), the model&apos;s name and the file holding the task&apos;s prompt.
        </small>
      </label>
      <label className="field">
        <span>Image prefix</span>
        <input
          type="text"
          value={draft.imagePrefix}
          placeholder="the usual images"
          autoComplete="off"
          spellCheck={false}
          onChange={(e) => set('imagePrefix', e.currentTarget.value)}
        />
        <small className="muted">
          For an agent installed in images of your own: <code>&lt;prefix&gt;_&lt;question id&gt;</code>, <code>&lt;prefix&gt;_monolith</code> for manager tasks.
        </small>
      </label>
    </div>
  );
}

function keySource(key: ApiKeyInfo): string {
  if (key.source === 'env') return `key from $${key.name}${key.present ? '' : ' (not set)'}`;
  if (key.source === 'stored') return 'stored key';
  return 'no key';
}

function isAgentName(value: string, agents: readonly CliAgentInfo[] | undefined): value is AgentName {
  return value === 'builtin' || value === 'custom' || (agents ?? []).some((a) => a.name === value);
}

/** What the chosen agent is, under the Agent select. */
function agentHelp(agent: AgentName): string {
  if (agent === 'builtin') return "Runs on the host; its tool calls run in the task's container.";
  if (agent === 'custom') return "Your own command line, run in the task's container.";
  return "Runs in the task's container from its downloaded cache.";
}

export function AgentSolverFields(props: {
  draft: AgentDraft;
  endpoints: readonly EndpointInfo[];
  cliAgents: CliAgentsState;
  onChange: (draft: AgentDraft) => void;
}): ReactElement {
  const { draft, endpoints, cliAgents, onChange } = props;
  const set = <K extends keyof AgentDraft>(key: K, value: AgentDraft[K]): void => onChange({ ...draft, [key]: value });
  const saved = endpoints.find((e) => e.name === draft.endpoint);
  const cliAgent = cliAgents.agents?.find((a) => a.name === draft.agent);
  return (
    <fieldset className="field agent-fields" aria-label="Model agent">
      <legend>Model agent</legend>
      <div className="agent-grid agent-choice">
        <label className="field">
          <span>Agent</span>
          <select
            value={draft.agent}
            onChange={(e) => {
              const value = e.currentTarget.value;
              if (isAgentName(value, cliAgents.agents)) set('agent', value);
            }}
          >
            <option value="builtin">Built-in agent (runs on the host)</option>
            {cliAgents.agents?.map((a) => (
              <option key={a.name} value={a.name} data-state={a.state}>
                {cliAgentOptionLabel(a)}
              </option>
            ))}
            {/* Until the list comes, a CLI agent chosen before (the form kept its draft) stays selectable. */}
            {!cliAgents.agents && draft.agent !== 'builtin' && draft.agent !== 'custom' && <option value={draft.agent}>{draft.agent}</option>}
            <option value="custom">Custom command line</option>
          </select>
          <small className="muted">{agentHelp(draft.agent)}</small>
          {!cliAgents.agents && !cliAgents.listError && <small className="muted">Reading the CLI agents…</small>}
          {cliAgents.listError && <small className="error">The CLI agents could not be listed: {cliAgents.listError}</small>}
        </label>
        {cliAgent && (
          <CliAgentCache agent={cliAgent} view={cliAgents.fetches[cliAgent.name]} onFetch={() => cliAgents.startFetch(cliAgent.name)} />
        )}
      </div>
      {draft.agent === 'custom' && <CustomAgentFields draft={draft} set={set} />}
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
        {draft.agent === 'builtin' && (
          <label className="field">
            <span>Protocol</span>
            <select value={draft.protocol} onChange={(e) => set('protocol', e.currentTarget.value as AgentDraft['protocol'])}>
              <option value="">{saved ? `the endpoint's (${saved.protocol})` : 'default (tools)'}</option>
              <option value="official">official (the reference agent&apos;s text protocol)</option>
              <option value="tools">tools (native tool calls)</option>
            </select>
          </label>
        )}
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
