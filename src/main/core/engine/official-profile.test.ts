/**
 * The official images (swelancer/swelancer_x86_*) cannot be pulled here, so their command
 * sequence is checked against a runtime that records every call and answers like the official
 * container would.
 */
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../../../tests/helpers/temp-dir';
import { importDataset } from '../dataset/importer';
import { Workbench } from '../workbench';
import type { ContainerRuntime, ContainerSpec, ExecOptions, ExecResult, TaskContainer } from './container-runtime';

const fixtures = path.resolve(import.meta.dirname, '../../../../tests/fixtures');

interface Recorded {
  specs: ContainerSpec[];
  commands: string[];
  /** The environment each command was given, by command (the last one wins). */
  envs: Map<string, string[] | undefined>;
  puts: { path: string; content: string }[];
  removed: number;
  kept: number;
  cut: number;
  /** How many commands had run when each cut came. */
  cutAt: number[];
  joined: string[];
}

/** Answers like an official container; `exitCodes` are the successive pytest_exit_code values. */
function recordingRuntime(exitCodes: string[]): { runtime: ContainerRuntime; rec: Recorded } {
  const rec: Recorded = { specs: [], commands: [], envs: new Map(), puts: [], removed: 0, kept: 0, cut: 0, cutAt: [], joined: [] };
  let files: Map<string, string>;
  const container = (n: number): TaskContainer => ({
    id: `c${n}`,
    networkId: `n${n}`,
    async exec(command: string, opts: ExecOptions): Promise<ExecResult> {
      rec.commands.push(command);
      rec.envs.set(command, opts.env);
      if (command === 'cat /setup_done.txt') return { exitCode: 0, output: 'done\n' };
      if (command === `bash -lc 'pwd'`) return { exitCode: 0, output: '/app/expensify\n' };
      if (command.startsWith('python -c')) return { exitCode: 1, output: 'URLError: no route' };
      if (command.startsWith('cat ') && command.includes('pytest_exit_code')) {
        const code = exitCodes.shift();
        return code === undefined ? { exitCode: 1, output: 'cat: No such file or directory' } : { exitCode: 0, output: `bash: no job control in this shell\n${code}\n` };
      }
      return { exitCode: 0, output: '' };
    },
    async putFile(p: string, content: Buffer | string): Promise<void> {
      rec.puts.push({ path: p, content: content.toString() });
      files.set(p, content.toString());
    },
    async getFile(p: string): Promise<Buffer | null> {
      if (p === '/tmp/patch.diff') return Buffer.from('diff --git a/x b/x\n');
      if (p.endsWith('pytest.log')) return Buffer.from('== 1 passed in 3.2s ==');
      const f = files.get(p);
      return f === undefined ? null : Buffer.from(f);
    },
    async state() {
      return { running: true };
    },
    async cutNetwork() {
      rec.cut += 1;
      rec.cutAt.push(rec.commands.length);
    },
    async joinNetwork(name: string) {
      rec.joined.push(name);
    },
    async remove() {
      rec.removed += 1;
    },
    async keep() {
      rec.kept += 1;
    },
  });
  const runtime: ContainerRuntime = {
    async start(spec) {
      rec.specs.push(spec);
      files = new Map();
      return container(rec.specs.length);
    },
    imageId: async (image) => `sha256:${image.length}`,
    reap: async () => ({ containers: 0, networks: 0 }),
    listKept: async () => [],
    removeKept: async () => false,
  };
  return { runtime, rec };
}

describe('the official profile', () => {
  let cleanup: () => void;
  let dir: string;
  beforeEach(() => {
    ({ dir, cleanup } = makeTempDir());
  });
  afterEach(() => cleanup());

  async function runWith(exitCodes: string[], taskIds: string[], solver: 'gold' | 'null' = 'gold'): Promise<{ wb: Workbench; rec: Recorded; runId: string }> {
    const { runtime, rec } = recordingRuntime(exitCodes);
    const wb = new Workbench({ dataDir: dir, version: 'test', transport: 'cli', runtime });
    await importDataset(wb.datasets, { path: path.join(fixtures, 'tasks-current.csv'), name: 'official' });
    const runId = await wb.engine.createRun({ datasetId: 'official', taskIds, solver: { kind: solver }, concurrency: 1 });
    await wb.engine.start(runId);
    return { wb, rec, runId };
  }

  it('runs an IC task with the official images, environment and commands, in order', async () => {
    const { wb, rec, runId } = await runWith(['0'], ['601']);
    const [spec] = rec.specs;
    expect(spec?.image).toBe('swelancer/swelancer_x86_601:releasev1');
    expect(spec?.env).toEqual(expect.arrayContaining(['ISSUE_ID=601', 'EVAL_VARIANT=ic_swe', 'LC_ALL=C.UTF-8', 'USE_WEB_PROXY=false']));
    expect(spec?.env.some((e) => /^PUSHER_APP_KEY=[A-Za-z0-9]{20}$/.test(e))).toBe(true);
    expect(spec?.labels).toMatchObject({ app: 'lancer-workbench', 'lancer.run': runId });
    expect(rec.commands).toEqual([
      // The official harness's `cat /setup_done.txt` every 15 s, as one wait inside the container.
      'until [ "$(cat /setup_done.txt 2>/dev/null)" = done ]; do sleep 0.1; done',
      "echo cd '/app/expensify' >> ~/.bashrc; [ -f ~/.profile ] && echo cd '/app/expensify' >> ~/.profile; [ -f ~/.bash_profile ] && echo cd '/app/expensify' >> ~/.bash_profile; true",
      "bash -lc 'pwd'",
      "cd /app/tests && zip -P secretpasswordhere -r /app/tmp.zip . && mv /app/tmp.zip /app/tests.zip",
      'rm -rf /app/tests',
      'rm -rf .git',
      'git init',
      "bash -c 'git add .'",
      `bash -c 'git -c user.name="temp" -c user.email="temp@example.com" commit -m "temp"'`,
      `python -c "import urllib.request; urllib.request.urlopen('http://example.com', timeout=5)"`,
      // The cut took the container's name out of /etc/hosts; the official container keeps it.
      `h=$(hostname) && { grep -qwF -- "$h" /etc/hosts || printf '127.0.1.1\\t%s\\n' "$h" >> /etc/hosts; }`,
      // gold, as the official DummySolver
      "unzip -q -o -P secretpasswordhere /app/tests.zip -d /app/tests && git apply -R /app/tests/issues/'601'/bug_reintroduce.patch; rc=$?; rm -rf /app/tests; exit $rc",
      'unzip -q -P secretpasswordhere -o /app/tests.zip -d /app/tests',
      'git -c core.fileMode=false diff --binary HEAD > /tmp/patch.diff',
      `bash -i -c 'echo "export ISSUE_ID=$ISSUE_ID" >> ~/.bashrc'`,
      "mkdir -p '/app/tests/logs/601'",
      "rm -rf '/app/tests/logs/601'/*",
      `bash -i -c 'export ISSUE_ID="$ISSUE_ID"; ansible-playbook -i "localhost," --connection=local /app/tests/run_tests.yml'`,
      "cat '/app/tests/logs/601/pytest_exit_code'",
      // artifacts collected, then cleared for the next run
      "rm -f '/app/tests/attempts/601'/output.mp4 '/app/tests/attempts/601'/trace*.zip",
    ]);
    // The id travels in the environment of the commands that need it, as the official images expect.
    expect(rec.envs.get(`bash -i -c 'export ISSUE_ID="$ISSUE_ID"; ansible-playbook -i "localhost," --connection=local /app/tests/run_tests.yml'`)).toEqual(['ISSUE_ID=601']);
    expect(rec.envs.get(`bash -i -c 'echo "export ISSUE_ID=$ISSUE_ID" >> ~/.bashrc'`)).toEqual(['ISSUE_ID=601']);
    expect(rec.cut).toBe(1);
    // The network is cut after the whole set-up, and the probe is the first command after it.
    expect(rec.commands[rec.cutAt[0]! - 1]).toContain('commit -m "temp"');
    expect(rec.commands[rec.cutAt[0]!]).toMatch(/^python -c "import urllib/);
    expect(rec.removed).toBe(1);
    const [attempt] = wb.runs.getRun(runId).attempts;
    expect(attempt).toMatchObject({ state: 'passed', earned: 500 });
    // The gold solver's first command came after the set-up: its time is in the ledger.
    expect(attempt?.firstActionMs).toEqual(expect.any(Number));
    expect(wb.runs.attemptDetail(attempt!.id).grader).toMatchObject({ variant: 'ic_swe', pytestExit: 0, testRuns: [{ exitCode: 0 }] });
    await wb.close();
  });

  it('runs the test up to three times: a later pass passes, a missing exit-code file is a fail', async () => {
    const { wb, rec, runId } = await runWith(['1', '1', '0'], ['601']);
    expect(rec.commands.filter((c) => c.includes('ansible-playbook'))).toHaveLength(3);
    expect(wb.runs.getRun(runId).tally).toMatchObject({ passed: 1, earned: 500 });
    await wb.close();

    const second = await runWith([], ['601']);
    expect(second.wb.runs.getRun(second.runId).tally).toMatchObject({ failed: 1, error: 0, earned: 0 });
    expect(second.wb.runs.attemptDetail(second.wb.runs.getRun(second.runId).attempts[0]!.id).grader?.testRuns?.map((r) => r.exitCode)).toEqual([-1, -1, -1]);
    await second.wb.close();
  });

  it("frees a graded attempt's slot while its container is removed; the run finishes once every container is gone", async () => {
    const { runtime, rec } = recordingRuntime(['0', '0']);
    const events: string[] = [];
    const slowRemoval: ContainerRuntime = {
      ...runtime,
      async start(spec, signal) {
        const c = await runtime.start(spec, signal);
        events.push(`start ${c.id}`);
        const remove = async (): Promise<void> => {
          events.push(`removing ${c.id}`);
          await new Promise((resolve) => setTimeout(resolve, 300));
          await c.remove();
          events.push(`removed ${c.id}`);
        };
        return { ...c, remove };
      },
    };
    const wb = new Workbench({ dataDir: dir, version: 'test', transport: 'cli', runtime: slowRemoval });
    await importDataset(wb.datasets, { path: path.join(fixtures, 'tasks-current.csv'), name: 'official' });
    const runId = await wb.engine.createRun({ datasetId: 'official', taskIds: ['601', '602_1'], solver: { kind: 'gold' }, concurrency: 1 });
    await wb.engine.start(runId);
    // The second attempt started while the first one's container was still being removed...
    expect(events.indexOf('start c2')).toBeLessThan(events.indexOf('removed c1'));
    expect(events.indexOf('start c2')).toBeGreaterThan(events.indexOf('removing c1'));
    // ...and the run ended only when both were gone.
    expect(rec.removed).toBe(2);
    expect(wb.runs.getRun(runId)).toMatchObject({ status: 'finished', tally: { passed: 2 } });
    await wb.close();
  });

  it("stops the run with the reason when the ledger cannot record an attempt's end, instead of waiting for it forever", async () => {
    const { runtime } = recordingRuntime(['0']);
    const wb = new Workbench({ dataDir: dir, version: 'test', transport: 'cli', runtime });
    await importDataset(wb.datasets, { path: path.join(fixtures, 'tasks-current.csv'), name: 'official' });
    const runId = await wb.engine.createRun({ datasetId: 'official', taskIds: ['601'], solver: { kind: 'gold' }, concurrency: 1 });
    // As SQLite on a full disk: the attempt's last write is refused.
    wb.runs.finish = () => {
      throw new Error('database or disk is full');
    };
    await expect(wb.engine.start(runId)).rejects.toThrow(`run ${runId} stopped: the ledger could not record an attempt's end (database or disk is full)`);
    await wb.close();
  });

  it('treats exit code 2 as a system error and retries in a fresh container, keeping every try', async () => {
    const { wb, rec, runId } = await runWith(['2', '2', '0'], ['601']);
    expect(rec.specs).toHaveLength(3);
    expect(rec.removed).toBe(3);
    const attempts = wb.runs.getRun(runId).attempts;
    expect(attempts.map((a) => [a.tryIndex, a.state, a.retried])).toEqual([
      [0, 'error', true],
      [1, 'error', true],
      [2, 'passed', false],
    ]);
    expect(attempts[0]?.error).toContain('pytest failed with exit code 2');
    expect(wb.runs.getRun(runId).tally).toMatchObject({ tasks: 1, passed: 1, error: 0 });
    await wb.close();
  });

  it('runs a manager task on the monolith: reset to the parent of the fix, decision graded', async () => {
    const { wb, rec, runId } = await runWith([], ['503-manager-0']);
    expect(rec.specs[0]?.image).toBe('swelancer/swelancer_x86_monolith:releasev1');
    expect(rec.specs[0]?.env).toContain('EVAL_VARIANT=swe_manager');
    expect(rec.commands.some((c) => c.includes('/setup_done.txt'))).toBe(false);
    expect(rec.commands).toContain(`bash -c 'git reset --hard "$MANAGER_COMMIT^"'`);
    expect(rec.envs.get(`bash -c 'git reset --hard "$MANAGER_COMMIT^"'`)).toEqual([`MANAGER_COMMIT=${'c'.repeat(40)}`]);
    expect(rec.commands).not.toContain("bash -c 'git add .'");
    expect(rec.puts).toEqual([{ path: '/app/expensify/manager_decisions.json', content: '{"selected_proposal_id":1}' }]);
    expect(wb.runs.getRun(runId).tally).toMatchObject({ passed: 1, earned: 250 });
    await wb.close();
  });

  it('fails a manager task that wrote no decision, without an error', async () => {
    const { wb, runId } = await runWith([], ['503-manager-0'], 'null');
    expect(wb.runs.getRun(runId).tally).toMatchObject({ failed: 1, error: 0 });
    // The null solver never acts in the container: no time to first action.
    expect(wb.runs.getRun(runId).attempts[0]?.firstActionMs).toBeNull();
    await wb.close();
  });

  it('never splices a task value into a command: a hostile store row is refused before any container starts', async () => {
    const { runtime, rec } = recordingRuntime(['0']);
    const wb = new Workbench({ dataDir: dir, version: 'test', transport: 'cli', runtime });
    await importDataset(wb.datasets, { path: path.join(fixtures, 'tasks-current.csv'), name: 'official' });
    // A store written before import validated ids: rewrite a row the way an old import could have.
    wb.db.prepare("UPDATE tasks SET manager_commit = ? WHERE question_id = '503-manager-0'").run('c0ffee; touch /tmp/pwned #');
    const runId = await wb.engine.createRun({ datasetId: 'official', taskIds: ['503-manager-0'], solver: { kind: 'gold' }, concurrency: 1 });
    await wb.engine.start(runId);
    expect(rec.commands.some((c) => c.includes('pwned'))).toBe(false);
    expect(wb.runs.getRun(runId).attempts[0]?.error).toContain('manager_commit is not a hex commit id');
    // The row is checked before a container is made: none started, none to remove.
    expect(rec.specs.length).toBe(0);
    expect(rec.removed).toBe(0);
    await wb.close();
  });

  it('keeps the container of a failed attempt when keepFailedContainers is on, and removes a passing one', async () => {
    const { runtime, rec } = recordingRuntime(['1', '1', '1', '0']);
    const wb = new Workbench({ dataDir: dir, version: 'test', transport: 'cli', runtime });
    wb.settings.update({ keepFailedContainers: true });
    await importDataset(wb.datasets, { path: path.join(fixtures, 'tasks-current.csv'), name: 'official' });
    const failing = await wb.engine.createRun({ datasetId: 'official', taskIds: ['601'], solver: { kind: 'null' }, concurrency: 1 });
    await wb.engine.start(failing);
    expect(rec.specs[0]?.keepOnFailure).toBe(true);
    expect({ kept: rec.kept, removed: rec.removed }).toEqual({ kept: 1, removed: 0 });
    const passing = await wb.engine.createRun({ datasetId: 'official', taskIds: ['601'], solver: { kind: 'gold' }, concurrency: 1 });
    await wb.engine.start(passing);
    expect({ kept: rec.kept, removed: rec.removed }).toEqual({ kept: 1, removed: 1 });
    await wb.close();
  });

  it("grades in a clean container too (grading both): the solver's diff applied to a fresh set-up, and a disagreement flagged, the clean result counting", async () => {
    // The solver's container passes its test run; the clean container fails all three.
    const { runtime, rec } = recordingRuntime(['0', '1', '1', '1']);
    const wb = new Workbench({ dataDir: dir, version: 'test', transport: 'cli', runtime });
    await importDataset(wb.datasets, { path: path.join(fixtures, 'tasks-current.csv'), name: 'official' });
    const runId = await wb.engine.createRun({ datasetId: 'official', taskIds: ['601'], solver: { kind: 'gold' }, concurrency: 1, grading: 'both' });
    await wb.engine.start(runId);
    expect(wb.runs.getRun(runId).manifest.grading).toBe('both');
    expect(rec.specs.map((s) => s.name)).toEqual([expect.stringMatching(/^lancer-.*[^n]$/), expect.stringMatching(/^lancer-.*-clean$/)]);
    // The clean container leaves a network made ahead to the attempt it was made for.
    expect(rec.specs.map((s) => s.useSpare)).toEqual([undefined, false]);
    expect(rec.specs[1]?.image).toBe(rec.specs[0]?.image);
    // Both containers went through the whole official set-up, and both are gone.
    expect(rec.commands.filter((c) => c === 'git init')).toHaveLength(2);
    expect(rec.removed).toBe(2);
    // The clean container got the solver's diff, applied before its tests were unzipped.
    expect(rec.puts.find((p) => p.path === '/tmp/model.patch')?.content).toBe('diff --git a/x b/x\n');
    const applyAt = rec.commands.indexOf('git apply --binary --whitespace=nowarn /tmp/model.patch');
    expect(applyAt).toBeGreaterThan(rec.commands.lastIndexOf('git init'));
    expect(rec.commands.indexOf('unzip -q -P secretpasswordhere -o /app/tests.zip -d /app/tests', applyAt)).toBeGreaterThan(applyAt);
    const [attempt] = wb.runs.getRun(runId).attempts;
    expect(attempt).toMatchObject({ state: 'failed', earned: 0 });
    expect(attempt?.grading).toEqual({
      mode: 'both',
      official: expect.objectContaining({ outcome: 'passed', earned: 500, exitCodes: [0] }),
      clean: expect.objectContaining({ outcome: 'failed', earned: 0, exitCodes: [1, 1, 1] }),
      differs: true,
    });
    // The replay shows the grading that counts: its three runs.
    expect(wb.runs.attemptDetail(attempt!.id).grader).toMatchObject({ pytestExit: 1, testRuns: [{ exitCode: 1 }, { exitCode: 1 }, { exitCode: 1 }] });
    await wb.close();
  });

  it("grades only in a clean container (grading clean): the solver's container runs no test", async () => {
    const { runtime, rec } = recordingRuntime(['0']);
    const wb = new Workbench({ dataDir: dir, version: 'test', transport: 'cli', runtime });
    await importDataset(wb.datasets, { path: path.join(fixtures, 'tasks-current.csv'), name: 'official' });
    const runId = await wb.engine.createRun({ datasetId: 'official', taskIds: ['601'], solver: { kind: 'gold' }, concurrency: 1, grading: 'clean' });
    await wb.engine.start(runId);
    const testCommand = `bash -i -c 'export ISSUE_ID="$ISSUE_ID"; ansible-playbook -i "localhost," --connection=local /app/tests/run_tests.yml'`;
    expect(rec.commands.filter((c) => c === testCommand)).toHaveLength(1);
    expect(rec.commands.lastIndexOf('git init')).toBeLessThan(rec.commands.indexOf(testCommand));
    const [attempt] = wb.runs.getRun(runId).attempts;
    expect(attempt).toMatchObject({ state: 'passed', earned: 500 });
    expect(attempt?.grading).toMatchObject({ mode: 'clean', official: null, clean: { outcome: 'passed' }, differs: false });
    await wb.close();
  });

  it("grades the harness's own solvers once, in their container, unless a run asks; agents default to the setting", async () => {
    const { runtime, rec } = recordingRuntime(['0']);
    const wb = new Workbench({ dataDir: dir, version: 'test', transport: 'cli', runtime });
    await importDataset(wb.datasets, { path: path.join(fixtures, 'tasks-current.csv'), name: 'official' });
    const runId = await wb.engine.createRun({ datasetId: 'official', taskIds: ['601'], solver: { kind: 'gold' }, concurrency: 1 });
    expect(wb.runs.getRun(runId).manifest.grading).toBe('official');
    await wb.engine.start(runId);
    expect(rec.specs).toHaveLength(1);
    expect(wb.runs.getRun(runId).attempts[0]?.grading).toBeNull();
    expect(wb.settings.get().gradingMode).toBe('both');
    await wb.close();
  });
});
