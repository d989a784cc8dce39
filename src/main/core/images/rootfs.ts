/**
 * A minimal Debian root filesystem made with debootstrap, for when no image registry answers.
 *
 * The result is a plain tarball cached under the data dir, so it is made once per machine and
 * imported into Docker as the OS image whenever that image is missing.
 */
import { spawn } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync, type WriteStream } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DPKG_SLIM_CONFIG } from './dockerfiles';
import { hashStream } from './inputs-hash';

/** Options of {@link ensureRootfsTarball}. */
export interface RootfsOptions {
  dataDir: string;
  suite: string;
  mirror: string;
  /** Where debootstrap's and tar's output goes, in full. */
  logPath: string;
  /** Called with each output line, for progress display. */
  onLine?: (line: string) => void;
  signal?: AbortSignal;
}

/** A cached rootfs tarball and the sha256 of its bytes. */
export interface RootfsTarball {
  path: string;
  sha256: string;
  /** False when the tarball came from the cache. */
  created: boolean;
}

/** Where the tarball of `suite` is cached. */
export function rootfsCachePath(dataDir: string, suite: string): string {
  return path.join(dataDir, 'cache', 'rootfs', `debian-${suite}-minbase.tar`);
}

/**
 * Returns the cached rootfs tarball of `suite`, making it first when missing.
 *
 * The sha256 is stored beside the tarball and written last, so a tarball without it (an
 * interrupted run) is made again rather than trusted.
 */
export async function ensureRootfsTarball(opts: RootfsOptions): Promise<RootfsTarball> {
  const tarPath = rootfsCachePath(opts.dataDir, opts.suite);
  const shaPath = tarPath + '.sha256';
  if (existsSync(tarPath) && existsSync(shaPath)) {
    const sha256 = (await readFile(shaPath, 'utf8')).trim();
    if (/^[0-9a-f]{64}$/.test(sha256)) return { path: tarPath, sha256, created: false };
  }
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    throw new Error(
      'making the Debian base image needs root (debootstrap creates device files and chroots); ' +
        'run this build once as root (e.g. `sudo lancer images build`), or make debian:' +
        `${opts.suite}-slim available to Docker (docker load / a reachable registry)`,
    );
  }
  await mkdir(path.dirname(tarPath), { recursive: true });
  await mkdir(path.dirname(opts.logPath), { recursive: true });
  const log = createWriteStream(opts.logPath, { flags: 'a' });
  // The work dir sits beside the cache so the final rename is atomic on one filesystem.
  const work = await mkdtemp(path.join(path.dirname(tarPath), `tmp-${opts.suite}-`));
  const root = path.join(work, 'root');
  try {
    await runLogged(
      'debootstrap',
      ['--variant=minbase', '--components=main', opts.suite, root, opts.mirror],
      log,
      opts,
    );
    await unmountUnder(root);
    await slimRootfs(root, opts.suite, opts.mirror);
    const partial = path.join(work, 'rootfs.tar');
    // Numeric owners: the names inside the rootfs may map to other ids on the host.
    await runLogged('tar', ['--numeric-owner', '-C', root, '-cf', partial, '.'], log, opts);
    const sha256 = await hashStream(createReadStream(partial));
    await rename(partial, tarPath);
    await writeFile(shaPath, sha256 + '\n');
    return { path: tarPath, sha256, created: true };
  } finally {
    await unmountUnder(work).catch(() => undefined);
    await rm(work, { recursive: true, force: true }).catch(() => undefined);
    await new Promise<void>((resolve) => log.end(resolve));
  }
}

/**
 * Makes the fresh rootfs behave like Debian's official container images: apt sources with
 * updates and security, no recommends, no docs, no cached package lists or archives, and a
 * policy-rc.d that keeps package scripts from starting services during image builds.
 */
async function slimRootfs(root: string, suite: string, mirror: string): Promise<void> {
  const at = (...parts: string[]): string => path.join(root, ...parts);
  await writeFile(at('etc', 'apt', 'sources.list'), aptSources(suite, mirror));
  await mkdir(at('etc', 'dpkg', 'dpkg.cfg.d'), { recursive: true });
  await writeFile(at('etc', 'dpkg', 'dpkg.cfg.d', '90-lancer-slim'), DPKG_SLIM_CONFIG);
  await writeFile(
    at('etc', 'apt', 'apt.conf.d', '90-lancer'),
    'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\nAcquire::Languages "none";\n',
  );
  await writeFile(at('usr', 'sbin', 'policy-rc.d'), '#!/bin/sh\n# no services start inside image builds\nexit 101\n');
  await chmod(at('usr', 'sbin', 'policy-rc.d'), 0o755);
  // Docker bind-mounts these per container; the host's copies must not leak into the image.
  await writeFile(at('etc', 'resolv.conf'), '');
  await writeFile(at('etc', 'hostname'), 'localhost\n');
  await writeFile(at('etc', 'machine-id'), '');

  await emptyDir(at('var', 'cache', 'apt', 'archives'), (name) => name.endsWith('.deb'));
  await emptyDir(at('var', 'cache', 'apt'), (name) => name.endsWith('.bin'));
  await emptyDir(at('var', 'lib', 'apt', 'lists'), (name) => name !== 'partial' && name !== 'lock');
  await emptyDir(at('usr', 'share', 'man'));
  await emptyDir(at('usr', 'share', 'info'));
  await emptyDir(at('usr', 'share', 'locale'), (name) => name !== 'locale.alias');
  await emptyDir(at('var', 'log'), (name) => name.endsWith('.log') || name === 'apt');
  // Docs go, copyright files stay (the licences ask for them).
  for (const pkg of await readdirSafe(at('usr', 'share', 'doc'))) {
    await emptyDir(at('usr', 'share', 'doc', pkg), (name) => name !== 'copyright');
  }
  // Containers get their own /dev, /proc and /sys from the runtime.
  await emptyDir(at('dev'));
  await emptyDir(at('proc'));
  await emptyDir(at('sys'));
}

/** The apt sources of a release: main, its updates and its security archive on the same host. */
export function aptSources(suite: string, mirror: string): string {
  const lines = [`deb ${mirror} ${suite} main`];
  // Unstable has no updates or security suites.
  if (suite !== 'sid' && suite !== 'unstable') {
    lines.push(`deb ${mirror} ${suite}-updates main`);
    const security = mirror.replace(/\/debian\/?$/, '/debian-security');
    if (security !== mirror) lines.push(`deb ${security} ${suite}-security main`);
  }
  return lines.join('\n') + '\n';
}

async function readdirSafe(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch {
    return [];
  }
}

/** Deletes the entries of `dir` that `shouldRemove` selects (all by default), keeping `dir`. */
async function emptyDir(dir: string, shouldRemove: (name: string) => boolean = () => true): Promise<void> {
  for (const name of await readdirSafe(dir)) {
    if (shouldRemove(name)) await rm(path.join(dir, name), { recursive: true, force: true });
  }
}

/**
 * Lazily unmounts whatever is mounted below `dir`, deepest first. debootstrap mounts /proc and
 * /sys inside the target while it works; if it is killed they stay mounted, and deleting the
 * work dir would then walk into the host's /proc and /sys.
 */
async function unmountUnder(dir: string): Promise<void> {
  let mounts: string;
  try {
    mounts = await readFile('/proc/mounts', 'utf8');
  } catch {
    return;
  }
  const prefix = path.resolve(dir) + path.sep;
  const targets = mounts
    .split('\n')
    .map((line) => line.split(' ')[1] ?? '')
    // /proc/mounts escapes spaces and the like as octal.
    .map((p) => p.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8))))
    .filter((p) => p.startsWith(prefix))
    .sort((a, b) => b.length - a.length);
  for (const target of targets) {
    await new Promise<void>((resolve) => {
      const child = spawn('umount', ['-l', target], { stdio: 'ignore' });
      child.on('error', () => resolve());
      child.on('close', () => resolve());
    });
  }
}

/**
 * Runs a command, copying its output to the log and, line by line, to `onLine`. It runs in its
 * own process group so an abort stops debootstrap's children (wget, dpkg in the chroot) too.
 */
function runLogged(
  command: string,
  args: string[],
  log: WriteStream,
  opts: Pick<RootfsOptions, 'onLine' | 'signal'>,
): Promise<void> {
  return new Promise((resolve, reject) => {
    opts.signal?.throwIfAborted();
    log.write(`$ ${command} ${args.join(' ')}\n`);
    const child = spawn(command, args, {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, LC_ALL: 'C', DEBIAN_FRONTEND: 'noninteractive' },
    });
    const tail: string[] = [];
    let pending = '';
    const onData = (chunk: Buffer): void => {
      log.write(chunk);
      pending += chunk.toString('utf8');
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        if (line.trim() === '') continue;
        tail.push(line);
        if (tail.length > 15) tail.shift();
        opts.onLine?.(line);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const onAbort = (): void => {
      if (child.pid !== undefined) {
        try {
          process.kill(-child.pid, 'SIGTERM');
        } catch {
          // already gone
        }
      }
    };
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    child.on('error', (error: NodeJS.ErrnoException) => {
      opts.signal?.removeEventListener('abort', onAbort);
      reject(
        error.code === 'ENOENT'
          ? new Error(`${command} is not installed; on Debian or Ubuntu: apt-get install ${command}`)
          : error,
      );
    });
    child.on('close', (code, sig) => {
      opts.signal?.removeEventListener('abort', onAbort);
      if (opts.signal?.aborted) return reject(opts.signal.reason);
      if (code === 0) return resolve();
      const why = sig ? `was killed by ${sig}` : `exited with code ${code}`;
      reject(new Error(`${command} ${why}: ${tail.join('\n') || 'no output'} (full log: ${log.path})`));
    });
  });
}
