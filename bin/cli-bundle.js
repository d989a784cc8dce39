/**
 * The `lancer` command runs from bundled files built from src/ by esbuild: out/cli/lancer.cjs
 * (every command) and out/cli/lancer-ledger.cjs (the commands that only read the run ledger, and
 * `--version`: ~30 kB that load in a fraction of the whole's time). Loading ~250 TypeScript
 * modules through tsx took 1.1 s and more before a command did anything; one file of plain
 * JavaScript loads in a fraction of that. A bundle is rebuilt (about a second) whenever a file it
 * was built from is newer than it, so an edited checkout never runs stale code and needs no build
 * step before `npx lancer`.
 *
 * Node 20 keeps no compiled code between runs, so the bundle is run through `vm.Script` with
 * V8's code cache, one per command (what a command compiles is what its next run needs): the
 * bundle's compile and the functions a command calls then cost nothing the second time.
 */
import { closeSync, cpSync, existsSync, fstatSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import vm from 'node:vm';

const root = path.resolve(import.meta.dirname, '..');

/** Where the bundle goes; the migrations are copied beside it (store/database.ts reads them from beside its module). */
export const bundleFile = path.join(root, 'out', 'cli', 'lancer.cjs');

/** The second bundle, of src/cli/ledger-main.ts: the commands that only read the run ledger. */
export const ledgerBundleFile = path.join(root, 'out', 'cli', 'lancer-ledger.cjs');

/** First arguments that go to the ledger bundle: its commands (src/cli/ledger-commands.ts) and the version. */
export const ledgerEntryArgs = new Set(['results', '--version', '-v']);

/** The bundle and entry a command line runs from, by its first argument. */
export function bundleFor(firstArg) {
  return ledgerEntryArgs.has(firstArg)
    ? { bundle: ledgerBundleFile, entry: path.join(root, 'src/cli/ledger-main.ts') }
    : { bundle: bundleFile, entry: path.join(root, 'src/cli/main.ts') };
}

const migrationsDir = path.join(root, 'src/main/core/store/migrations');

/** What the CLI is built from: its own code, the core and server it drives, the shared types. */
export const sourceDirs = ['src/cli', 'src/main', 'src/shared'].map((dir) => path.join(root, dir));

/**
 * Left outside the bundle and loaded from node_modules when used: native code (better-sqlite3,
 * and ssh2's under dockerode), a module loaded only when a command needs Docker (dockerode, its
 * load alone is ~200 ms), one read only by path (playwright-core), and Electron.
 */
export const external = ['better-sqlite3', 'dockerode', 'playwright-core', 'electron'];

/** The newest modification time (ms) of any file under `dirs`, 0 when there is none. */
export function newestMtime(dirs) {
  let newest = 0;
  const visit = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) visit(full);
      else newest = Math.max(newest, statSync(full).mtimeMs);
    }
  };
  for (const dir of dirs) if (existsSync(dir)) visit(dir);
  return newest;
}

/** The list, beside a bundle, of what it was built from: its source files and the migrations' folder. */
const inputsFile = (bundle) => `${bundle}.inputs.json`;

/**
 * Whether `bundle` is missing or older than a file it was built from. Those are listed at the
 * build (esbuild's own account of its inputs under `dirs`), so only they are looked at: a stat
 * costs ~50 µs here, and the whole of src/ is 216 files, where the ledger bundle's are a dozen.
 * A new file no input imports cannot change the bundle; one they import comes with an edit to
 * an input. The migrations' folder is listed too: its time changes when a migration is added.
 * Without the list (a bundle from before it), every file under `dirs` counts.
 */
export function isStale(bundle, dirs) {
  if (!existsSync(bundle)) return true;
  const built = statSync(bundle).mtimeMs;
  let inputs;
  try {
    inputs = JSON.parse(readFileSync(inputsFile(bundle), 'utf8'));
  } catch {
    return newestMtime(dirs) > built;
  }
  for (const file of inputs) {
    const stat = statSync(file, { throwIfNoEntry: false });
    if (!stat || stat.mtimeMs > built) return true;
  }
  return false;
}

/**
 * Builds the bundle when it is stale and returns its path. Concurrent builders (parallel
 * `lancer` processes after an edit) each write their own temporary file and rename it into
 * place, so a reader never sees half a file. The bundle's time is set to when the build began,
 * so an edit made while it was building still counts as newer. `bundle` and `entry` as
 * `bundleFor` gives them.
 */
export async function ensureBundle({ bundle, entry, dirs = sourceDirs, onBuild }) {
  if (!isStale(bundle, dirs)) return bundle;
  onBuild?.();
  const began = new Date();
  const { build } = await import('esbuild');
  const outDir = path.dirname(bundle);
  mkdirSync(outDir, { recursive: true });
  const partial = `${bundle}.${process.pid}.partial`;
  try {
    const result = await build({
      absWorkingDir: root,
      entryPoints: [entry],
      outfile: partial,
      bundle: true,
      platform: 'node',
      // CommonJS, because only a script (not an ES module) can use a code cache on Node 20.
      format: 'cjs',
      target: 'node20',
      external,
      // The sources are ES modules that find files beside themselves through import.meta.
      define: { 'import.meta.url': '__lancerModuleUrl', 'import.meta.dirname': '__dirname', 'import.meta.filename': '__filename' },
      banner: { js: "const __lancerModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
      // Whitespace only: names stay, so a stack trace still says which function failed.
      minifyWhitespace: true,
      metafile: true,
      logLevel: 'error',
    });
    cpSync(migrationsDir, path.join(outDir, 'migrations'), { recursive: true });
    const inDirs = (file) => dirs.some((dir) => !path.relative(dir, file).startsWith('..'));
    const inputs = Object.keys(result.metafile.inputs).map((file) => path.resolve(root, file)).filter(inDirs);
    writeFileSync(`${partial}.inputs`, JSON.stringify([...inputs, migrationsDir]));
    renameSync(`${partial}.inputs`, inputsFile(bundle));
    utimesSync(partial, began, began);
    renameSync(partial, bundle);
    rmSync(codeCacheDir(bundle), { recursive: true, force: true });
  } finally {
    rmSync(partial, { force: true });
    rmSync(`${partial}.inputs`, { force: true });
  }
  return bundle;
}

/**
 * One folder per bundle: a rebuild of one drops its own caches, not the other bundle's (the
 * whole CLI's and the ledger's are rebuilt apart).
 */
const codeCacheDir = (bundle) => path.join(path.dirname(bundle), 'code-cache', path.basename(bundle, path.extname(bundle)));

/**
 * Runs the bundle as Node runs a CommonJS file, compiled with the code cache of `command` when
 * there is one for this very bundle (its time and size name the file; V8 also refuses a cache
 * made by another V8). Without one, the cache is written when the process exits normally,
 * holding everything the command compiled. A cache that cannot be written is only a slower start.
 */
export function runBundle(bundle, command) {
  // Time, size and text from one open file: a rebuild renaming a new bundle into place between
  // reading and naming the cache would otherwise file the old code under the new bundle's name.
  const fd = openSync(bundle, 'r');
  let source, mtimeMs, size;
  try {
    ({ mtimeMs, size } = fstatSync(fd));
    source = readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
  const cacheFile = path.join(codeCacheDir(bundle), `${Math.trunc(mtimeMs)}-${size}-${/^[a-z][a-z-]{0,30}$/.test(command ?? '') ? command : 'other'}.bin`);
  let cachedData;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  // Node's own wrapper, on the bundle's first line so line numbers in stack traces stay true.
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, { filename: bundle, cachedData });
  if (cachedData === undefined || script.cachedDataRejected) {
    process.once('exit', () => {
      try {
        mkdirSync(path.dirname(cacheFile), { recursive: true });
        const partial = `${cacheFile}.${process.pid}`;
        writeFileSync(partial, script.createCachedData());
        renameSync(partial, cacheFile);
      } catch {
        // Next time starts without it.
      }
    });
  }
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(bundle), module, bundle, path.dirname(bundle));
}
