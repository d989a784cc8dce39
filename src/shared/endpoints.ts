/**
 * Named model endpoints: where an agent's model calls go (an OpenAI-compatible server), what the
 * tokens cost, and where the API key comes from. Shared by the Settings page, the CLI and main.
 *
 * The key itself never appears in these types' outputs: a listing says only where the key comes
 * from (an environment variable's name, a masked stored key, or none).
 */
import { z } from 'zod';
import { reasoningEfforts } from './reasoning';

// Apart, so the renderer can list them without loading this module's schemas (and zod).
export { reasoningEfforts };

/** How the built-in agent talks to the model: the reference text protocol or native tool calls. */
export const endpointProtocols = ['official', 'tools'] as const;
export type EndpointProtocol = (typeof endpointProtocols)[number];

/** An endpoint's name: a slug, because it names a secret file and appears in commands. */
export const endpointNameSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'a slug: lower-case letters, digits, ".", "_" or "-", starting with a letter or digit, at most 64 characters');

/**
 * A base URL including the API's version segment (`http://127.0.0.1:8080/v1`). Credentials in
 * the URL are refused: they would be stored in plain text beside the endpoint, where the key
 * must never be. A trailing slash is dropped so paths join the same way everywhere.
 */
export const baseUrlSchema = z
  .string()
  .trim()
  .min(1, 'a URL such as http://127.0.0.1:8080/v1')
  .max(2000)
  .superRefine((value, ctx) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      ctx.addIssue({ code: 'custom', message: `not a URL: expected http://host[:port]/path, such as http://127.0.0.1:8080/v1` });
      return;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') ctx.addIssue({ code: 'custom', message: `must start with http:// or https:// (got ${url.protocol})` });
    if (url.username || url.password) ctx.addIssue({ code: 'custom', message: 'must not carry credentials; give the API key as a key instead' });
    if (url.hash) ctx.addIssue({ code: 'custom', message: 'must not have a #fragment' });
  })
  .transform((value) => value.replace(/\/+$/, ''));

const price = z.number().min(0).max(1_000_000);

/** Dollars per million tokens (the same fields as the metering proxy's Prices). */
export const endpointPricesSchema = z
  .object({
    inputPerM: price.default(0),
    cachedInputPerM: price.default(0),
    outputPerM: price.default(0),
  })
  .strict();

/** Extra request parameters sent with every model call (omitted ones are left to the server). */
export const endpointParamsSchema = z
  .object({
    temperature: z.number().min(0).max(2).optional(),
    reasoningEffort: z.enum(reasoningEfforts).optional(),
    maxTokens: z.number().int().min(1).max(10_000_000).optional(),
  })
  .strict();

/** An environment variable's name (not its value). */
export const envVarNameSchema = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, 'an environment variable name such as OPENAI_API_KEY');

/**
 * Where the key comes from, as given when saving: an environment variable read at run time, a
 * key to store in the secret store (given once, never shown again), or none (a local server).
 */
export const apiKeyInputSchema = z.discriminatedUnion('source', [
  z.object({ source: z.literal('env'), name: envVarNameSchema }).strict(),
  z
    .object({
      source: z.literal('stored'),
      // Sent as an HTTP header, so no spaces or control characters (a pasted newline would break it).
      value: z.string().min(1, 'the key is empty').max(8192).regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces'),
    })
    .strict(),
  z.object({ source: z.literal('none') }).strict(),
]);

/**
 * Input of `endpoints.save`: creates the endpoint or replaces the one of the same name. Without
 * `apiKey` an existing endpoint keeps its key (a new one has none), so the key is given once.
 */
export const endpointSaveSchema = z
  .object({
    name: endpointNameSchema,
    baseUrl: baseUrlSchema,
    model: z.string().trim().min(1, 'a model name as the server knows it').max(300),
    protocol: z.enum(endpointProtocols).default('official'),
    prices: endpointPricesSchema.default({ inputPerM: 0, cachedInputPerM: 0, outputPerM: 0 }),
    /** The model's context window in tokens; the agent trims its history to fit. */
    contextTokens: z.number().int().min(256).max(100_000_000).optional(),
    params: endpointParamsSchema.default({}),
    apiKey: apiKeyInputSchema.optional(),
  })
  .strict();

export type EndpointSaveInput = z.input<typeof endpointSaveSchema>;
export type EndpointSaveParsed = z.output<typeof endpointSaveSchema>;
export type EndpointPrices = z.output<typeof endpointPricesSchema>;
export type EndpointParams = z.output<typeof endpointParamsSchema>;

/** Where an endpoint's key comes from, as listings show it: never the key itself. */
export type ApiKeyInfo =
  | { source: 'env'; name: string; /** Whether the variable is set in the workbench's environment now. */ present: boolean }
  /** `masked` keeps a few characters to tell keys apart (`sk-…abcd`); null when the stored key is missing. */
  | { source: 'stored'; masked: string | null }
  | { source: 'none' };

/** A saved endpoint as listed. */
export interface EndpointInfo {
  name: string;
  baseUrl: string;
  model: string;
  protocol: EndpointProtocol;
  prices: EndpointPrices;
  contextTokens: number | null;
  params: EndpointParams;
  apiKey: ApiKeyInfo;
  createdAt: string;
  updatedAt: string;
}

/** What testing an endpoint found (one models listing and one small chat completion). */
export interface EndpointTestResult {
  name: string;
  /** Whether the chat completion answered with a 2xx (after dropping `tools` if they were refused). */
  ok: boolean;
  /** HTTP status of the chat completion; null when nothing answered (refused, timeout, DNS). */
  status: number | null;
  /** Milliseconds until the chat completion's answer (or failure). */
  latencyMs: number;
  /** GET {baseUrl}/models: the ids it served, or why there is no list. */
  models: { available: true; ids: string[]; includesModel: boolean } | { available: false; status: number | null; note: string };
  /** Whether the reply carried a native tool call (`tool_calls`). */
  toolCalls: boolean;
  /** The server refused the request because it carried `tools` (plain chat then worked): use protocol `official`. */
  toolsRejected: boolean;
  /** The server's reason for refusing `tools`, when it did. */
  toolsError: string | null;
  /** The start of the model's text reply, if any. */
  reply: string | null;
  /** A short error text on failure, with the key scrubbed out. */
  error: string | null;
}
