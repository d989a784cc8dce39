import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chainIds, MEDIA_TYPES, parseAuthChallenge, parseManifest, parseReference, pickPlatform, RegistryClient } from './registry-client';

const sha = (data: string | Buffer): string => `sha256:${createHash('sha256').update(data).digest('hex')}`;

describe('parseReference', () => {
  it('splits registry, repository and tag as Docker does', () => {
    expect(parseReference('swelancer/swelancer_x86_28565_1001:releasev1')).toEqual({
      registry: 'docker.io',
      repository: 'swelancer/swelancer_x86_28565_1001',
      tag: 'releasev1',
    });
    expect(parseReference('127.0.0.1:5000/swelancer/swelancer_x86_9001:releasev1')).toEqual({
      registry: '127.0.0.1:5000',
      repository: 'swelancer/swelancer_x86_9001',
      tag: 'releasev1',
    });
    expect(parseReference('localhost/a/b')).toEqual({ registry: 'localhost', repository: 'a/b', tag: 'latest' });
    expect(parseReference('debian')).toEqual({ registry: 'docker.io', repository: 'library/debian', tag: 'latest' });
    expect(parseReference('registry.example.com:443/team/img@sha256:' + 'a'.repeat(64)).tag).toBe('sha256:' + 'a'.repeat(64));
  });

  it('refuses what is not a reference', () => {
    for (const bad of ['', 'Upper/Case:tag', 'a//b', 'a/b:bad tag', 'a/b:']) expect(() => parseReference(bad), bad).toThrow(/is not an image reference/);
  });
});

describe('parseManifest and pickPlatform', () => {
  const image = {
    schemaVersion: 2,
    mediaType: MEDIA_TYPES.dockerManifest,
    config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: 1469, digest: 'sha256:' + 'c'.repeat(64) },
    layers: [
      { mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: 31_357_624, digest: 'sha256:' + '1'.repeat(64) },
      { mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: 4_213_001_120, digest: 'sha256:' + '2'.repeat(64) },
    ],
  };

  it('reads the config and the compressed layer sizes of an image manifest', () => {
    const m = parseManifest(JSON.stringify(image));
    expect(m).toMatchObject({ kind: 'image', config: { digest: 'sha256:' + 'c'.repeat(64), size: 1469 } });
    expect(m.kind === 'image' && m.layers.reduce((s, l) => s + l.size, 0)).toBe(4_244_358_744);
  });

  it('takes the media type from the header when an OCI manifest leaves it out', () => {
    const { mediaType: _, ...oci } = image;
    expect(parseManifest(JSON.stringify(oci), `${MEDIA_TYPES.ociManifest}; charset=utf-8`).mediaType).toBe(MEDIA_TYPES.ociManifest);
  });

  it('picks linux/amd64 from a manifest list, and names the platforms it lacks', () => {
    const list = parseManifest(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MEDIA_TYPES.ociIndex,
        manifests: [
          { digest: 'sha256:arm', size: 1, platform: { os: 'linux', architecture: 'arm64' } },
          { digest: 'sha256:amd', size: 1, platform: { os: 'linux', architecture: 'amd64' } },
          { digest: 'sha256:att', size: 1, platform: { os: 'unknown', architecture: 'unknown' } },
        ],
      }),
    );
    expect(list.kind).toBe('index');
    if (list.kind !== 'index') return;
    expect(pickPlatform(list).digest).toBe('sha256:amd');
    expect(() => pickPlatform({ ...list, manifests: list.manifests.slice(0, 1) })).toThrow('no linux/amd64 image in the manifest list (it has linux/arm64)');
  });

  it('says why a manifest cannot be used', () => {
    expect(() => parseManifest('<html>')).toThrow('not JSON');
    expect(() => parseManifest(JSON.stringify({ schemaVersion: 1, fsLayers: [] }))).toThrow(/schema 1 manifest/);
    expect(() => parseManifest(JSON.stringify({ ...image, layers: [{ digest: 'sha256:x' }] }))).toThrow('layer 1 of the manifest has no digest or size');
  });
});

describe('parseAuthChallenge', () => {
  it("reads Docker Hub's Bearer challenge", () => {
    expect(
      parseAuthChallenge('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:swelancer/swelancer_x86_1:pull"'),
    ).toEqual({
      scheme: 'Bearer',
      params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:swelancer/swelancer_x86_1:pull' },
    });
    expect(parseAuthChallenge('Basic realm="basic-realm"')).toEqual({ scheme: 'Basic', params: { realm: 'basic-realm' } });
  });
});

describe('chainIds', () => {
  it("matches the daemon's layer store keys", () => {
    // From a real /var/lib/docker/image/overlay2/layerdb: a two-layer chain and its key.
    const diffs = [
      'sha256:4de0e87f88325f0b0d2f0816d2670a6d611685fc330b03f061cb4517f9a66f8a',
      'sha256:3b13bceb0148e4f7afcfa07a55e0a6a73033225eaf8ef58b7977d73e6fbb827f',
    ];
    expect(chainIds(diffs)).toEqual([diffs[0], 'sha256:b5a10471ced218c55666b758295f943758cca0107e3b9c1b6b673b4fd606085d']);
    expect(chainIds([])).toEqual([]);
  });
});

/**
 * A registry in the shape of Docker Hub, over real HTTP: manifests need a Bearer token from a
 * token endpoint, the tag is a manifest list, and blobs redirect to a "CDN" path that refuses
 * requests carrying the registry's token (as S3-signed URLs do).
 */
describe('RegistryClient against a registry that wants tokens', () => {
  let server: Server;
  let base: string;
  const requests: Array<{ url: string; auth?: string; range?: string }> = [];
  const layer = Buffer.from('layer bytes '.repeat(1000));
  const layerDigest = sha(layer);
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: ['sha256:' + 'd'.repeat(64)] } }));
  const configDigest = sha(config);
  const amd64 = JSON.stringify({
    schemaVersion: 2,
    mediaType: MEDIA_TYPES.dockerManifest,
    config: { size: config.length, digest: configDigest },
    layers: [{ size: layer.length, digest: layerDigest }],
  });
  const list = JSON.stringify({
    schemaVersion: 2,
    mediaType: MEDIA_TYPES.dockerList,
    manifests: [
      { digest: 'sha256:' + 'e'.repeat(64), size: 1, platform: { os: 'linux', architecture: 'arm64' } },
      { digest: sha(amd64), size: amd64.length, platform: { os: 'linux', architecture: 'amd64' } },
    ],
  });

  beforeAll(async () => {
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const url = new URL(req.url ?? '/', base);
      requests.push({ url: url.pathname + url.search, auth: req.headers.authorization, range: req.headers.range });
      if (url.pathname === '/token') {
        expect(url.searchParams.get('service')).toBe('test-registry');
        expect(url.searchParams.get('scope')).toBe('repository:swelancer/swelancer_x86_1:pull');
        res.setHeader('Content-Type', 'application/json');
        res.end(JSON.stringify({ token: 'anon-token' }));
        return;
      }
      if (url.pathname.startsWith('/cdn/')) {
        if (req.headers.authorization) {
          res.statusCode = 400;
          res.end('Only one auth mechanism allowed');
          return;
        }
        const body = url.pathname.endsWith('config') ? config : layer;
        const from = /^bytes=(\d+)-$/.exec(req.headers.range ?? '')?.[1];
        if (from !== undefined) {
          res.statusCode = 206;
          res.setHeader('Content-Range', `bytes ${from}-${body.length - 1}/${body.length}`);
          res.end(body.subarray(Number(from)));
          return;
        }
        res.end(body);
        return;
      }
      if (req.headers.authorization !== 'Bearer anon-token') {
        res.statusCode = 401;
        res.setHeader('WWW-Authenticate', `Bearer realm="${base}/token",service="test-registry",scope="repository:swelancer/swelancer_x86_1:pull"`);
        res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }));
        return;
      }
      const repo = '/v2/swelancer/swelancer_x86_1';
      if (url.pathname === `${repo}/manifests/releasev1`) {
        res.setHeader('Content-Type', MEDIA_TYPES.dockerList);
        res.end(list);
      } else if (url.pathname === `${repo}/manifests/${sha(amd64)}`) {
        res.setHeader('Content-Type', MEDIA_TYPES.dockerManifest);
        res.setHeader('Docker-Content-Digest', sha(amd64));
        res.end(amd64);
      } else if (url.pathname === `${repo}/blobs/${configDigest}`) {
        res.statusCode = 307;
        res.setHeader('Location', `${base}/cdn/config`);
        res.end();
      } else if (url.pathname === `${repo}/blobs/${layerDigest}`) {
        res.statusCode = 307;
        res.setHeader('Location', `/cdn/layer?sig=abc`);
        res.end();
      } else {
        res.statusCode = 404;
        res.end(JSON.stringify({ errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown' }] }));
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('gets an anonymous token, follows the list to linux/amd64 and reads the config through the redirect', async () => {
    const host = base.replace('http://', '');
    const client = new RegistryClient();
    const resolved = await client.resolve(`${host}/swelancer/swelancer_x86_1:releasev1`);
    expect(resolved.manifestDigest).toBe(sha(amd64));
    expect(resolved.configDigest).toBe(configDigest);
    expect(resolved.config.equals(config)).toBe(true);
    expect(resolved.layers).toEqual([{ digest: layerDigest, size: layer.length }]);
    expect(resolved.diffIds).toEqual(['sha256:' + 'd'.repeat(64)]);
    // One challenge, one token, then every registry request carries it; the CDN never sees it.
    expect(requests.filter((r) => r.url.startsWith('/token'))).toHaveLength(1);
    expect(requests.filter((r) => r.url.startsWith('/cdn/')).every((r) => r.auth === undefined)).toBe(true);

    const { response, offset } = await client.openBlob(resolved.reference, layerDigest, 100);
    expect(offset).toBe(100);
    expect(Buffer.from(await response.arrayBuffer()).equals(layer.subarray(100))).toBe(true);
    expect(requests.at(-1)).toMatchObject({ url: '/cdn/layer?sig=abc', range: 'bytes=100-', auth: undefined });
  });

  it('names the registry, repository and tag when the registry refuses', async () => {
    const host = base.replace('http://', '');
    await expect(new RegistryClient().resolve(`${host}/swelancer/swelancer_x86_1:nope`)).rejects.toThrow(
      `registry ${host}, swelancer/swelancer_x86_1:nope: GET /v2/swelancer/swelancer_x86_1/manifests/nope answered 404: MANIFEST_UNKNOWN manifest unknown`,
    );
  });

  it('names the host it cannot reach', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await expect(new RegistryClient().resolve(`127.0.0.1:${port}/a/b:c`)).rejects.toThrow(`registry 127.0.0.1:${port}, a/b:c: cannot reach 127.0.0.1:${port} (ECONNREFUSED)`);
  });
});
