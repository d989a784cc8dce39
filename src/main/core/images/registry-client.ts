/**
 * A read-only client of the Docker Registry HTTP API v2: enough to learn, before pulling, what an
 * image is made of (its layers, their compressed sizes and their uncompressed diff ids) so the
 * workbench can show the size to download and skip what the daemon already has.
 *
 * Docker Hub answers a manifest request with 401 and a `Bearer` challenge; an anonymous token
 * from the challenge's realm (auth.docker.io) then opens public repositories. A plain local
 * registry (Debian's docker-registry, `registry:2`) needs no token and often speaks plain HTTP.
 */
import { createHash } from 'node:crypto';

/** A parsed image reference, e.g. `127.0.0.1:5000/swelancer/swelancer_x86_9001:releasev1`. */
export interface ImageReference {
  /** The registry as people write it: `docker.io`, `127.0.0.1:5000`, `ghcr.io`. */
  registry: string;
  /** The repository path inside it, with `library/` added for Docker Hub's official images. */
  repository: string;
  /** The tag, or a `sha256:` digest when the reference pins one. */
  tag: string;
}

/** Docker Hub's registry API host; `docker.io` is only its name in references. */
export const DOCKER_HUB_API = 'registry-1.docker.io';

export const MEDIA_TYPES = {
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
} as const;

/**
 * Splits a reference the way Docker does: the first path component is a registry when it has a
 * dot or a port or is `localhost`; otherwise the image is on Docker Hub.
 */
export function parseReference(ref: string): ImageReference {
  const at = ref.indexOf('@');
  let rest = at === -1 ? ref : ref.slice(0, at);
  let tag = at === -1 ? '' : ref.slice(at + 1);
  if (!tag) {
    const colon = rest.lastIndexOf(':');
    // A colon after the last slash is a tag; one before it belongs to a registry's port.
    if (colon > rest.lastIndexOf('/')) {
      tag = rest.slice(colon + 1);
      rest = rest.slice(0, colon);
    } else {
      tag = 'latest';
    }
  }
  const slash = rest.indexOf('/');
  const first = slash === -1 ? '' : rest.slice(0, slash);
  let registry = 'docker.io';
  let repository = rest;
  if (first && (first.includes('.') || first.includes(':') || first === 'localhost')) {
    registry = first;
    repository = rest.slice(slash + 1);
  }
  if (registry === 'index.docker.io') registry = 'docker.io';
  if (registry === 'docker.io' && !repository.includes('/')) repository = `library/${repository}`;
  const component = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
  if (!repository.split('/').every((c) => component.test(c)) || !/^(?:\w[\w.-]{0,127}|sha256:[0-9a-f]{64})$/.test(tag)) {
    throw new Error(`"${ref}" is not an image reference (expected [registry/]repository[:tag])`);
  }
  return { registry, repository, tag };
}

/** One layer of an image manifest. */
export interface ManifestLayer {
  digest: string;
  /** Compressed bytes: what a pull downloads. */
  size: number;
  mediaType?: string;
}

/** A single-platform image manifest. */
export interface ImageManifest {
  kind: 'image';
  mediaType: string;
  config: { digest: string; size: number };
  layers: ManifestLayer[];
}

/** A manifest list / OCI index: one manifest per platform. */
export interface ManifestIndex {
  kind: 'index';
  mediaType: string;
  manifests: Array<{ digest: string; size: number; mediaType?: string; platform?: { os?: string; architecture?: string; variant?: string } }>;
}

/**
 * Reads a manifest body. The media type comes from the body when it says one, else from the
 * Content-Type header (OCI manifests may leave `mediaType` out).
 */
export function parseManifest(body: string, contentType = ''): ImageManifest | ManifestIndex {
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(body) as Record<string, unknown>;
  } catch {
    throw new Error('the manifest is not JSON');
  }
  const mediaType = typeof json.mediaType === 'string' ? json.mediaType : contentType.split(';')[0]?.trim() ?? '';
  if (Array.isArray(json.manifests)) {
    return { kind: 'index', mediaType, manifests: json.manifests as ManifestIndex['manifests'] };
  }
  if (json.schemaVersion === 1) {
    throw new Error('the registry sent a schema 1 manifest, which has no layer sizes (push the image again with a current Docker)');
  }
  const config = json.config as { digest?: unknown; size?: unknown } | undefined;
  if (!Array.isArray(json.layers) || typeof config?.digest !== 'string') {
    throw new Error(`the manifest (${mediaType || 'no media type'}) has no config or layers`);
  }
  const layers = (json.layers as Array<Record<string, unknown>>).map((l, i) => {
    if (typeof l.digest !== 'string' || typeof l.size !== 'number' || l.size < 0) {
      throw new Error(`layer ${i + 1} of the manifest has no digest or size`);
    }
    return { digest: l.digest, size: l.size, ...(typeof l.mediaType === 'string' ? { mediaType: l.mediaType } : {}) };
  });
  return { kind: 'image', mediaType, config: { digest: config.digest, size: Number(config.size ?? 0) }, layers };
}

/** Picks the manifest for `os/architecture` from an index (linux/amd64 for SWE-Lancer's images). */
export function pickPlatform(index: ManifestIndex, os = 'linux', architecture = 'amd64'): ManifestIndex['manifests'][number] {
  const found = index.manifests.find((m) => m.platform?.os === os && m.platform.architecture === architecture);
  if (!found) {
    const offered = index.manifests.map((m) => `${m.platform?.os ?? '?'}/${m.platform?.architecture ?? '?'}`).join(', ');
    throw new Error(`no ${os}/${architecture} image in the manifest list (it has ${offered || 'none'})`);
  }
  return found;
}

/** The fields of a `WWW-Authenticate` header. */
export interface AuthChallenge {
  scheme: string;
  params: Record<string, string>;
}

/** Parses `Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="…"`. */
export function parseAuthChallenge(header: string): AuthChallenge {
  const space = header.indexOf(' ');
  const scheme = (space === -1 ? header : header.slice(0, space)).trim();
  const params: Record<string, string> = {};
  const re = /([a-zA-Z_]+)=(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g;
  for (const m of (space === -1 ? '' : header.slice(space + 1)).matchAll(re)) {
    params[m[1]!.toLowerCase()] = (m[2] ?? m[3] ?? '').replace(/\\(.)/g, '$1');
  }
  return { scheme, params };
}

/**
 * The chain ids of a layer stack, as Docker's layer store keys them: the first layer's is its
 * diff id; each next one is sha256 of "<parent chain id> <diff id>". A layer is reusable by a pull
 * exactly when its chain id is in the store, so this is how "already present" is told.
 */
export function chainIds(diffIds: readonly string[]): string[] {
  const out: string[] = [];
  for (const diffId of diffIds) {
    const parent = out[out.length - 1];
    out.push(parent === undefined ? diffId : `sha256:${createHash('sha256').update(`${parent} ${diffId}`).digest('hex')}`);
  }
  return out;
}

/** What {@link RegistryClient.resolve} learns about an image. */
export interface ResolvedImage {
  reference: ImageReference;
  /** Digest of the platform manifest. */
  manifestDigest: string;
  /** Digest of the image config: the image id the daemon will give it. */
  configDigest: string;
  /** The config's exact bytes (its digest is the image id, so they are kept as sent). */
  config: Buffer;
  layers: ManifestLayer[];
  /** The uncompressed layer ids from the config, in layer order. */
  diffIds: string[];
}

/** Options of {@link RegistryClient}. */
export interface RegistryClientOptions {
  /** The fetch to use. Default: the global fetch. */
  fetch?: typeof fetch;
  /**
   * How long a manifest, config or token request may take. Default 30 s. Layer blobs have no
   * overall limit (they may be gigabytes); their caller watches for stalls.
   */
  timeoutMs?: number;
}

interface RequestOptions {
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Blob bodies stream for as long as they need; only the wait for headers is limited. */
  streaming?: boolean;
}

/**
 * Reads manifests, configs and layer blobs from a registry, anonymously. Every error names the
 * registry and the repository, since a pull plan may touch hundreds of them.
 */
export class RegistryClient {
  private readonly fetch: typeof fetch;
  private readonly timeoutMs: number;
  /** Bearer tokens by registry + repository. */
  private readonly tokens = new Map<string, string>();
  /** The scheme each registry answered on (https first; http for registries that only speak it). */
  private readonly schemes = new Map<string, 'https' | 'http'>();

  constructor(opts: RegistryClientOptions = {}) {
    this.fetch = opts.fetch ?? fetch;
    this.timeoutMs = opts.timeoutMs ?? 30_000;
  }

  /** The manifest, config, layers and diff ids of `ref` for linux/amd64 (an index is followed). */
  async resolve(ref: string | ImageReference, signal?: AbortSignal): Promise<ResolvedImage> {
    const reference = typeof ref === 'string' ? parseReference(ref) : ref;
    try {
      let fetched = await this.getManifest(reference, reference.tag, signal);
      let manifest = parseManifest(fetched.body, fetched.contentType);
      if (manifest.kind === 'index') {
        const picked = pickPlatform(manifest);
        fetched = await this.getManifest(reference, picked.digest, signal);
        manifest = parseManifest(fetched.body, fetched.contentType);
        if (manifest.kind === 'index') throw new Error('the linux/amd64 entry of the manifest list is itself a list');
      }
      const configBytes = await this.getBlob(reference, manifest.config.digest, signal);
      let config: Record<string, unknown>;
      try {
        config = JSON.parse(configBytes.toString('utf8')) as Record<string, unknown>;
      } catch {
        throw new Error(`the image config ${manifest.config.digest} is not JSON`);
      }
      const diffIds = (config.rootfs as { diff_ids?: unknown } | undefined)?.diff_ids;
      if (!Array.isArray(diffIds) || diffIds.length !== manifest.layers.length) {
        throw new Error(
          `the image config ${manifest.config.digest} lists ${Array.isArray(diffIds) ? diffIds.length : 'no'} diff ids for ${manifest.layers.length} layers`,
        );
      }
      return {
        reference,
        manifestDigest: fetched.digest,
        configDigest: manifest.config.digest,
        config: configBytes,
        layers: manifest.layers,
        diffIds: diffIds as string[],
      };
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      throw new Error(`${describeReference(reference)}: ${(error as Error).message}`);
    }
  }

  /**
   * Opens a layer blob for reading from byte `offset` (a download resuming). The returned offset
   * is 0 when the server ignored the range and sends the whole blob again.
   */
  async openBlob(ref: ImageReference, digest: string, offset: number, signal?: AbortSignal): Promise<{ response: Response; offset: number }> {
    try {
      const response = await this.followBlob(ref, digest, { headers: offset > 0 ? { Range: `bytes=${offset}-` } : {}, signal, streaming: true });
      if (offset > 0 && response.status !== 206) return { response, offset: 0 };
      if (offset > 0) {
        const start = /^bytes (\d+)-/.exec(response.headers.get('content-range') ?? '')?.[1];
        if (start !== undefined && Number(start) !== offset) {
          await response.body?.cancel();
          throw new Error(`asked for bytes from ${offset}, got a range from ${start}`);
        }
      }
      return { response, offset };
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      throw new Error(`${describeReference(ref)}: layer ${digest}: ${(error as Error).message}`);
    }
  }

  private async getManifest(ref: ImageReference, tagOrDigest: string, signal?: AbortSignal): Promise<{ body: string; contentType: string; digest: string }> {
    const accept = [MEDIA_TYPES.dockerManifest, MEDIA_TYPES.dockerList, MEDIA_TYPES.ociManifest, MEDIA_TYPES.ociIndex].join(', ');
    const response = await this.request(ref, `/v2/${ref.repository}/manifests/${tagOrDigest}`, { headers: { Accept: accept }, signal });
    const body = await response.text();
    const digest = response.headers.get('docker-content-digest') ?? `sha256:${createHash('sha256').update(body).digest('hex')}`;
    return { body, contentType: response.headers.get('content-type') ?? '', digest };
  }

  /** A small blob (an image config) in memory, checked against its digest. */
  private async getBlob(ref: ImageReference, digest: string, signal?: AbortSignal): Promise<Buffer> {
    const response = await this.followBlob(ref, digest, { signal });
    const bytes = Buffer.from(await response.arrayBuffer());
    const actual = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    if (actual !== digest) throw new Error(`blob ${digest} arrived with digest ${actual}`);
    return bytes;
  }

  /**
   * GETs a blob. Registries such as Docker Hub redirect blobs to a CDN with a signed URL; the
   * registry's token must not follow it there (S3-style stores reject a request that carries two
   * credentials), so redirects are followed by hand, without the Authorization header.
   */
  private async followBlob(ref: ImageReference, digest: string, opts: RequestOptions): Promise<Response> {
    let response = await this.request(ref, `/v2/${ref.repository}/blobs/${digest}`, opts, true);
    for (let hops = 0; response.status >= 300 && response.status < 400; hops += 1) {
      const location = response.headers.get('location');
      await response.body?.cancel();
      if (!location || hops >= 5) throw new Error(`blob ${digest}: too many redirects or one without a location`);
      const next = new URL(location, response.url || undefined);
      response = await this.fetch(next, { headers: opts.headers, signal: this.signalFor(opts), redirect: 'manual' });
      if (!response.ok && !(response.status >= 300 && response.status < 400)) {
        await response.body?.cancel();
        throw new Error(`blob ${digest}: ${next.host} answered ${response.status}`);
      }
    }
    return response;
  }

  /**
   * A GET with the registry's token, fetching one on a Bearer challenge (again when a token
   * expired: Docker Hub's last five minutes, less than a big pull takes).
   */
  private async request(ref: ImageReference, pathname: string, opts: RequestOptions, manualRedirect = false): Promise<Response> {
    const key = `${ref.registry}/${ref.repository}`;
    const send = async (): Promise<Response> => {
      const token = this.tokens.get(key);
      const headers = { ...opts.headers, ...(token ? { Authorization: `Bearer ${token}` } : {}) };
      return this.send(ref.registry, pathname, { ...opts, headers }, manualRedirect);
    };
    let response = await send();
    if (response.status === 401) {
      const challenge = parseAuthChallenge(response.headers.get('www-authenticate') ?? '');
      await response.body?.cancel();
      if (challenge.scheme.toLowerCase() !== 'bearer' || !challenge.params.realm) {
        throw new Error(
          `the registry wants ${challenge.scheme || 'an unknown kind of'} authentication; the workbench pulls anonymously (log in with docker login and pull with docker instead)`,
        );
      }
      this.tokens.set(key, await this.anonymousToken(challenge, ref.repository, opts.signal));
      response = await send();
    }
    if (!response.ok && !(manualRedirect && response.status >= 300 && response.status < 400)) {
      const text = (await response.text().catch(() => '')).trim();
      let detail = text.slice(0, 300);
      try {
        const errors = (JSON.parse(text) as { errors?: Array<{ code?: string; message?: string }> }).errors;
        if (errors?.length) detail = errors.map((e) => [e.code, e.message].filter(Boolean).join(' ')).join('; ');
      } catch {
        // not a registry error document; keep the raw text
      }
      throw new Error(`GET ${pathname} answered ${response.status}${detail ? `: ${detail}` : ''}`);
    }
    return response;
  }

  private async anonymousToken(challenge: AuthChallenge, repository: string, signal?: AbortSignal): Promise<string> {
    const url = new URL(challenge.params.realm!);
    if (challenge.params.service) url.searchParams.set('service', challenge.params.service);
    url.searchParams.set('scope', challenge.params.scope ?? `repository:${repository}:pull`);
    const response = await this.fetch(url, { signal: this.signalFor({ signal }) });
    if (!response.ok) throw new Error(`the token service ${url.host} answered ${response.status}`);
    const body = (await response.json()) as { token?: string; access_token?: string };
    const token = body.token ?? body.access_token;
    if (!token) throw new Error(`the token service ${url.host} sent no token`);
    return token;
  }

  private async send(registry: string, pathname: string, opts: RequestOptions, manualRedirect: boolean): Promise<Response> {
    const host = registry === 'docker.io' ? DOCKER_HUB_API : registry;
    const init = (): RequestInit => ({ headers: opts.headers, signal: this.signalFor(opts), redirect: manualRedirect ? 'manual' : 'follow' });
    const known = this.schemes.get(host);
    if (known) return this.fetch(`${known}://${host}${pathname}`, init()).catch((error: unknown) => Promise.reject(describeFetchError(error, host, opts.signal)));
    try {
      const response = await this.fetch(`https://${host}${pathname}`, init());
      this.schemes.set(host, 'https');
      return response;
    } catch (error) {
      // A plain-HTTP registry (a local one, or one the daemon lists as insecure) fails the TLS
      // handshake; Docker itself falls back to HTTP for those, so the workbench does too. Docker
      // Hub always speaks TLS, so a failure there is a real one.
      if (opts.signal?.aborted || host === DOCKER_HUB_API) throw describeFetchError(error, host, opts.signal);
      try {
        const response = await this.fetch(`http://${host}${pathname}`, init());
        this.schemes.set(host, 'http');
        return response;
      } catch (httpError) {
        throw describeFetchError(httpError, host, opts.signal);
      }
    }
  }

  /**
   * The caller's signal plus the time limit. A streaming blob gets no overall limit (it may be
   * gigabytes); its caller watches for stalls instead (see blob-cache.ts).
   */
  private signalFor(opts: RequestOptions): AbortSignal | undefined {
    if (opts.streaming) return opts.signal;
    const timeout = AbortSignal.timeout(this.timeoutMs);
    return opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;
  }
}

/** `registry 127.0.0.1:5000, swelancer/swelancer_x86_9001:releasev1`: the place an error names. */
export function describeReference(ref: ImageReference): string {
  return `registry ${ref.registry}, ${ref.repository}:${ref.tag}`;
}

function describeFetchError(error: unknown, host: string, signal?: AbortSignal): unknown {
  // A cancel is passed on as it is, so callers can tell it from a failure.
  if (signal?.aborted) return signal.reason;
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const what = cause?.code ?? cause?.message ?? (error as Error).message;
  if ((error as Error).name === 'TimeoutError') return new Error(`${host} did not answer in time`);
  return new Error(`cannot reach ${host} (${what})`);
}
