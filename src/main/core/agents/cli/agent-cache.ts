/**
 * The host-side cache of the CLI agents' binaries, filled from the npm registry:
 * `<data dir>/agent-cache/<name>/<version>/node_modules/<package>/…` plus a `cache.json`
 * manifest, mounted read-only into task containers by the step that runs the agents.
 *
 * In the spirit of the image blob cache: tarballs download into `.partial` files that a later
 * fetch resumes with range requests, each is checked against its pinned Subresource Integrity
 * while it streams, and nothing counts as cached until it is whole. A fetch unpacks into a
 * temporary folder beside the final one and renames it into place as its last step, so a
 * crash leaves `missing`, never a half cache that looks whole. The manifest records a sha256 of
 * every file; a changed, missing or unexpected file makes the cache `damaged`, and a fetch
 * refills it.
 */
import { randomBytes, createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, mkdir, open, readdir, readFile, rename, rm, stat, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { createGunzip } from 'node:zlib';
import type { AgentCacheState, AgentFetchEvent, AgentFetchPlan, AgentPlanPackage, CliAgentInfo } from '../../../../shared/cli-agents';
import { takeProcessLock } from '../../processes';
import { cliAgentProfiles, type CliAgentProfile, type PinnedPackage } from './profiles';
import { parseIntegrity, untar, type UntarFile } from './untar';
import { hashFile, sizeOf } from '../../files';

export const DEFAULT_NPM_REGISTRY = 'https://registry.npmjs.org/';
const MANIFEST = 'cache.json';

/** The manifest a finished cache carries (`cache.json`). */
export interface AgentCacheManifest {
  format: 1;
  name: string;
  version: string;
  fetchedAt: string;
  registry: string;
  packages: { name: string; version: string; installAs: string; role: string; tarball: string; integrity: string; bytes: number }[];
  /** Every file, relative to the cache folder, with `/` separators. */
  files: UntarFile[];
  /** The files' bytes together. */
  bytes: number;
}

/** What {@link AgentCache.status} finds. */
export interface AgentCacheStatus {
  state: AgentCacheState;
  /** Bytes of the files on disk; null when missing. */
  sizeOnDisk: number | null;
  /** Why it is damaged. */
  problem?: string;
}

export interface AgentCacheOptions {
  /** The workbench's data dir; the cache lives in `<dataDir>/agent-cache`. */
  dataDir: string;
  /** The registry's base URL. Default: `$npm_config_registry`, else registry.npmjs.org. */
  registry?: string;
  /** The profiles by name (tests give small ones). Default: the real agents. */
  profiles?: Readonly<Record<string, CliAgentProfile>>;
  /** The HTTP client (tests count requests through it). Default: Node's fetch. */
  fetch?: typeof fetch;
  /** A download that receives nothing for this long is aborted (default 60 s). */
  stallMs?: number;
}

export interface AgentFetchOptions {
  onEvent?: (event: AgentFetchEvent) => void;
  signal?: AbortSignal;
}

/** The registry's version document, as far as the cache reads it. */
interface VersionDoc {
  name?: string;
  version?: string;
  dist?: { tarball?: string; integrity?: string };
  optionalDependencies?: Record<string, string>;
}

interface RunningFetch {
  fetchId: string;
  listeners: Set<(event: AgentFetchEvent) => void>;
  done: Promise<CliAgentInfo>;
}

/** The registry path of a package: a scoped name's slash is escaped, as npm does. */
function registryPath(name: string): string {
  return name.startsWith('@') ? name.replace('/', '%2f') : encodeURIComponent(name);
}

/** An error's message, with the cause Node's fetch hides behind "fetch failed" (ECONNREFUSED, a DNS failure). */
function errorText(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause as { message?: string; code?: string } | undefined;
  const detail = cause?.code ?? cause?.message;
  return detail && !error.message.includes(detail) ? `${error.message} (${detail})` : error.message;
}

export class AgentCache {
  /** `<dataDir>/agent-cache`. */
  readonly root: string;
  readonly registry: string;
  private readonly profiles: Readonly<Record<string, CliAgentProfile>>;
  private readonly http: typeof fetch;
  private readonly stallMs: number;
  private readonly running = new Map<string, RunningFetch>();
  /** Full verifications by folder, keyed by the stat signature they saw: hashing 400 MB on every list is slow. */
  private readonly verified = new Map<string, { signature: string; status: AgentCacheStatus }>();

  constructor(opts: AgentCacheOptions) {
    this.root = path.join(path.resolve(opts.dataDir), 'agent-cache');
    const registry = opts.registry ?? (process.env.npm_config_registry || DEFAULT_NPM_REGISTRY);
    this.registry = registry.endsWith('/') ? registry : `${registry}/`;
    this.profiles = opts.profiles ?? cliAgentProfiles;
    this.http = opts.fetch ?? ((input, init) => fetch(input, init));
    this.stallMs = opts.stallMs ?? 60_000;
  }

  private profile(name: string): CliAgentProfile {
    const profile = Object.prototype.hasOwnProperty.call(this.profiles, name) ? this.profiles[name] : undefined;
    if (!profile) throw new Error(`unknown CLI agent "${name}" (known: ${Object.keys(this.profiles).join(', ')})`);
    return profile;
  }

  /** The cache folder of an agent's pinned version (it need not exist). */
  dirOf(name: string): string {
    const profile = this.profile(name);
    return path.join(this.root, profile.name, profile.version);
  }

  private downloadsDir(): string {
    return path.join(this.root, '.downloads');
  }

  /** Where a tarball downloads to, named by its integrity so two agents share nothing by accident. */
  private partialOf(pkg: { integrity: string }): string {
    const { algorithm, digest } = parseIntegrity(pkg.integrity);
    const hex = Buffer.from(digest, 'base64').toString('hex').slice(0, 40);
    return path.join(this.downloadsDir(), `${algorithm}-${hex}.tgz.partial`);
  }

  /** Whether a fetch of `name` runs in this process. */
  isFetching(name: string): boolean {
    return this.running.has(name);
  }

  /**
   * The cache's state: `missing` without a finished folder, `damaged` when the manifest is
   * unreadable, does not match the profile, or a file is missing, changed or unexpected, else
   * `ready`. Hashes every file, once per change of the files' sizes and times in this process.
   */
  async status(name: string): Promise<AgentCacheStatus> {
    const profile = this.profile(name);
    const dir = this.dirOf(name);
    try {
      return await this.check(profile, dir);
    } catch (error) {
      // A fetch in another process can swap the folder while it is read.
      if (!(await exists(dir))) return { state: 'missing', sizeOnDisk: null };
      return { state: 'damaged', sizeOnDisk: null, problem: `the cache could not be read (${errorText(error)})` };
    }
  }

  private async check(profile: CliAgentProfile, dir: string): Promise<AgentCacheStatus> {
    if (!(await exists(dir))) return { state: 'missing', sizeOnDisk: null };
    const onDisk = await walkFiles(dir);
    const sizeOnDisk = [...onDisk.values()].reduce((sum, s) => sum + s.size, 0);
    const damaged = (problem: string): AgentCacheStatus => ({ state: 'damaged', sizeOnDisk, problem });
    let manifest: AgentCacheManifest;
    try {
      manifest = JSON.parse(await readFile(path.join(dir, MANIFEST), 'utf8')) as AgentCacheManifest;
    } catch (error) {
      return damaged(`${MANIFEST} is unreadable (${errorText(error)})`);
    }
    if (manifest.format !== 1 || !Array.isArray(manifest.files) || !Array.isArray(manifest.packages)) return damaged(`${MANIFEST} is not a cache manifest`);
    const pinned = profile.packages.map((p) => `${p.name}@${p.version} ${p.integrity}`).join('\n');
    const recorded = manifest.packages.map((p) => `${p.name}@${p.version} ${p.integrity}`).join('\n');
    if (manifest.name !== profile.name || manifest.version !== profile.version || pinned !== recorded) {
      return damaged(`${MANIFEST} records other packages than the ${profile.name} ${profile.version} profile`);
    }
    const signature = createHash('sha256');
    for (const file of manifest.files) {
      const s = onDisk.get(file.path);
      if (!s) return damaged(`${file.path} is missing`);
      if (s.kind !== 'file') return damaged(`${file.path} is a ${s.kind}, not a file`);
      if (s.size !== file.size) return damaged(`${file.path} has ${s.size} bytes, not ${file.size}`);
      if ((s.mode & 0o777) !== file.mode) return damaged(`${file.path} has mode ${(s.mode & 0o777).toString(8)}, not ${file.mode.toString(8)}`);
      signature.update(`${file.path}\0${s.size}\0${s.mtimeMs}\0${s.mode}\n`);
    }
    const listed = new Set(manifest.files.map((f) => f.path));
    for (const [rel, s] of onDisk) {
      if (rel !== MANIFEST && !listed.has(rel)) return damaged(`${rel} is not part of the cache (a ${s.kind} someone added)`);
    }
    const key = signature.digest('hex');
    const memo = this.verified.get(dir);
    if (memo?.signature === key) return memo.status;
    for (const file of manifest.files) {
      const actual = await sha256File(path.join(dir, ...file.path.split('/')));
      if (actual !== file.sha256) return damaged(`${file.path} changed (sha256 ${actual.slice(0, 12)}…, recorded ${file.sha256.slice(0, 12)}…)`);
    }
    const status: AgentCacheStatus = { state: 'ready', sizeOnDisk };
    this.verified.set(dir, { signature: key, status });
    return status;
  }

  /** An agent as `agents.list` shows it. */
  async info(name: string): Promise<CliAgentInfo> {
    const profile = this.profile(name);
    const status = await this.status(name);
    return {
      name: profile.name,
      displayName: profile.displayName,
      version: profile.version,
      packages: profile.packages.map(({ name: n, version, installAs, role }) => ({ name: n, version, installAs, role })),
      state: status.state,
      sizeOnDisk: status.sizeOnDisk,
      // Pinned versions have fixed tarballs, so their sizes are known without asking the registry.
      downloadBytes: profile.packages.every((p) => p.bytes > 0) ? profile.packages.reduce((sum, p) => sum + p.bytes, 0) : null,
      cacheDir: this.dirOf(name),
      fetching: this.isFetching(name),
      ...(status.problem ? { problem: status.problem } : {}),
    };
  }

  /** Every profile with its cache. */
  async list(): Promise<CliAgentInfo[]> {
    const out: CliAgentInfo[] = [];
    for (const name of Object.keys(this.profiles)) out.push(await this.info(name));
    return out;
  }

  /**
   * What fetching `name` would download, before anything is downloaded: each tarball's URL,
   * integrity and size from the registry (the size from a HEAD request, since npm's metadata
   * carries none), and what is already here. Refuses metadata that disagrees with the pins.
   */
  async plan(name: string, signal?: AbortSignal): Promise<AgentFetchPlan> {
    const profile = this.profile(name);
    const status = await this.status(name);
    const docs = await Promise.all(profile.packages.map((pkg) => this.versionDoc(pkg, signal)));
    const packages: AgentPlanPackage[] = [];
    for (const [i, pkg] of profile.packages.entries()) {
      const doc = docs[i]!;
      const tarball = doc.dist?.tarball;
      const integrity = doc.dist?.integrity;
      if (!tarball || !integrity) throw new Error(`${pkg.name}@${pkg.version}: the registry's metadata has no dist.tarball or dist.integrity`);
      if (integrity !== pkg.integrity) {
        throw new Error(`${pkg.name}@${pkg.version}: the registry says integrity ${integrity}, the pinned profile ${pkg.integrity}; refusing it`);
      }
      if (pkg.optionalDependencyOf) {
        const launcherIndex = profile.packages.findIndex((p) => p.name === pkg.optionalDependencyOf!.launcher && p.role === 'launcher');
        const wanted = docs[launcherIndex]?.optionalDependencies?.[pkg.optionalDependencyOf.key];
        if (wanted !== pkg.version && wanted !== `npm:${pkg.name}@${pkg.version}`) {
          throw new Error(`${pkg.optionalDependencyOf.launcher} names ${JSON.stringify(wanted)} for ${pkg.optionalDependencyOf.key}, not ${pkg.name}@${pkg.version}`);
        }
      }
      const bytes = (await this.contentLength(tarball, signal)) ?? pkg.bytes;
      packages.push({ name: pkg.name, version: pkg.version, installAs: pkg.installAs, role: pkg.role, tarball, integrity, bytes, cachedBytes: (await sizeOf(this.partialOf(pkg))) ?? 0 });
    }
    const totalBytes = packages.reduce((sum, p) => sum + p.bytes, 0);
    const downloadBytes = status.state === 'ready' ? 0 : packages.reduce((sum, p) => sum + Math.max(0, p.bytes - p.cachedBytes), 0);
    return { name: profile.name, version: profile.version, state: status.state, packages, totalBytes, downloadBytes };
  }

  private async versionDoc(pkg: PinnedPackage, signal?: AbortSignal): Promise<VersionDoc> {
    const url = new URL(`${registryPath(pkg.name)}/${encodeURIComponent(pkg.version)}`, this.registry);
    const response = await this.http(url, { headers: { accept: 'application/json' }, signal }).catch((error: unknown) => {
      throw new Error(`${pkg.name}@${pkg.version}: could not reach the registry at ${url.href}: ${errorText(error)}`);
    });
    if (!response.ok) throw new Error(`${pkg.name}@${pkg.version}: the registry answered HTTP ${response.status} for ${url.href}`);
    const doc = (await response.json()) as VersionDoc;
    if (doc.version !== pkg.version) throw new Error(`${pkg.name}@${pkg.version}: the registry sent version ${String(doc.version)}`);
    return doc;
  }

  private async contentLength(url: string, signal?: AbortSignal): Promise<number | undefined> {
    try {
      const response = await this.http(url, { method: 'HEAD', signal });
      const length = Number(response.headers.get('content-length'));
      return response.ok && Number.isSafeInteger(length) && length > 0 ? length : undefined;
    } catch (error) {
      if (signal?.aborted) throw error;
      return undefined;
    }
  }

  /**
   * Fetches `name` into the cache unless it is ready, with progress as events; resolves with
   * the agent's info once the cache is ready. A second call while one runs joins it. Errors
   * reject, and are also sent as the `finished` event.
   */
  fetch(name: string, opts: AgentFetchOptions = {}): Promise<CliAgentInfo> {
    return this.start(name, opts).done;
  }

  /** Like {@link fetch}, also returning the fetch's id (the id of the running one, when joined). */
  start(name: string, opts: AgentFetchOptions = {}): { fetchId: string; done: Promise<CliAgentInfo> } {
    const profile = this.profile(name);
    const existing = this.running.get(profile.name);
    if (existing) {
      const listener = opts.onEvent;
      if (listener) {
        existing.listeners.add(listener);
        void existing.done.finally(() => existing.listeners.delete(listener)).catch(() => undefined);
      }
      return { fetchId: existing.fetchId, done: existing.done };
    }
    const fetchId = `agent-fetch-${Date.now()}-${randomBytes(3).toString('hex')}`;
    const listeners = new Set<(event: AgentFetchEvent) => void>(opts.onEvent ? [opts.onEvent] : []);
    const emit = (event: AgentFetchEvent): void => {
      for (const listener of listeners) listener(event);
    };
    const done = this.runFetch(profile, fetchId, emit, opts.signal).then(
      (agent) => {
        emit({ fetchId, name: profile.name, type: 'finished', ok: true, agent });
        return agent;
      },
      (error: unknown) => {
        emit({ fetchId, name: profile.name, type: 'finished', ok: false, error: errorText(error) });
        throw error;
      },
    );
    const entry: RunningFetch = { fetchId, listeners, done };
    this.running.set(profile.name, entry);
    void done.finally(() => this.running.delete(profile.name)).catch(() => undefined);
    return { fetchId, done };
  }

  private async runFetch(profile: CliAgentProfile, fetchId: string, emit: (event: AgentFetchEvent) => void, signal?: AbortSignal): Promise<CliAgentInfo> {
    const agentDir = path.join(this.root, profile.name);
    const release = this.lock(agentDir);
    try {
      const before = await this.status(profile.name);
      if (before.state === 'ready') {
        const packages = profile.packages.map(({ name, version, installAs, role, integrity, bytes }) => ({ name, version, installAs, role, integrity, bytes, tarball: '', cachedBytes: 0 }));
        const totalBytes = packages.reduce((sum, p) => sum + p.bytes, 0);
        emit({ fetchId, name: profile.name, type: 'plan', plan: { name: profile.name, version: profile.version, state: 'ready', packages, totalBytes, downloadBytes: 0 } });
        return { ...(await this.info(profile.name)), fetching: false };
      }
      const plan = await this.plan(profile.name, signal);
      emit({ fetchId, name: profile.name, type: 'plan', plan });
      // Under the lock, any temporary or displaced folder is what a crashed fetch left behind.
      for (const entry of await readdir(agentDir)) {
        if (entry.startsWith('.partial-') || entry.startsWith('.old-')) await rm(path.join(agentDir, entry), { recursive: true, force: true });
      }

      // Download every tarball first (resumable, checked), then unpack them all into a fresh folder.
      const tarballs: string[] = [];
      let earlier = 0;
      for (const pkg of plan.packages) {
        const file = await this.download(pkg, signal, (done, total) =>
          emit({ fetchId, name: profile.name, type: 'progress', package: `${pkg.name}@${pkg.version}`, bytesDone: done, bytesTotal: total, totalDone: earlier + done, totalBytes: plan.totalBytes }),
        );
        earlier += pkg.bytes;
        tarballs.push(file);
      }

      const temp = path.join(agentDir, `.partial-${profile.version}-${process.pid}-${randomBytes(4).toString('hex')}`);
      await mkdir(temp, { recursive: true });
      try {
        const files: UntarFile[] = [];
        for (const [i, pkg] of plan.packages.entries()) {
          signal?.throwIfAborted();
          emit({ fetchId, name: profile.name, type: 'unpacking', package: `${pkg.name}@${pkg.version}` });
          const into = path.join(temp, 'node_modules', ...pkg.installAs.split('/'));
          await mkdir(into, { recursive: true });
          const unpacked = await untar(createReadStream(tarballs[i]!).pipe(createGunzip()), into).catch((error: unknown) => {
            throw new Error(`${pkg.name}@${pkg.version}: ${errorText(error)}`);
          });
          const prefix = `node_modules/${pkg.installAs}/`;
          for (const f of unpacked) files.push({ ...f, path: prefix + f.path });
        }
        const manifest: AgentCacheManifest = {
          format: 1,
          name: profile.name,
          version: profile.version,
          fetchedAt: new Date().toISOString(),
          registry: this.registry,
          packages: plan.packages.map(({ name, version, installAs, role, tarball, integrity, bytes }) => ({ name, version, installAs, role, tarball, integrity, bytes })),
          files,
          bytes: files.reduce((sum, f) => sum + f.size, 0),
        };
        await writeFile(path.join(temp, MANIFEST), JSON.stringify(manifest, null, 1) + '\n');
        signal?.throwIfAborted();
        // The one step that makes the cache visible: a damaged folder steps aside first.
        const final = this.dirOf(profile.name);
        let displaced: string | undefined;
        if (await exists(final)) {
          displaced = path.join(agentDir, `.old-${profile.version}-${randomBytes(4).toString('hex')}`);
          await rename(final, displaced);
        }
        await rename(temp, final);
        this.verified.delete(final);
        if (displaced) await rm(displaced, { recursive: true, force: true });
      } catch (error) {
        await rm(temp, { recursive: true, force: true });
        throw error;
      }
      for (const file of tarballs) await rm(file, { force: true });
      const after = await this.info(profile.name);
      if (after.state !== 'ready') throw new Error(`${profile.name}: the cache is ${after.state} right after the fetch${after.problem ? ` (${after.problem})` : ''}`);
      return { ...after, fetching: false };
    } finally {
      release();
    }
  }

  /**
   * Makes sure a tarball is downloaded whole and matches its integrity; resumes a partial file
   * with a range request. Returns the file (`.tgz`, checked). A mismatch deletes the download.
   */
  private async download(pkg: AgentPlanPackage, signal: AbortSignal | undefined, onProgress: (done: number, total: number) => void): Promise<string> {
    const partial = this.partialOf(pkg);
    const checked = partial.replace(/\.partial$/, '');
    const { algorithm, digest } = parseIntegrity(pkg.integrity);
    await mkdir(path.dirname(partial), { recursive: true });
    // A tarball a crashed fetch finished but never unpacked is as good as new once it checks out.
    if ((await sizeOf(checked)) === pkg.bytes) {
      const again = createHash(algorithm);
      await hashFile(checked, again);
      if (again.digest('base64') === digest) {
        onProgress(pkg.bytes, pkg.bytes);
        return checked;
      }
    }
    await rm(checked, { force: true });
    let offset = (await sizeOf(partial)) ?? 0;
    if (offset > pkg.bytes) {
      await truncate(partial, 0);
      offset = 0;
    }
    let hash = createHash(algorithm);
    if (offset > 0) await hashFile(partial, hash);

    const watchdog = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const bump = (): void => {
      clearTimeout(timer);
      timer = setTimeout(() => watchdog.abort(new Error(`no data for ${Math.round(this.stallMs / 1000)} s`)), this.stallMs);
    };
    const all = signal ? AbortSignal.any([signal, watchdog.signal]) : watchdog.signal;
    const what = `${pkg.name}@${pkg.version}`;
    bump();
    try {
      if (offset < pkg.bytes) {
        const response = await this.http(pkg.tarball, { headers: offset > 0 ? { range: `bytes=${offset}-` } : {}, signal: all });
        if (response.status === 200 && offset > 0) {
          // The server ignored the range: start the file and the hash over.
          await truncate(partial, 0);
          hash = createHash(algorithm);
          offset = 0;
        } else if (!response.ok) {
          throw new Error(`the registry answered HTTP ${response.status} for ${pkg.tarball}`);
        }
        if (!response.body) throw new Error('the registry sent no body');
        onProgress(offset, pkg.bytes);
        let last = 0;
        // Each chunk is on disk before it is counted: a cut connection leaves a partial file
        // that holds exactly what was hashed, for the next fetch to resume from. (A write stream
        // destroyed by the error could drop what it still buffered.)
        const file = await open(partial, offset > 0 ? 'a' : 'w');
        try {
          for await (const chunk of Readable.fromWeb(response.body as WebReadableStream<Uint8Array>, { signal: all }) as AsyncIterable<Buffer>) {
            bump();
            await file.write(chunk);
            hash.update(chunk);
            offset += chunk.length;
            // Tens of thousands of chunks per tarball: a few progress events a second are plenty.
            const now = Date.now();
            if (now - last >= 200) {
              last = now;
              onProgress(offset, pkg.bytes);
            }
          }
        } finally {
          await file.close();
        }
        onProgress(offset, pkg.bytes);
      }
    } catch (error) {
      if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new Error(`${what}: cancelled`);
      if (watchdog.signal.aborted) throw new Error(`${what}: ${errorText(watchdog.signal.reason)}; fetch again to resume`);
      throw new Error(`${what}: ${errorText(error)}; fetch again to resume`);
    } finally {
      clearTimeout(timer);
    }
    const actual = hash.digest('base64');
    if (offset !== pkg.bytes || actual !== digest) {
      // A corrupt partial file would fail every resume, so it goes.
      await rm(partial, { force: true });
      throw new Error(
        offset !== pkg.bytes
          ? `${what}: the registry sent ${offset} bytes, ${pkg.bytes} were expected; the download was discarded`
          : `${what}: the tarball has integrity ${algorithm}-${actual}, not ${pkg.integrity}; the download was discarded`,
      );
    }
    await rename(partial, checked);
    return checked;
  }

  /**
   * Takes an agent's folder for one fetch across processes (the window and the CLI share a
   * data dir). A lock whose process is gone is taken over. Returns the release function.
   */
  private lock(agentDir: string): () => void {
    return takeProcessLock(agentDir, 'fetch.lock', (pid) => `another fetch (process ${pid}) is filling ${agentDir}; wait for it`);
  }
}



interface FileStat {
  kind: 'file' | 'folder' | 'link' | 'other';
  size: number;
  mode: number;
  mtimeMs: number;
}

/** Every non-folder entry under `dir`, by path relative to it with `/` separators; links are not followed. */
async function walkFiles(dir: string): Promise<Map<string, FileStat>> {
  const out = new Map<string, FileStat>();
  const visit = async (abs: string, rel: string): Promise<void> => {
    for (const entry of await readdir(abs, { withFileTypes: true })) {
      const childAbs = path.join(abs, entry.name);
      const childRel = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        await visit(childAbs, childRel);
        continue;
      }
      const s = await lstat(childAbs);
      out.set(childRel, { kind: s.isFile() ? 'file' : s.isSymbolicLink() ? 'link' : 'other', size: s.size, mode: s.mode, mtimeMs: s.mtimeMs });
    }
  };
  await visit(dir, '');
  return out;
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch {
    return false;
  }
}

async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  await hashFile(file, hash);
  return hash.digest('hex');
}
