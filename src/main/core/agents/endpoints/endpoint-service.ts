/**
 * Named model endpoints: saving, listing and removing them, resolving one (with its real key) for
 * the engine, and testing one. The key is the one thing handled with care here: it is written to
 * the secret store and read back only by {@link EndpointService.resolveEndpoint}; everything
 * else sees where it comes from and, for a stored key, a masked form.
 */
import {
  endpointSaveSchema,
  type ApiKeyInfo,
  type EndpointInfo,
  type EndpointParams,
  type EndpointProtocol,
  type EndpointSaveInput,
  type EndpointTestResult,
} from '../../../../shared/endpoints';
import { AppError, assertNever, parseInput } from '../../../../shared/result';
import type { Db } from '../../store/database';
import type { Prices } from '../proxy/usage';
import { probeEndpoint, type ProbeOptions } from './endpoint-probe';
import { EndpointRepo, type EndpointRecord, type KeySource } from './endpoint-repo';
import type { SecretStore } from './secret-store';

/** An endpoint ready to call: what the engine and the metering proxy need, the real key included. */
export interface ResolvedEndpoint {
  name: string;
  /** Without a trailing slash, e.g. `http://127.0.0.1:8080/v1`. */
  baseUrl: string;
  model: string;
  protocol: EndpointProtocol;
  prices: Prices;
  contextTokens: number | null;
  params: EndpointParams;
  /** The key to send as `Authorization: Bearer`, or null for servers without keys. Never store or log it. */
  apiKey: string | null;
  /** Where the key came from (never the key), for a run's manifest. */
  apiKeySource: { source: 'env'; name: string } | { source: 'stored' } | { source: 'none' };
}

export interface EndpointServiceOptions {
  db: Db;
  secrets: SecretStore;
  /** The environment `apiKeyEnv` keys are read from, at the moment of use; default process.env. */
  env?: () => NodeJS.ProcessEnv;
}

/** The secret store's name for an endpoint's key. */
export function secretNameOf(endpoint: string): string {
  return `endpoint.${endpoint}`;
}

/**
 * A form of a key that tells keys apart without giving them away: the first three and last four
 * characters of a long key (`sk-…abcd`), fewer of a short one, where seven would be most of it.
 */
export function maskKey(key: string): string {
  if (key.length >= 20) return `${key.slice(0, 3)}…${key.slice(-4)}`;
  if (key.length >= 10) return `…${key.slice(-2)}`;
  return '…';
}

export class EndpointService {
  private readonly repo: EndpointRepo;
  private readonly secrets: SecretStore;
  private readonly env: () => NodeJS.ProcessEnv;

  constructor(opts: EndpointServiceOptions) {
    this.repo = new EndpointRepo(opts.db);
    this.secrets = opts.secrets;
    this.env = opts.env ?? (() => process.env);
  }

  /** Which kind of secret store keeps stored keys. */
  get secretStoreKind(): SecretStore['kind'] {
    return this.secrets.kind;
  }

  /** Every endpoint, by name, with its key source (masked), never the key. */
  list(): EndpointInfo[] {
    return this.repo.list().map((r) => this.info(r));
  }

  /** One endpoint as listed; not_found when there is none of that name. */
  get(name: string): EndpointInfo {
    return this.info(this.record(name, 'endpoints.get'));
  }

  /** Whether an endpoint of that name exists. */
  has(name: string): boolean {
    return this.repo.get(name) !== null;
  }

  /**
   * Creates an endpoint or replaces the one of the same name, after checking the input against
   * the contract's schema (so the CLI gets the same checks as the window). Without `apiKey`, an
   * existing endpoint keeps its key source and key.
   */
  save(raw: EndpointSaveInput): EndpointInfo {
    const input = parseInput(endpointSaveSchema, raw, 'endpoints.save');
    const existing = this.repo.get(input.name);
    let keySource: KeySource = existing?.keySource ?? 'none';
    let keyEnv: string | null = existing?.keyEnv ?? null;
    const key = input.apiKey;
    if (key !== undefined) {
      keySource = key.source;
      keyEnv = key.source === 'env' ? key.name : null;
      // The key first: an endpoint row saying "stored" with no key behind it would fail at run time.
      if (key.source === 'stored') this.secrets.set(secretNameOf(input.name), key.value);
    }
    const record = this.repo.upsert({
      name: input.name,
      baseUrl: input.baseUrl,
      model: input.model,
      protocol: input.protocol,
      prices: input.prices,
      contextTokens: input.contextTokens ?? null,
      params: input.params,
      keySource,
      keyEnv,
    });
    // A key no longer used must not linger on disk (also clears one a crash left behind).
    if (keySource !== 'stored') this.secrets.delete(secretNameOf(input.name));
    return this.info(record);
  }

  /** Removes an endpoint and its stored key; false when there was none of that name. */
  remove(name: string): boolean {
    const removed = this.repo.delete(name);
    this.secrets.delete(secretNameOf(name));
    return removed;
  }

  /**
   * The endpoint with its real key, for the engine and the metering proxy. The key is read now
   * (an environment variable's current value, or the secret store), so a changed key takes
   * effect on the next run. Throws not_found for an unknown name and unavailable when the key
   * it names is not there.
   */
  resolveEndpoint(name: string): ResolvedEndpoint {
    const r = this.record(name, 'resolveEndpoint');
    let apiKey: string | null = null;
    switch (r.keySource) {
      case 'none':
        break;
      case 'env': {
        const value = r.keyEnv ? this.env()[r.keyEnv]?.trim() : undefined;
        if (!value) throw new AppError('unavailable', `endpoint ${name}: its key comes from the environment variable ${r.keyEnv ?? '(none)'}, which is not set for the workbench`);
        apiKey = value;
        break;
      }
      case 'stored': {
        apiKey = this.secrets.get(secretNameOf(name));
        if (!apiKey) throw new AppError('unavailable', `endpoint ${name}: its stored key is missing from the ${this.secrets.kind} secret store; save the endpoint with the key again`);
        break;
      }
      default:
        return assertNever(r.keySource, `endpoint ${name}: key source`);
    }
    return {
      name: r.name,
      baseUrl: r.baseUrl,
      model: r.model,
      protocol: r.protocol,
      prices: { ...r.prices },
      contextTokens: r.contextTokens,
      params: { ...r.params },
      apiKey,
      apiKeySource: r.keySource === 'env' ? { source: 'env', name: r.keyEnv ?? '' } : { source: r.keySource },
    };
  }

  /**
   * Tests an endpoint: its model list and one small chat completion with a tool (see
   * probeEndpoint). A key that cannot be resolved is reported as the result's error, not thrown,
   * so the Test button shows it where the other failures show.
   */
  async test(name: string, opts: ProbeOptions = {}): Promise<EndpointTestResult> {
    let resolved: ResolvedEndpoint;
    try {
      resolved = this.resolveEndpoint(name);
    } catch (error) {
      if (error instanceof AppError && error.code === 'unavailable') {
        return {
          name,
          ok: false,
          status: null,
          latencyMs: 0,
          models: { available: false, status: null, note: 'not asked: the key is missing' },
          toolCalls: false,
          toolsRejected: false,
          toolsError: null,
          reply: null,
          error: error.message,
        };
      }
      throw error;
    }
    return probeEndpoint(name, resolved, opts);
  }

  private record(name: string, where: string): EndpointRecord {
    const r = this.repo.get(name);
    if (!r) throw new AppError('not_found', `${where}: no endpoint named "${name}"`);
    return r;
  }

  private info(r: EndpointRecord): EndpointInfo {
    let apiKey: ApiKeyInfo;
    switch (r.keySource) {
      case 'env':
        apiKey = { source: 'env', name: r.keyEnv ?? '', present: Boolean(r.keyEnv && this.env()[r.keyEnv]?.trim()) };
        break;
      case 'stored': {
        let key: string | null = null;
        try {
          key = this.secrets.get(secretNameOf(r.name));
        } catch {
          // An unreadable store lists the key as missing rather than failing the whole listing.
        }
        apiKey = { source: 'stored', masked: key ? maskKey(key) : null };
        break;
      }
      case 'none':
        apiKey = { source: 'none' };
        break;
      default:
        return assertNever(r.keySource, `endpoint ${r.name}: key source`);
    }
    return {
      name: r.name,
      baseUrl: r.baseUrl,
      model: r.model,
      protocol: r.protocol,
      prices: r.prices,
      contextTokens: r.contextTokens,
      params: r.params,
      apiKey,
      createdAt: r.createdAt,
      updatedAt: r.updatedAt,
    };
  }
}
