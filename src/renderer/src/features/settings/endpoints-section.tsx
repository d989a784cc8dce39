/**
 * Settings › Model endpoints: the OpenAI-compatible servers agents call, their prices and where
 * their keys come from. A key typed here is sent once with the save and never shown again; the
 * table shows only its source (masked for a stored key).
 */
import { Fragment, useCallback, useEffect, useState, type FormEvent, type ReactElement } from 'react';
import type { ApiKeyInfo, EndpointInfo, EndpointProtocol, EndpointSaveInput, EndpointTestResult } from '../../../../shared/endpoints';
import { reasoningEfforts } from '../../../../shared/reasoning';
import { assertNever } from '../../../../shared/result';
import { invoke } from '../../api';
import './endpoints-section.css';

type KeyChoice = 'keep' | 'stored' | 'env' | 'none';

/** The form's fields as typed (strings), turned into the contract's input on save. */
interface Draft {
  name: string;
  baseUrl: string;
  model: string;
  protocol: EndpointProtocol;
  inputPerM: string;
  cachedInputPerM: string;
  outputPerM: string;
  contextTokens: string;
  temperature: string;
  reasoningEffort: '' | (typeof reasoningEfforts)[number];
  maxTokens: string;
  keyChoice: KeyChoice;
  keyEnv: string;
}

const emptyDraft: Draft = {
  name: '',
  baseUrl: '',
  model: '',
  protocol: 'official',
  inputPerM: '0',
  cachedInputPerM: '0',
  outputPerM: '0',
  contextTokens: '',
  temperature: '',
  reasoningEffort: '',
  maxTokens: '',
  keyChoice: 'none',
  keyEnv: '',
};

function draftOf(e: EndpointInfo): Draft {
  return {
    name: e.name,
    baseUrl: e.baseUrl,
    model: e.model,
    protocol: e.protocol,
    inputPerM: String(e.prices.inputPerM),
    cachedInputPerM: String(e.prices.cachedInputPerM),
    outputPerM: String(e.prices.outputPerM),
    contextTokens: e.contextTokens === null ? '' : String(e.contextTokens),
    temperature: e.params.temperature === undefined ? '' : String(e.params.temperature),
    reasoningEffort: e.params.reasoningEffort ?? '',
    maxTokens: e.params.maxTokens === undefined ? '' : String(e.params.maxTokens),
    keyChoice: 'keep',
    keyEnv: e.apiKey.source === 'env' ? e.apiKey.name : '',
  };
}

/** Blank stays unset; anything else goes as a number, and the contract's schema judges it. */
const optionalNumber = (s: string): number | undefined => (s.trim() === '' ? undefined : Number(s));

function keyText(k: ApiKeyInfo): string {
  switch (k.source) {
    case 'env':
      return `env $${k.name}${k.present ? '' : ' (not set)'}`;
    case 'stored':
      return k.masked === null ? 'stored (missing)' : `stored ${k.masked}`;
    case 'none':
      return 'none';
    default:
      return assertNever(k, 'key source');
  }
}

function TestResult({ result }: { result: EndpointTestResult }): ReactElement {
  return (
    <div className="endpoint-test" role="status" aria-label={`test result of ${result.name}`}>
      <p className={result.ok ? 'ok' : 'error'}>
        {result.ok ? `Answered in ${result.latencyMs} ms (HTTP ${result.status ?? '-'}).` : `Failed${result.status !== null ? ` (HTTP ${result.status})` : ''} after ${result.latencyMs} ms.`}
      </p>
      <ul>
        <li>
          Models:{' '}
          {result.models.available
            ? `${result.models.ids.length} listed; the configured model is ${result.models.includesModel ? '' : 'not '}among them.`
            : `no list (${result.models.note}).`}
        </li>
        {result.toolsRejected ? (
          <li className="warn-text">Tool calls: the server refused tools ({result.toolsError}); use the official protocol.</li>
        ) : (
          result.ok && <li>Tool calls: {result.toolCalls ? 'yes, a native tool call came back.' : 'no, the model answered in text (the official protocol is the safe choice).'}</li>
        )}
        {result.reply && <li>Reply: {result.reply}</li>}
        {result.error && <li className="error">Error: {result.error}</li>}
      </ul>
    </div>
  );
}

export function EndpointsSection(): ReactElement {
  const [endpoints, setEndpoints] = useState<EndpointInfo[]>();
  const [draft, setDraft] = useState<Draft>();
  const [editing, setEditing] = useState<string | null>(null);
  // The key lives only in this state while the form is open; it is dropped on save and on cancel.
  const [keyValue, setKeyValue] = useState('');
  const [message, setMessage] = useState<{ ok: boolean; text: string }>();
  const [tests, setTests] = useState<Record<string, EndpointTestResult | 'running'>>({});

  const reload = useCallback(async (): Promise<void> => {
    try {
      setEndpoints(await invoke('endpoints.list', {}));
    } catch (error) {
      setMessage({ ok: false, text: (error as Error).message });
    }
  }, []);

  useEffect(() => {
    void reload();
  }, [reload]);

  const close = (): void => {
    setDraft(undefined);
    setEditing(null);
    setKeyValue('');
  };

  const set = <K extends keyof Draft>(key: K, value: Draft[K]): void => setDraft((d) => (d ? { ...d, [key]: value } : d));

  const save = async (event: FormEvent<HTMLFormElement>): Promise<void> => {
    event.preventDefault();
    if (!draft) return;
    if (editing === null && endpoints?.some((e) => e.name === draft.name)) {
      setMessage({ ok: false, text: `An endpoint named ${draft.name} exists; edit it instead.` });
      return;
    }
    let apiKey: EndpointSaveInput['apiKey'];
    if (draft.keyChoice === 'stored') apiKey = { source: 'stored', value: keyValue.trim() };
    else if (draft.keyChoice === 'env') apiKey = { source: 'env', name: draft.keyEnv.trim() };
    else if (draft.keyChoice === 'none') apiKey = { source: 'none' };
    const input: EndpointSaveInput = {
      name: draft.name.trim(),
      baseUrl: draft.baseUrl,
      model: draft.model,
      protocol: draft.protocol,
      prices: { inputPerM: Number(draft.inputPerM || 0), cachedInputPerM: Number(draft.cachedInputPerM || 0), outputPerM: Number(draft.outputPerM || 0) },
      contextTokens: optionalNumber(draft.contextTokens),
      params: {
        temperature: optionalNumber(draft.temperature),
        reasoningEffort: draft.reasoningEffort === '' ? undefined : draft.reasoningEffort,
        maxTokens: optionalNumber(draft.maxTokens),
      },
      apiKey,
    };
    try {
      const saved = await invoke('endpoints.save', input);
      close();
      setMessage({ ok: true, text: `Saved ${saved.name}.` });
      setTests(({ [saved.name]: _stale, ...rest }) => rest);
      await reload();
    } catch (error) {
      setMessage({ ok: false, text: (error as Error).message });
    }
  };

  const remove = async (name: string): Promise<void> => {
    if (!window.confirm(`Remove the endpoint ${name} and its stored key?`)) return;
    try {
      await invoke('endpoints.remove', { name });
      setMessage({ ok: true, text: `Removed ${name}.` });
      if (editing === name) close();
      await reload();
    } catch (error) {
      setMessage({ ok: false, text: (error as Error).message });
    }
  };

  const test = async (name: string): Promise<void> => {
    setTests((t) => ({ ...t, [name]: 'running' }));
    try {
      const result = await invoke('endpoints.test', { name });
      setTests((t) => ({ ...t, [name]: result }));
    } catch (error) {
      setTests(({ [name]: _running, ...rest }) => rest);
      setMessage({ ok: false, text: (error as Error).message });
    }
  };

  return (
    <section className="endpoints-section" aria-labelledby="endpoints-heading">
      <h2 id="endpoints-heading">Model endpoints</h2>
      <p className="muted">
        OpenAI-compatible servers the agents call (llama.cpp, vLLM, Ollama, LM Studio or a hosted API). Keys are kept apart
        from the database and never shown again after saving.
      </p>
      {endpoints === undefined ? (
        <p className="muted">Loading…</p>
      ) : endpoints.length === 0 ? (
        <p className="muted">No endpoints yet.</p>
      ) : (
        <table className="endpoints-table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Base URL</th>
              <th>Model</th>
              <th>Protocol</th>
              <th title="Dollars per million tokens: input / cached input / output">$/M in · cached · out</th>
              <th>Key</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {endpoints.map((e) => {
              const t = tests[e.name];
              return (
                <Fragment key={e.name}>
                <tr data-endpoint={e.name}>
                  <td className="mono">{e.name}</td>
                  <td className="mono">{e.baseUrl}</td>
                  <td className="mono">{e.model}</td>
                  <td>{e.protocol}</td>
                  <td className="num">
                    {e.prices.inputPerM} · {e.prices.cachedInputPerM} · {e.prices.outputPerM}
                  </td>
                  <td className="mono">{keyText(e.apiKey)}</td>
                  <td className="row-actions">
                    <button type="button" onClick={() => void test(e.name)} disabled={t === 'running'}>
                      {t === 'running' ? 'Testing…' : 'Test'}
                    </button>
                    <button
                      type="button"
                      onClick={() => {
                        setEditing(e.name);
                        setDraft(draftOf(e));
                        setKeyValue('');
                      }}
                    >
                      Edit
                    </button>
                    <button type="button" className="danger" onClick={() => void remove(e.name)}>
                      Remove
                    </button>
                  </td>
                </tr>
                {t && t !== 'running' && (
                  <tr className="test-row">
                    <td colSpan={7}>
                      <TestResult result={t} />
                    </td>
                  </tr>
                )}
                </Fragment>
              );
            })}
          </tbody>
        </table>
      )}
      {!draft && (
        <button
          type="button"
          onClick={() => {
            setEditing(null);
            setDraft(emptyDraft);
            setKeyValue('');
          }}
        >
          Add endpoint
        </button>
      )}
      {draft && (
        <form className="endpoint-form" onSubmit={(e) => void save(e)} aria-label={editing ? `Edit endpoint ${editing}` : 'Add endpoint'}>
          <h3>{editing ? `Edit ${editing}` : 'Add endpoint'}</h3>
          <label>
            <span>Name</span>
            <input type="text" value={draft.name} readOnly={editing !== null} required onChange={(e) => set('name', e.target.value)} placeholder="local-qwen" />
            <small className="muted">Lower-case letters, digits, ".", "_" or "-".</small>
          </label>
          <label>
            <span>Base URL</span>
            <input type="text" value={draft.baseUrl} required onChange={(e) => set('baseUrl', e.target.value)} placeholder="http://127.0.0.1:8080/v1" />
          </label>
          <label>
            <span>Model</span>
            <input type="text" value={draft.model} required onChange={(e) => set('model', e.target.value)} placeholder="the name the server knows" />
          </label>
          <label>
            <span>Protocol</span>
            <select value={draft.protocol} onChange={(e) => set('protocol', e.target.value as Draft['protocol'])}>
              <option value="official">official (text protocol of the reference agent; any server)</option>
              <option value="tools">tools (native tool calls; test first)</option>
            </select>
          </label>
          <fieldset className="prices">
            <legend>Prices, $ per million tokens</legend>
            <label>
              <span>Input</span>
              <input type="number" min={0} step="any" value={draft.inputPerM} onChange={(e) => set('inputPerM', e.target.value)} />
            </label>
            <label>
              <span>Cached input</span>
              <input type="number" min={0} step="any" value={draft.cachedInputPerM} onChange={(e) => set('cachedInputPerM', e.target.value)} />
            </label>
            <label>
              <span>Output</span>
              <input type="number" min={0} step="any" value={draft.outputPerM} onChange={(e) => set('outputPerM', e.target.value)} />
            </label>
          </fieldset>
          <label>
            <span>Context size (tokens, optional)</span>
            <input type="number" min={256} step={1} value={draft.contextTokens} onChange={(e) => set('contextTokens', e.target.value)} />
          </label>
          <fieldset className="params">
            <legend>Request parameters (optional)</legend>
            <label>
              <span>Temperature</span>
              <input type="number" min={0} max={2} step="any" value={draft.temperature} onChange={(e) => set('temperature', e.target.value)} />
            </label>
            <label>
              <span>Reasoning effort</span>
              <select value={draft.reasoningEffort} onChange={(e) => set('reasoningEffort', e.target.value as Draft['reasoningEffort'])}>
                <option value="">(server default)</option>
                {reasoningEfforts.map((r) => (
                  <option key={r} value={r}>
                    {r}
                  </option>
                ))}
              </select>
            </label>
            <label>
              <span>Max tokens per reply</span>
              <input type="number" min={1} step={1} value={draft.maxTokens} onChange={(e) => set('maxTokens', e.target.value)} />
            </label>
          </fieldset>
          <fieldset className="key">
            <legend>API key</legend>
            {editing !== null && (
              <label className="checkbox">
                <input type="radio" name="keyChoice" checked={draft.keyChoice === 'keep'} onChange={() => set('keyChoice', 'keep')} />
                <span>Keep the current key ({keyText(endpoints?.find((e) => e.name === editing)?.apiKey ?? { source: 'none' })})</span>
              </label>
            )}
            <label className="checkbox">
              <input type="radio" name="keyChoice" checked={draft.keyChoice === 'stored'} onChange={() => set('keyChoice', 'stored')} />
              <span>Store a key</span>
            </label>
            {draft.keyChoice === 'stored' && (
              <input type="password" aria-label="API key" autoComplete="off" value={keyValue} required onChange={(e) => setKeyValue(e.target.value)} placeholder="sk-…" />
            )}
            <label className="checkbox">
              <input type="radio" name="keyChoice" checked={draft.keyChoice === 'env'} onChange={() => set('keyChoice', 'env')} />
              <span>Key from an environment variable (read when a run starts)</span>
            </label>
            {draft.keyChoice === 'env' && (
              <input type="text" aria-label="Environment variable" value={draft.keyEnv} required onChange={(e) => set('keyEnv', e.target.value)} placeholder="OPENAI_API_KEY" />
            )}
            <label className="checkbox">
              <input type="radio" name="keyChoice" checked={draft.keyChoice === 'none'} onChange={() => set('keyChoice', 'none')} />
              <span>No key (a local server)</span>
            </label>
          </fieldset>
          <div className="form-actions">
            <button type="submit">Save endpoint</button>
            <button type="button" onClick={close}>
              Cancel
            </button>
          </div>
        </form>
      )}
      {message && (
        <p role={message.ok ? 'status' : 'alert'} className={message.ok ? 'ok' : 'error'}>
          {message.text}
        </p>
      )}
    </section>
  );
}
