import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../../../../tests/helpers/temp-dir';
import type { EndpointSaveInput } from '../../../../shared/endpoints';
import { AppError } from '../../../../shared/result';
import { openDatabase, type Db } from '../../store/database';
import { EndpointService, maskKey, secretNameOf } from './endpoint-service';
import { FileSecretStore, type SecretStore } from './secret-store';

const KEY = 'sk-proj-THISISTHEKEY0123456789abcdef';
const posix = process.platform !== 'win32';

/** Every file under a folder, recursively, except the secrets folder. */
function filesOutsideSecrets(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = path.join(dir, d.name);
    if (d.isDirectory()) return d.name === 'secrets' ? [] : filesOutsideSecrets(p);
    return [p];
  });
}

/** What a function threw (undefined when it did not). */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
}

const full: EndpointSaveInput = {
  name: 'hosted',
  baseUrl: 'https://api.example.com/v1/',
  model: 'gpt-test',
  protocol: 'tools',
  prices: { inputPerM: 2.5, cachedInputPerM: 1.25, outputPerM: 10 },
  contextTokens: 128_000,
  params: { temperature: 0.2, reasoningEffort: 'high', maxTokens: 4096 },
  apiKey: { source: 'stored', value: KEY },
};

describe('EndpointService', () => {
  let dir: string;
  let cleanup: () => void;
  let db: Db;
  let env: NodeJS.ProcessEnv;
  let service: EndpointService;
  const dbFile = (): string => path.join(dir, 'lancer.db');

  beforeEach(() => {
    ({ dir, cleanup } = makeTempDir('lancer-endpoints-'));
    db = openDatabase(dbFile());
    env = {};
    service = new EndpointService({ db, secrets: new FileSecretStore(dir), env: () => env });
  });
  afterEach(() => {
    if (db.open) db.close();
    cleanup();
  });

  it('saves an endpoint and reads it back after reopening the file, the key only through the resolver', () => {
    service.save(full);
    db.close();
    db = openDatabase(dbFile());
    service = new EndpointService({ db, secrets: new FileSecretStore(dir), env: () => env });
    const [listed] = service.list();
    expect(listed).toMatchObject({
      name: 'hosted',
      baseUrl: 'https://api.example.com/v1', // trailing slash dropped
      model: 'gpt-test',
      protocol: 'tools',
      prices: { inputPerM: 2.5, cachedInputPerM: 1.25, outputPerM: 10 },
      contextTokens: 128_000,
      params: { temperature: 0.2, reasoningEffort: 'high', maxTokens: 4096 },
      apiKey: { source: 'stored', masked: 'sk-…cdef' },
    });
    expect(service.resolveEndpoint('hosted')).toEqual({
      name: 'hosted',
      baseUrl: 'https://api.example.com/v1',
      model: 'gpt-test',
      protocol: 'tools',
      prices: { inputPerM: 2.5, cachedInputPerM: 1.25, outputPerM: 10 },
      contextTokens: 128_000,
      params: { temperature: 0.2, reasoningEffort: 'high', maxTokens: 4096 },
      apiKey: KEY,
      apiKeySource: { source: 'stored' },
    });
  });

  it('fills defaults: protocol official, prices 0, no context, no params, no key', () => {
    const saved = service.save({ name: 'local', baseUrl: 'http://127.0.0.1:8080/v1', model: 'qwen' });
    expect(saved).toMatchObject({ protocol: 'official', prices: { inputPerM: 0, cachedInputPerM: 0, outputPerM: 0 }, contextTokens: null, params: {}, apiKey: { source: 'none' } });
    expect((service.resolveEndpoint('local')).apiKey).toBeNull();
  });

  it('never writes the key to the endpoints table, the database files or a listing', () => {
    service.save(full);
    service.save({ ...full, name: 'other', apiKey: undefined }); // a second row, no key
    const rows = db.prepare('SELECT * FROM model_endpoints').all();
    expect(JSON.stringify(rows)).not.toContain(KEY);
    expect(JSON.stringify(service.list())).not.toContain(KEY);
    expect(JSON.stringify(service.get('hosted'))).not.toContain(KEY);
    db.close(); // checkpoints the WAL into the file
    const files = filesOutsideSecrets(dir);
    expect(files).toContain(dbFile());
    for (const f of files) expect(readFileSync(f).includes(KEY), f).toBe(false);
    // The key is where it belongs, and only there.
    expect(readFileSync(path.join(dir, 'secrets', secretNameOf('hosted')), 'utf8')).toBe(KEY);
  });

  it.runIf(posix)('keeps secrets in a 0700 folder as 0600 files, leaving no temporary files', () => {
    // A folder that already exists with a wider mode is narrowed.
    mkdirSync(path.join(dir, 'secrets'), { mode: 0o755 });
    chmodSync(path.join(dir, 'secrets'), 0o755);
    service.save(full);
    service.save({ ...full, apiKey: { source: 'stored', value: `${KEY}-rotated` } });
    expect(statSync(path.join(dir, 'secrets')).mode & 0o777).toBe(0o700);
    expect(readdirSync(path.join(dir, 'secrets'))).toEqual([secretNameOf('hosted')]);
    const file = path.join(dir, 'secrets', secretNameOf('hosted'));
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).toBe(`${KEY}-rotated`);
  });

  it('keeps the key when an update gives none, and deletes it when the source changes', () => {
    service.save(full);
    service.save({ ...full, model: 'gpt-test-2', apiKey: undefined });
    expect((service.resolveEndpoint('hosted')).apiKey).toBe(KEY);
    expect((service.get('hosted')).model).toBe('gpt-test-2');

    service.save({ ...full, apiKey: { source: 'env', name: 'HOSTED_KEY' } });
    expect(existsSync(path.join(dir, 'secrets', secretNameOf('hosted')))).toBe(false);
    expect((service.get('hosted')).apiKey).toEqual({ source: 'env', name: 'HOSTED_KEY', present: false });
  });

  it('reads an environment key at the moment of use and names the variable when it is missing', () => {
    service.save({ ...full, apiKey: { source: 'env', name: 'HOSTED_KEY' } });
    expect(() => service.resolveEndpoint('hosted')).toThrow(/endpoint hosted: .*HOSTED_KEY.* not set/);
    expect(thrown(() => service.resolveEndpoint('hosted'))).toMatchObject({ code: 'unavailable' });
    env.HOSTED_KEY = 'sk-from-env-0000000000';
    expect(service.resolveEndpoint('hosted')).toMatchObject({ apiKey: 'sk-from-env-0000000000', apiKeySource: { source: 'env', name: 'HOSTED_KEY' } });
    expect((service.get('hosted')).apiKey).toEqual({ source: 'env', name: 'HOSTED_KEY', present: true });
    // The listing names the variable but never carries its value.
    expect(JSON.stringify(service.list())).not.toContain('sk-from-env');
  });

  it('says when a stored key went missing from the secret store', () => {
    service.save(full);
    rmSync(path.join(dir, 'secrets', secretNameOf('hosted')));
    expect((service.get('hosted')).apiKey).toEqual({ source: 'stored', masked: null });
    expect(() => service.resolveEndpoint('hosted')).toThrow(/endpoint hosted: its stored key is missing from the file secret store/);
  });

  it('removes the endpoint and its stored key; an unknown name is not found', () => {
    service.save(full);
    expect(service.remove('hosted')).toBe(true);
    expect(service.list()).toEqual([]);
    expect(existsSync(path.join(dir, 'secrets', secretNameOf('hosted')))).toBe(false);
    expect(service.remove('hosted')).toBe(false);
    expect(thrown(() => service.resolveEndpoint('hosted'))).toMatchObject({ code: 'not_found', message: expect.stringContaining('no endpoint named "hosted"') as unknown });
  });

  it.each([
    [{ name: 'Has Spaces' }, 'input.name'],
    [{ baseUrl: 'ftp://example.com/v1' }, 'input.baseUrl: must start with http:// or https://'],
    [{ baseUrl: 'not a url' }, 'input.baseUrl: not a URL'],
    [{ baseUrl: 'https://user:pw@example.com/v1' }, 'input.baseUrl: must not carry credentials'],
    [{ model: '  ' }, 'input.model'],
    [{ protocol: 'chat' }, 'input.protocol'],
    [{ prices: { inputPerM: -1 } }, 'input.prices.inputPerM'],
    [{ contextTokens: 1.5 }, 'input.contextTokens'],
    [{ params: { temperature: 7 } }, 'input.params.temperature'],
    [{ params: { reasoningEffort: 'max' } }, 'input.params.reasoningEffort'],
    [{ apiKey: { source: 'env', name: 'NOT-A-VAR' } }, 'input.apiKey.name'],
    [{ extra: true }, 'extra'],
  ])('refuses %j naming the field (%s) and writes nothing', (patch, field) => {
    const error = thrown(() => service.save({ ...full, ...patch } as EndpointSaveInput));
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('invalid_input');
    expect((error as AppError).message).toContain('endpoints.save: ');
    expect((error as AppError).message).toContain(field);
    expect(service.list()).toEqual([]);
    expect(existsSync(path.join(dir, 'secrets', secretNameOf('hosted')))).toBe(false);
  });

  it('refuses a key with a line break without echoing it in the error', () => {
    const bad = `${KEY}\nX-Injected: 1`;
    const error = thrown(() => service.save({ ...full, apiKey: { source: 'stored', value: bad } })) as AppError;
    expect(error.message).toContain('input.apiKey.value');
    expect(error.message).not.toContain(KEY);
  });

  it('uses the secret store it is given (the port the Electron root fills with safeStorage)', () => {
    const kept = new Map<string, string>();
    const calls: string[] = [];
    const fake: SecretStore = {
      kind: 'safeStorage',
      get: (n) => kept.get(n) ?? null,
      set: (n, v) => {
        calls.push(`set ${n}`);
        kept.set(n, v);
      },
      delete: (n) => {
        calls.push(`delete ${n}`);
        kept.delete(n);
      },
    };
    const s = new EndpointService({ db, secrets: fake, env: () => env });
    s.save(full);
    expect(kept.get('endpoint.hosted')).toBe(KEY);
    expect(existsSync(path.join(dir, 'secrets'))).toBe(false);
    expect((s.resolveEndpoint('hosted')).apiKey).toBe(KEY);
    s.remove('hosted');
    expect(calls).toEqual(['set endpoint.hosted', 'delete endpoint.hosted']);
    expect(s.secretStoreKind).toBe('safeStorage');
  });
});

describe('maskKey', () => {
  it('shows at most three leading and four trailing characters, fewer of short keys', () => {
    expect(maskKey(KEY)).toBe('sk-…cdef');
    expect(maskKey('abcdefghijkl')).toBe('…kl');
    expect(maskKey('short')).toBe('…');
    for (const k of [KEY, 'abcdefghijkl', 'short', 'x'.repeat(20)]) expect(maskKey(k)).not.toContain(k.slice(0, 8));
  });
});

describe('FileSecretStore', () => {
  it('refuses names that could leave its folder', () => {
    const { dir, cleanup } = makeTempDir('lancer-secrets-');
    try {
      const store = new FileSecretStore(dir);
      for (const bad of ['../x', '..', 'a/b', '.hidden', 'A']) expect(() => store.set(bad, 'v')).toThrow(/secret store: set: bad secret name/);
      expect(store.get('endpoint.none')).toBeNull();
      store.delete('endpoint.none'); // nothing there: no error
    } finally {
      cleanup();
    }
  });
});
