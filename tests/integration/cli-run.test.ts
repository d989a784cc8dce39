/**
 * `lancer run` end to end: the contract's checks apply to its flags, and on a terminal it shows
 * one live status line while pipes get plain lines (a real gold run of a sample task in Docker).
 */
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../helpers/temp-dir';
import { canRunSample, dockerCli, ensureSampleImages, sampleCsv, sampleIssues } from '../helpers/sample-images';
import { Workbench } from '../../src/main/core/workbench';
import { lancerIn, lancerJs } from '../helpers/cli';

const MINUTE = 60_000;
const { dir, cleanup } = makeTempDir('lancer-cli-run-');
const lancer = lancerIn(dir);

const dockerOk = await canRunSample();

describe('lancer run', () => {
  beforeAll(async () => {
    const imported = lancer('import', sampleCsv, '--issues', sampleIssues, '--name', 'sample');
    expect(imported.code, imported.stderr).toBe(0);
    if (dockerOk) await ensureSampleImages();
  }, 10 * MINUTE);
  afterAll(() => cleanup());

  it('checks its flags against the contract, as every other front door does', () => {
    const tooMany = lancer('run', '--dataset', 'sample', '--solver', 'gold', '--concurrency', '500');
    expect(tooMany.code).toBe(2);
    expect(tooMany.stderr).toMatch(/runs\.start: input\.concurrency: Too big/);
    const prefix = lancer('run', '--dataset', 'sample', '--solver', 'gold', '--image-prefix', 'x;rm -rf /');
    expect(prefix.code).toBe(2);
    expect(prefix.stderr).toMatch(/input\.imagePrefix/);
  });

  it.runIf(dockerOk)('shows one live status line on a terminal, plain lines in a pipe', () => {
    // `script` gives the command a pseudo-terminal, as a user's shell would.
    const command = [process.execPath, lancerJs, 'run', '--dataset', 'sample', '--tasks', '9101-manager-0', '--solver', 'gold', '--data-dir', dir]
      .map((a) => `'${a.replace(/'/g, `'\\''`)}'`)
      .join(' ');
    const tty = spawnSync('script', ['-qec', command, '/dev/null'], { encoding: 'utf8', timeout: 5 * MINUTE, env: { ...process.env, COLUMNS: '160' } });
    expect(tty.status, tty.stdout).toBe(0);
    // Redrawn in place (carriage return, clear line), ending on the final status.
    expect(tty.stdout).toContain('\r\x1b[2K');
    expect(tty.stdout).toMatch(/1\/1 done · 1 passed · \$[\d,]+ earned · 0 running · \d+s · ~0s left/);
    expect(tty.stdout).toMatch(/9101-manager-0\s+passed/);

    const piped = lancer('run', '--dataset', 'sample', '--tasks', '9101-manager-0', '--solver', 'gold');
    expect(piped.code, piped.stderr).toBe(0);
    expect(piped.stderr).not.toContain('\x1b[');
    expect(piped.stderr).toMatch(/^ {2}9101-manager-0\s+passed$/m);
  }, 5 * MINUTE);

  it.runIf(dockerOk)('keeps a failed attempt\'s container when asked: labelled, stopped, listed, removed by the user', async () => {
    const wb = new Workbench({ dataDir: dir, version: 'test', transport: 'cli' });
    wb.settings.update({ keepFailedContainers: true });
    void wb.close();
    const run = lancer('run', '--dataset', 'sample', '--tasks', '9102-manager-0', '--solver', 'null', '--json');
    expect(run.code, run.stderr).toBe(0);
    const kept = JSON.parse(lancer('containers', '--json').stdout) as { id: string; attemptId: string }[];
    expect(kept).toHaveLength(1);
    const state = dockerCli(['inspect', '--format', '{{.State.Status}} {{index .Config.Labels "lancer.keep-on-failure"}} {{len .NetworkSettings.Networks}}', kept[0]!.id]);
    expect(state?.trim()).toBe('exited true 0');
    // The start-up reaper of a later `lancer run` spares it while its failed attempt is in the ledger.
    const later = new Workbench({ dataDir: dir, version: 'test', transport: 'cli' });
    await later.engine.recover();
    await later.close();
    expect(JSON.parse(lancer('containers', '--json').stdout)).toHaveLength(1);
    const rm = lancer('containers', 'rm', 'all', '--json');
    expect(JSON.parse(rm.stdout)).toEqual({ removed: 1 });
    expect(dockerCli(['inspect', kept[0]!.id])).toBeNull();
  }, 5 * MINUTE);
});
