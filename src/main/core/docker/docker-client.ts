/**
 * The one place the app loads dockerode. Everything else receives a `Dockerode` instance.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type Dockerode from 'dockerode';
import type { DockerStatus } from '../../../shared/domain';

export type { Dockerode };

/**
 * dockerode and what it pulls in (ssh2, protobufjs, grpc) take ~200 ms to load, more than a
 * quick CLI command's whole work (`lancer results`, `lancer tasks`), so it is loaded on first use.
 */
let dockerodeClass: typeof Dockerode | undefined;
function loadDockerode(): typeof Dockerode {
  return (dockerodeClass ??= createRequire(import.meta.url)('dockerode') as typeof Dockerode);
}

/**
 * A client for the local daemon: DOCKER_HOST when set, else the default socket or pipe. It is
 * made when first used: the Workbench hands it to its services when it opens, and a command that
 * never talks to Docker then never loads dockerode.
 */
export function createDockerClient(): Dockerode {
  let client: Dockerode | undefined;
  const real = (): Dockerode => (client ??= new (loadDockerode())());
  return new Proxy({} as Dockerode, {
    get(_target, key) {
      const target = real();
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
    set: (_target, key, value) => Reflect.set(real(), key, value),
    has: (_target, key) => Reflect.has(real(), key),
    getPrototypeOf: () => Reflect.getPrototypeOf(real()),
  });
}

/**
 * A client for a daemon named by address: `unix:///path` (a socket here) or `tcp://host:port`
 * with mutual TLS from `tlsDir` (ca.pem, cert.pem, key.pem, as Docker's own client expects).
 * Plain TCP is refused: a daemon that takes commands over the network is root on its host.
 */
export function createDockerClientFor(url: string, tlsDir: string | null): Dockerode {
  const Dockerode = loadDockerode();
  if (url.startsWith('unix://')) return new Dockerode({ socketPath: url.slice('unix://'.length) });
  const tcp = /^tcp:\/\/([^:/]+)(?::(\d+))?$/.exec(url);
  if (!tcp) throw new Error(`${url}: a daemon address is unix:///path/to/docker.sock or tcp://host:port`);
  if (!tlsDir) throw new Error(`${url}: a daemon on TCP needs mutual TLS; give the folder of the client's certificates (--tls-dir with ca.pem, cert.pem, key.pem)`);
  const read = (file: string): Buffer => {
    try {
      return readFileSync(path.join(tlsDir, file));
    } catch (error) {
      throw new Error(`cannot read ${path.join(tlsDir, file)} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); the TLS folder needs ca.pem, cert.pem and key.pem`);
    }
  };
  return new Dockerode({ host: tcp[1], port: Number(tcp[2] ?? 2376), protocol: 'https', ca: read('ca.pem'), cert: read('cert.pem'), key: read('key.pem') });
}

/**
 * Asks the daemon whether it answers, within `timeoutMs`. Never throws: the status bar shows the
 * error text, which is what a user needs to fix their set-up (no socket, no permission, …).
 */
export async function pingDocker(docker: Dockerode, timeoutMs = 3000): Promise<DockerStatus> {
  const checkedAt = new Date().toISOString();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new PingTimeout()), timeoutMs);
  });
  try {
    const version = await Promise.race([docker.ping().then(() => docker.version()), timeout]);
    return { ok: true, version: version.Version, apiVersion: version.ApiVersion, checkedAt };
  } catch (error) {
    const message =
      error instanceof PingTimeout
        ? `the Docker daemon did not answer within ${timeoutMs} ms`
        : describeDockerError(error);
    return { ok: false, error: message, checkedAt };
  } finally {
    clearTimeout(timer);
  }
}

class PingTimeout extends Error {}

function describeDockerError(error: unknown): string {
  const err = error as NodeJS.ErrnoException & { address?: string };
  if (err.code === 'ENOENT' || err.code === 'ECONNREFUSED') {
    return `cannot reach the Docker daemon at ${err.address ?? 'its socket'} (${err.code}); is Docker running?`;
  }
  if (err.code === 'EACCES') {
    return `permission denied on the Docker socket ${err.address ?? ''}; add your user to the docker group`.trim();
  }
  return err.message || String(error);
}
