/**
 * The `model_endpoints` table: an endpoint's configuration and where its key comes from, never
 * the key itself.
 */
import type { EndpointInfo, EndpointParams, EndpointProtocol } from '../../../../shared/endpoints';
import type { Db } from '../../store/database';

/** Where a key comes from, as stored: `keyEnv` is a variable's name, set only for `env`. */
export type KeySource = 'env' | 'stored' | 'none';

/** One endpoint as stored: as listed, with where its key comes from instead of the masked key. */
export interface EndpointRecord extends Omit<EndpointInfo, 'apiKey'> {
  keySource: KeySource;
  keyEnv: string | null;
}

interface Row {
  name: string;
  base_url: string;
  model: string;
  protocol: EndpointProtocol;
  price_input_per_m: number;
  price_cached_input_per_m: number;
  price_output_per_m: number;
  context_tokens: number | null;
  params_json: string;
  key_source: KeySource;
  key_env: string | null;
  created_at: string;
  updated_at: string;
}

function toRecord(r: Row): EndpointRecord {
  let params: EndpointParams = {};
  try {
    params = JSON.parse(r.params_json) as EndpointParams;
  } catch {
    // Only a hand-edited row gets here; the endpoint stays usable with the server's defaults.
  }
  return {
    name: r.name,
    baseUrl: r.base_url,
    model: r.model,
    protocol: r.protocol,
    prices: { inputPerM: r.price_input_per_m, cachedInputPerM: r.price_cached_input_per_m, outputPerM: r.price_output_per_m },
    contextTokens: r.context_tokens,
    params,
    keySource: r.key_source,
    keyEnv: r.key_env,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** Prepared statements over `model_endpoints`. */
export class EndpointRepo {
  private readonly selectAll;
  private readonly selectOne;
  private readonly upsertRow;
  private readonly deleteRow;

  constructor(db: Db) {
    this.selectAll = db.prepare('SELECT * FROM model_endpoints ORDER BY name');
    this.selectOne = db.prepare('SELECT * FROM model_endpoints WHERE name = ?');
    this.upsertRow = db.prepare(
      `INSERT INTO model_endpoints (name, base_url, model, protocol, price_input_per_m, price_cached_input_per_m,
         price_output_per_m, context_tokens, params_json, key_source, key_env, created_at, updated_at)
       VALUES (@name, @baseUrl, @model, @protocol, @inputPerM, @cachedInputPerM, @outputPerM, @contextTokens,
         @paramsJson, @keySource, @keyEnv, @now, @now)
       ON CONFLICT(name) DO UPDATE SET base_url = excluded.base_url, model = excluded.model, protocol = excluded.protocol,
         price_input_per_m = excluded.price_input_per_m, price_cached_input_per_m = excluded.price_cached_input_per_m,
         price_output_per_m = excluded.price_output_per_m, context_tokens = excluded.context_tokens,
         params_json = excluded.params_json, key_source = excluded.key_source, key_env = excluded.key_env,
         updated_at = excluded.updated_at`,
    );
    this.deleteRow = db.prepare('DELETE FROM model_endpoints WHERE name = ?');
  }

  list(): EndpointRecord[] {
    return (this.selectAll.all() as Row[]).map(toRecord);
  }

  get(name: string): EndpointRecord | null {
    const row = this.selectOne.get(name) as Row | undefined;
    return row ? toRecord(row) : null;
  }

  /** Creates or replaces an endpoint (its creation time is kept); returns it as stored. */
  upsert(e: Omit<EndpointRecord, 'createdAt' | 'updatedAt'>): EndpointRecord {
    this.upsertRow.run({
      name: e.name,
      baseUrl: e.baseUrl,
      model: e.model,
      protocol: e.protocol,
      inputPerM: e.prices.inputPerM,
      cachedInputPerM: e.prices.cachedInputPerM,
      outputPerM: e.prices.outputPerM,
      contextTokens: e.contextTokens,
      paramsJson: JSON.stringify(e.params),
      keySource: e.keySource,
      keyEnv: e.keySource === 'env' ? e.keyEnv : null,
      now: new Date().toISOString(),
    });
    const stored = this.get(e.name);
    if (!stored) throw new Error(`endpoint repo: upsert ${e.name}: the row is not there after writing it`);
    return stored;
  }

  /** Whether a row was deleted. */
  delete(name: string): boolean {
    return this.deleteRow.run(name).changes > 0;
  }
}
