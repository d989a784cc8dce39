/**
 * `lancer endpoints add | list | test | remove`: named model endpoints for the agents, through
 * the same service and contract schema as the Settings page.
 */
import { reasoningEfforts, type ApiKeyInfo, type EndpointInfo, type EndpointSaveInput, type EndpointTestResult } from '../../shared/endpoints';
import { AppError } from '../../shared/result';
import { CliError, type CliContext } from '../context';

export const endpointsHelp = `lancer endpoints add NAME --base-url URL --model M [--api-key-env VAR | --api-key-stdin]
                       [--protocol official|tools] [--price-input X --price-cached Y --price-output Z]
                       [--context N] [--temperature T] [--reasoning-effort E] [--max-tokens N]
lancer endpoints list [--json]
lancer endpoints test NAME [--json]
lancer endpoints remove NAME
  A model endpoint is an OpenAI-compatible server (base URL with /v1) and a model on it.
  --api-key-env VAR   read the key from the environment variable VAR whenever a run starts
  --api-key-stdin     read the key from stdin once and keep it in the secret store; it is never
                      shown again (list shows it masked)
  Without either, a new endpoint sends no key and an existing one keeps its key.
  --protocol          official: the reference agent's text protocol (any server; the default);
                      tools: native tool calls (the server must return tool_calls; see test)
  --price-*           dollars per million input, cached input and output tokens (default 0)
  --context N         the model's context window in tokens
  --reasoning-effort  ${reasoningEfforts.join('|')}
  add replaces an endpoint of the same name. test lists the server's models and sends one chat
  completion with a tool, then says whether a native tool call came back (exit code 1 when the
  endpoint did not answer).`;

/** The flags of `lancer endpoints`, as main.ts parses them. */
export interface EndpointsCliOptions {
  baseUrl?: string;
  model?: string;
  apiKeyEnv?: string;
  apiKeyStdin: boolean;
  protocol?: string;
  priceInput?: string;
  priceCached?: string;
  priceOutput?: string;
  context?: string;
  temperature?: string;
  reasoningEffort?: string;
  maxTokens?: string;
}

/** Contract paths as the flags that set them, so a refused value names the flag the user typed. */
const flagOf: Record<string, string> = {
  'input.name': 'NAME',
  'input.baseUrl': '--base-url',
  'input.model': '--model',
  'input.protocol': '--protocol',
  'input.prices.inputPerM': '--price-input',
  'input.prices.cachedInputPerM': '--price-cached',
  'input.prices.outputPerM': '--price-output',
  'input.contextTokens': '--context',
  'input.params.temperature': '--temperature',
  'input.params.reasoningEffort': '--reasoning-effort',
  'input.params.maxTokens': '--max-tokens',
  'input.apiKey.name': '--api-key-env',
  'input.apiKey.value': '--api-key-stdin',
};

function withFlagNames(message: string): string {
  return message.replace(/input(?:\.[A-Za-z]+)+/g, (p) => (flagOf[p] ? `${flagOf[p]} (${p})` : p));
}

function num(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n)) throw new CliError(`${flag} must be a number, got "${v}"`, 2);
  return n;
}

/**
 * Reads the key from stdin. From a pipe: all of it, trimmed. From a terminal: one line typed
 * without echo, so the key does not stay on the screen or in a scrollback.
 */
async function readKeyFromStdin(): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) {
    const chunks: Buffer[] = [];
    for await (const chunk of stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
    return Buffer.concat(chunks).toString('utf8').trim();
  }
  process.stderr.write('API key (not echoed), then Enter: ');
  stdin.setRawMode(true);
  stdin.setEncoding('utf8');
  try {
    return await new Promise<string>((resolve, reject) => {
      let typed = '';
      const onData = (s: string): void => {
        for (const ch of s) {
          if (ch === '\r' || ch === '\n' || ch === '\u0004') {
            stdin.off('data', onData);
            resolve(typed.trim());
            return;
          }
          if (ch === '\u0003') {
            stdin.off('data', onData);
            reject(new CliError('cancelled', 130));
            return;
          }
          typed = ch === '\u007f' || ch === '\b' ? typed.slice(0, -1) : typed + ch;
        }
      };
      stdin.on('data', onData);
    });
  } finally {
    stdin.setRawMode(false);
    stdin.pause();
    process.stderr.write('\n');
  }
}

const keyText = (k: ApiKeyInfo): string =>
  k.source === 'env' ? `env $${k.name}${k.present ? '' : ' (not set)'}` : k.source === 'stored' ? `stored ${k.masked ?? '(missing)'}` : 'none';

const priceText = (e: EndpointInfo): string => `${e.prices.inputPerM}/${e.prices.cachedInputPerM}/${e.prices.outputPerM}`;

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ')).join('\n');
}

function testText(r: EndpointTestResult): string {
  const lines = [r.ok ? `${r.name}: answered in ${r.latencyMs} ms (HTTP ${r.status ?? '-'})` : `${r.name}: FAILED${r.status !== null ? ` (HTTP ${r.status})` : ''} after ${r.latencyMs} ms`];
  lines.push(
    r.models.available
      ? `  models: ${r.models.ids.length} listed${r.models.includesModel ? ', the configured model among them' : ', the configured model NOT among them'}`
      : `  models: no list (${r.models.note})`,
  );
  if (r.toolsRejected) lines.push(`  tool calls: the server refused tools (${r.toolsError ?? ''}); use --protocol official`);
  else if (r.ok) lines.push(`  tool calls: ${r.toolCalls ? 'yes, a native tool call came back' : 'no, the model answered in text (protocol official is the safe choice)'}`);
  if (r.reply) lines.push(`  reply: ${r.reply.replace(/\s+/g, ' ')}`);
  if (r.error) lines.push(`  error: ${r.error}`);
  return lines.join('\n');
}

export async function endpointsCommand(ctx: CliContext, positionals: string[], opts: EndpointsCliOptions): Promise<void> {
  const [action, name, ...rest] = positionals;
  if (rest.length > 0) throw new CliError(`unexpected argument "${rest[0]}"\n\n${endpointsHelp}`, 2);
  const needName = (): string => {
    if (!name) throw new CliError(`expected an endpoint name\n\n${endpointsHelp}`, 2);
    return name;
  };
  switch (action) {
    case 'add':
      return add(ctx, needName(), opts);
    case 'list':
    case undefined: {
      if (name !== undefined) throw new CliError(`unexpected argument "${name}"\n\n${endpointsHelp}`, 2);
      const list = ctx.openWorkbench().endpoints.list();
      ctx.result(list, () =>
        list.length === 0
          ? 'No model endpoints yet: lancer endpoints add NAME --base-url URL --model M'
          : table([
              ['NAME', 'PROTOCOL', 'MODEL', 'BASE URL', '$/M IN/CACHED/OUT', 'CONTEXT', 'KEY'],
              ...list.map((e) => [e.name, e.protocol, e.model, e.baseUrl, priceText(e), e.contextTokens === null ? '-' : String(e.contextTokens), keyText(e.apiKey)]),
            ]),
      );
      return;
    }
    case 'test': {
      const n = needName();
      const abort = new AbortController();
      const onSigint = (): void => abort.abort();
      process.once('SIGINT', onSigint);
      try {
        const result = await ctx.openWorkbench().endpoints.test(n, { signal: abort.signal });
        ctx.result(result, () => testText(result));
        // The reason is in the result above (stdout); stderr only marks the failure for scripts.
        if (!result.ok) throw new CliError(`endpoint ${n}: the test failed`, 1);
      } finally {
        process.off('SIGINT', onSigint);
      }
      return;
    }
    case 'remove': {
      const n = needName();
      const removed = ctx.openWorkbench().endpoints.remove(n);
      if (!removed) throw new CliError(`no endpoint named "${n}" (see lancer endpoints list)`, 1);
      ctx.result({ removed }, () => `removed ${n}`);
      return;
    }
    default:
      throw new CliError(`unknown endpoints action "${action}"\n\n${endpointsHelp}`, 2);
  }
}

async function add(ctx: CliContext, name: string, opts: EndpointsCliOptions): Promise<void> {
  if (opts.baseUrl === undefined) throw new CliError(`--base-url is required\n\n${endpointsHelp}`, 2);
  if (opts.model === undefined) throw new CliError(`--model is required\n\n${endpointsHelp}`, 2);
  if (opts.apiKeyEnv !== undefined && opts.apiKeyStdin) throw new CliError('give --api-key-env or --api-key-stdin, not both', 2);
  let apiKey: EndpointSaveInput['apiKey'];
  if (opts.apiKeyEnv !== undefined) apiKey = { source: 'env', name: opts.apiKeyEnv };
  else if (opts.apiKeyStdin) {
    const value = await readKeyFromStdin();
    if (!value) throw new CliError('--api-key-stdin: stdin held no key', 2);
    apiKey = { source: 'stored', value };
  }
  const prices = { inputPerM: num('--price-input', opts.priceInput), cachedInputPerM: num('--price-cached', opts.priceCached), outputPerM: num('--price-output', opts.priceOutput) };
  const input: EndpointSaveInput = {
    name,
    baseUrl: opts.baseUrl,
    model: opts.model,
    protocol: opts.protocol as EndpointSaveInput['protocol'],
    prices,
    contextTokens: num('--context', opts.context),
    params: {
      temperature: num('--temperature', opts.temperature),
      reasoningEffort: opts.reasoningEffort as NonNullable<EndpointSaveInput['params']>['reasoningEffort'],
      maxTokens: num('--max-tokens', opts.maxTokens),
    },
    apiKey,
  };
  const wb = ctx.openWorkbench();
  const existed = wb.endpoints.has(name);
  let saved: EndpointInfo;
  try {
    // The service parses this with the contract's endpoints.save schema, as the window's call is.
    saved = wb.endpoints.save(input);
  } catch (error) {
    if (error instanceof AppError && error.code === 'invalid_input') throw new CliError(withFlagNames(error.message), 2);
    throw error;
  }
  ctx.result(saved, () => `${existed ? 'updated' : 'added'} ${saved.name}: ${saved.model} at ${saved.baseUrl} (${saved.protocol}), key: ${keyText(saved.apiKey)}`);
}
