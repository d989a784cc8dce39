/**
 * The `lancer` command's bundle (bin/cli-bundle.js): rebuilt when a source is newer, never
 * otherwise; run with a code cache per command that a second run uses as it is. Real esbuild,
 * real files, real Node processes, on a small entry of its own in a temporary folder.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/workbench-server';

const cliBundle = path.join(repoRoot, 'bin', 'cli-bundle.js');

interface CliBundleModule {
  isStale(bundle: string, dirs: string[]): boolean;
  ensureBundle(opts: { bundle: string; dirs: string[]; entry: string; onBuild?: () => void }): Promise<string>;
  ledgerEntryArgs: Set<string>;
  bundleFor(firstArg: string | undefined): { bundle: string; entry: string };
}

describe('the CLI bundle', () => {
  let dir: string;
  let src: string;
  let bundle: string;
  let mod: CliBundleModule;

  beforeEach(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'lancer-cli-bundle-'));
    src = path.join(dir, 'src');
    mkdirSync(src);
    // ES module sources that find themselves through import.meta, as store/database.ts does.
    writeFileSync(path.join(src, 'where.ts'), "import { fileURLToPath } from 'node:url';\nexport const here = (): string => fileURLToPath(import.meta.url);\n");
    writeFileSync(path.join(src, 'main.ts'), "import { here } from './where';\nconst greeting: string = 'hello';\nconsole.log(JSON.stringify({ greeting, here: here(), args: process.argv.slice(1) }));\n");
    bundle = path.join(dir, 'out', 'cli.cjs');
    mod = (await import(pathToFileURL(cliBundle).href)) as CliBundleModule;
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  let builds = 0;
  const build = (): Promise<string> => mod.ensureBundle({ bundle, dirs: [src], entry: path.join(src, 'main.ts'), onBuild: () => builds++ });

  /** Runs the bundle in its own Node process, as bin/lancer.js does, for `command`. */
  const run = (command: string): { out: { greeting: string; here: string; args: string[] }; stderr: string } => {
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', `import { runBundle } from ${JSON.stringify(pathToFileURL(cliBundle).href)}; runBundle(${JSON.stringify(bundle)}, ${JSON.stringify(command)});`, command], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    return { out: JSON.parse(r.stdout) as { greeting: string; here: string; args: string[] }, stderr: r.stderr };
  };

  it('is built when missing, rebuilt only when a source is newer, and keeps import.meta working', async () => {
    builds = 0;
    expect(mod.isStale(bundle, [src])).toBe(true);
    await build();
    expect(builds).toBe(1);
    expect(mod.isStale(bundle, [src])).toBe(false);
    await build();
    expect(builds).toBe(1);
    // The migrations travel with the bundle, where the store looks for them.
    expect(readdirSync(path.join(dir, 'out', 'migrations'))).toContain('0001_init.sql');
    expect(run('results').out).toEqual({ greeting: 'hello', here: bundle, args: ['results'] });

    // An edit (a source newer than the bundle) rebuilds, and the new code runs.
    writeFileSync(path.join(src, 'main.ts'), "console.log(JSON.stringify({ greeting: 'edited', here: '', args: [] }));\n");
    const later = new Date(statSync(bundle).mtimeMs + 5_000);
    utimesSync(path.join(src, 'main.ts'), later, later);
    expect(mod.isStale(bundle, [src])).toBe(true);
    await build();
    expect(builds).toBe(2);
    expect(run('results').out.greeting).toBe('edited');
  });

  it('looks only at the files it was built from: one it does not include changes nothing, a removed one makes it stale', async () => {
    await build();
    const future = new Date(statSync(bundle).mtimeMs + 5_000);
    writeFileSync(path.join(src, 'unused.ts'), 'export const unused = 1;\n');
    utimesSync(path.join(src, 'unused.ts'), future, future);
    expect(mod.isStale(bundle, [src])).toBe(false);
    // Without its list of inputs (a bundle built before there was one), every file counts.
    rmSync(`${bundle}.inputs.json`);
    expect(mod.isStale(bundle, [src])).toBe(true);
    await build();
    utimesSync(path.join(src, 'where.ts'), future, future);
    expect(mod.isStale(bundle, [src])).toBe(true);
    await build();
    rmSync(path.join(src, 'where.ts'));
    expect(mod.isStale(bundle, [src])).toBe(true);
  });

  it("writes a command's code cache on its first run, and the next run uses it unchanged", async () => {
    await build();
    const cacheDir = path.join(dir, 'out', 'code-cache', 'cli');
    expect(existsSync(cacheDir)).toBe(false);
    run('results');
    const [cache] = readdirSync(cacheDir);
    expect(cache).toMatch(/-results\.bin$/);
    const written = statSync(path.join(cacheDir, cache!)).mtimeMs;
    expect(run('results').out.greeting).toBe('hello');
    // Accepted by V8, so not written again.
    expect(statSync(path.join(cacheDir, cache!)).mtimeMs).toBe(written);
    // Another command gets its own; a name that is not a command word shares "other".
    run('tasks');
    run('../../etc');
    expect(readdirSync(cacheDir).map((f) => f.replace(/^\d+-\d+-/, '')).sort()).toEqual(['other.bin', 'results.bin', 'tasks.bin']);
    // A rebuild drops the caches of the old bundle, and only those: another bundle beside it
    // (the ledger's, beside the whole CLI's) keeps its own.
    const other = path.join(dir, 'out', 'other.cjs');
    await mod.ensureBundle({ bundle: other, dirs: [src], entry: path.join(src, 'main.ts') });
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', `import { runBundle } from ${JSON.stringify(pathToFileURL(cliBundle).href)}; runBundle(${JSON.stringify(other)}, 'results');`], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const otherCache = path.join(dir, 'out', 'code-cache', 'other');
    expect(readdirSync(otherCache)).toHaveLength(1);
    utimesSync(path.join(src, 'main.ts'), new Date(Date.now() + 10_000), new Date(Date.now() + 10_000));
    await build();
    expect(existsSync(cacheDir)).toBe(false);
    expect(readdirSync(otherCache)).toHaveLength(1);
  });
});

describe('the two entries of the CLI', () => {
  it('route to the ledger bundle exactly the commands its entry serves, and everything else to the whole CLI', async () => {
    const mod = (await import(pathToFileURL(cliBundle).href)) as CliBundleModule;
    const { ledgerCommands } = await import('../../src/cli/ledger-commands');
    const routed = [...mod.ledgerEntryArgs].filter((arg) => !arg.startsWith('-'));
    expect(routed.sort()).toEqual(Object.keys(ledgerCommands).sort());
    for (const arg of routed) expect(mod.bundleFor(arg).entry).toMatch(/ledger-main\.ts$/);
    for (const arg of ['run', 'tasks', 'serve', undefined, '--help']) expect(mod.bundleFor(arg).entry).toMatch(/[\\/]main\.ts$/);
  });
});
