/**
 * The sample benchmark (resources/sample-benchmark) on the host, without Docker.
 *
 * - make-repo.sh builds the same repository every time, whose HEAD is exactly app/;
 * - the IC folders have the official file set and point at HEAD; tasks.csv has the official
 *   schema; generate.py reproduces the committed files byte for byte;
 * - every manager task's commit exists, its parent can be checked out, its fix patch is that
 *   commit's diff, and its answer key names one of its proposals;
 * - end to end, for every IC task: setup_task.sh checks out commit_id.txt and applies the bug
 *   patch, run_tests.sh runs the real test in Chromium under a private Xvfb and records pytest
 *   exit code 1; after reverting the patch (the gold patch) the same run records 0, with a video;
 * - run.sh's start-up contract, the trace files, and the runner's failure modes.
 *
 * The browser parts are skipped when Chromium, Xvfb or playwright-core is missing; the parts that
 * need python3 are skipped without it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { required } from '../helpers/requirements';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const benchDir = path.join(projectRoot, 'resources', 'sample-benchmark');
const runtimeDir = path.join(benchDir, 'runtime');
const playwrightCore = path.join(projectRoot, 'node_modules', 'playwright-core');
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const CSV_HEADER = [
  'question_id',
  'variant',
  'price',
  'price_limit',
  'manager_data',
  'manager_commit',
  'acceptable_folders',
  'cwd',
  'set',
  'title',
  'description',
  'proposals',
] as const;
const ISSUE_FILES = ['bug_reintroduce.patch', 'commit_id.txt', 'git_tag.txt', 'issue_data.json', 'revert_command.txt', 'test.mjs'];
const GIT_ENV = { GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', LC_ALL: 'C' };
// The flags the committed manager-fixes/*.patch were made with.
const DIFF_FLAGS = ['-c', 'core.abbrev=7', '-c', 'diff.noprefix=false', '-c', 'diff.mnemonicPrefix=false', '-c', 'core.quotePath=false'];
const TEST_TIMEOUT = { timeout: 120_000 };

function onPath(command: string): boolean {
  return (process.env.PATH ?? '')
    .split(path.delimiter)
    .some((dir) => dir !== '' && isExecutable(path.join(dir, command)));
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

const hasPython = required('python3', onPath('python3'));
const hasXvfb = required('Xvfb', onPath('Xvfb'));
const hasFfmpeg = required('ffmpeg', onPath('ffmpeg'));
const hasBrowser = required(`Chromium at ${chromiumPath} with playwright-core`, hasXvfb && isExecutable(chromiumPath) && fs.existsSync(path.join(playwrightCore, 'package.json')));

interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion; never throws for a non-zero exit. */
function run(
  command: string,
  args: readonly string[],
  options: { cwd?: string; env?: Record<string, string>; input?: string; timeoutMs?: number } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    if (options.input !== undefined && child.stdin) {
      // A command that exits without reading all of its input must not crash the test run.
      child.stdin.on('error', () => undefined);
      child.stdin.end(options.input);
    }
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 100_000);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8') });
    });
  });
}

async function git(repo: string, args: readonly string[]): Promise<string> {
  const result = await run('git', ['-C', repo, ...args], { env: GIT_ENV });
  if (result.code !== 0) throw new Error(`git ${args.join(' ')} failed (${result.code}): ${result.stderr}`);
  return result.stdout;
}

async function makeRepo(dest: string): Promise<string> {
  const result = await run('bash', [path.join(runtimeDir, 'make-repo.sh'), dest]);
  if (result.code !== 0) throw new Error(`make-repo.sh failed (${result.code}): ${result.stderr}`);
  return result.stdout.trim();
}

function listFiles(root: string, dir = ''): string[] {
  const entries = fs.readdirSync(path.join(root, dir), { withFileTypes: true });
  return entries.flatMap((entry) => {
    const relative = dir === '' ? entry.name : `${dir}/${entry.name}`;
    if (entry.name === '.git') return [];
    return entry.isDirectory() ? listFiles(root, relative) : [relative];
  });
}

function read(file: string): string {
  return fs.readFileSync(file, 'utf8');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** A display number with no X server, socket or lock file. */
function freeDisplayNumber(): number {
  for (let n = 140 + Math.floor(Math.random() * 300); n < 1000; n++) {
    if (!fs.existsSync(`/tmp/.X11-unix/X${n}`) && !fs.existsSync(`/tmp/.X${n}-lock`)) return n;
  }
  throw new Error('no free X display number');
}

/** Starts a private Xvfb; Xvfb picks a free display itself (-displayfd) and reports it. */
function startXvfb(): Promise<{ display: string; process: ChildProcess }> {
  return new Promise((resolve, reject) => {
    const child = spawn('Xvfb', ['-displayfd', '3', '-screen', '0', '1280x800x24', '-nolisten', 'tcp'], {
      stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
    });
    let output = '';
    let errors = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`Xvfb did not report a display within 15 s: ${errors}`));
    }, 15_000);
    child.stderr?.on('data', (chunk: Buffer) => (errors += chunk.toString('utf8')));
    const fd3 = child.stdio[3];
    if (!fd3 || !('on' in fd3)) {
      reject(new Error('no pipe for -displayfd'));
      return;
    }
    fd3.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const match = /^(\d+)\n/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ display: `:${match[1]}`, process: child });
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Xvfb exited early (${code}): ${errors}`));
    });
  });
}

async function waitFor(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return check();
}

type CsvRow = Record<(typeof CSV_HEADER)[number], string>;

function toRow(record: readonly string[]): CsvRow {
  const row = {} as CsvRow;
  CSV_HEADER.forEach((name, i) => {
    row[name] = record[i] ?? '';
  });
  return row;
}

const csvText = read(path.join(benchDir, 'tasks.csv'));
const csvRecords = parse(csvText, { bom: true, relax_quotes: false }) as string[][];
const csvRows: CsvRow[] = csvRecords.slice(1).map(toRow);
const icIds = csvRows.filter((row) => row.variant === 'ic_swe').map((row) => row.question_id);
const managerRows = csvRows.filter((row) => row.variant === 'swe_manager');

/**
 * A copy of the layout of /app: tests/ with issues/, utils/ and the runner scripts, and
 * playwright-core in node_modules/ beside it (outside the tests, as in the images).
 */
function makeTestsDir(root: string): string {
  const testsDir = path.join(root, 'tests');
  fs.mkdirSync(testsDir, { recursive: true });
  fs.mkdirSync(path.join(root, 'node_modules'), { recursive: true });
  fs.cpSync(path.join(benchDir, 'issues'), path.join(testsDir, 'issues'), { recursive: true });
  fs.cpSync(path.join(runtimeDir, 'utils'), path.join(testsDir, 'utils'), { recursive: true });
  for (const script of ['run.sh', 'run_tests.sh', 'setup_task.sh']) {
    fs.copyFileSync(path.join(runtimeDir, script), path.join(testsDir, script));
  }
  fs.symlinkSync(playwrightCore, path.join(root, 'node_modules', 'playwright-core'));
  return testsDir;
}

describe('sample benchmark: repository, task files and tasks.csv', () => {
  let scratch: string;
  let repo: string;
  let head: string;

  beforeAll(async () => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'sample-bench-'));
    repo = path.join(scratch, 'repo');
    head = await makeRepo(repo);
  }, 60_000);

  afterAll(() => {
    if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
  });

  it('make-repo.sh is deterministic and its HEAD is exactly app/', TEST_TIMEOUT, async () => {
    expect(head).toMatch(/^[0-9a-f]{40}$/);
    expect(await makeRepo(path.join(scratch, 'again'))).toBe(head);
    expect((await git(repo, ['rev-parse', 'HEAD'])).trim()).toBe(head);
    expect(await git(repo, ['status', '--porcelain'])).toBe('');

    const appDir = path.join(benchDir, 'app');
    const appFiles = listFiles(appDir).sort();
    const tree = (await git(repo, ['ls-tree', '-r', 'HEAD'])).trim().split('\n');
    expect(tree.map((line) => line.split('\t')[1]).sort()).toEqual(appFiles);
    for (const line of tree) expect(line.startsWith('100644 blob '), line).toBe(true);
    for (const file of appFiles) {
      const inRepo = await git(repo, ['show', `HEAD:${file}`]);
      expect(inRepo, file).toBe(read(path.join(appDir, file)));
    }

    // One base commit plus one commit per manager fix, with fixed identities and dates.
    const log = (await git(repo, ['log', '--reverse', '--format=%an|%ae|%cn|%ce|%s'])).trim().split('\n');
    expect(log).toHaveLength(1 + managerRows.length);
    for (const line of log) expect(line).toMatch(/^Tabby Maintainers\|maintainers@tabby\.invalid\|Tabby Maintainers\|maintainers@tabby\.invalid\|/);
  });

  it('every IC task has the official file set, pointing at HEAD', () => {
    const folders = fs.readdirSync(path.join(benchDir, 'issues')).sort();
    expect(folders).toEqual([...icIds].sort());
    expect(icIds.length).toBeGreaterThanOrEqual(8);
    for (const id of icIds) {
      const folder = path.join(benchDir, 'issues', id);
      expect(fs.readdirSync(folder).sort(), id).toEqual(ISSUE_FILES);
      expect(read(path.join(folder, 'commit_id.txt')), id).toBe(`${head}\n`);
      expect(read(path.join(folder, 'revert_command.txt')), id).toBe('');
      expect(read(path.join(folder, 'git_tag.txt')), id).toBe('');
      expect(read(path.join(folder, 'bug_reintroduce.patch')), id).toMatch(/^diff --git a\//);
      const data = JSON.parse(read(path.join(folder, 'issue_data.json'))) as Record<string, unknown>;
      expect(Object.keys(data).sort(), id).toEqual(['html_description', 'issue_repro_steps', 'price', 'title']);
      const row = csvRows.find((candidate) => candidate.question_id === id);
      expect(data.title, id).toBe(row?.title);
      expect(data.html_description, id).toBe(row?.description);
      expect(String(data.price), id).toBe(String(Number(row?.price)));
      expect(data.html_description, id).toMatch(/### Action Performed:[\s\S]*### Expected Result:[\s\S]*### Actual Result:/);
    }
  });

  it('every bug patch applies cleanly to HEAD on its own, and reverting it gives HEAD back', TEST_TIMEOUT, async () => {
    for (const id of icIds) {
      const patch = path.join(benchDir, 'issues', id, 'bug_reintroduce.patch');
      await git(repo, ['reset', '--hard', '--quiet', head]);
      const applied = await run('patch', ['-p1', '--batch', '--forward', '--no-backup-if-mismatch'], { cwd: repo, input: read(patch) });
      expect(applied.code, `${id}: ${applied.stdout}${applied.stderr}`).toBe(0);
      expect(applied.stdout, id).not.toMatch(/fuzz|offset/i);
      expect(await git(repo, ['status', '--porcelain']), id).not.toBe('');
      await git(repo, ['apply', '-R', patch]);
      expect(await git(repo, ['status', '--porcelain']), id).toBe('');
    }
  });

  it('tasks.csv has the official schema and a good spread of tasks', () => {
    expect(csvRecords[0]).toEqual([...CSV_HEADER]);
    expect(csvText.split('\n')[0]).toBe(CSV_HEADER.join(','));
    for (const record of csvRecords) expect(record).toHaveLength(CSV_HEADER.length);
    expect(new Set(csvRows.map((row) => row.question_id)).size).toBe(csvRows.length);
    expect(managerRows.length).toBeGreaterThanOrEqual(5);
    for (const row of csvRows) {
      expect(row.price, row.question_id).toMatch(/^\d+\.0$/);
      expect(Number(row.price), row.question_id).toBeGreaterThanOrEqual(250);
      expect(Number(row.price), row.question_id).toBeLessThanOrEqual(8000);
      expect(row.price_limit).toBe('2000000');
      expect(row.cwd).toBe('/app/sample');
      expect(row.set).toBe('diamond');
      expect(row.title, row.question_id).toMatch(/^\[\$\d+\] \S/);
      expect(row.description, row.question_id).not.toBe('');
      if (row.variant === 'ic_swe') {
        expect(row.question_id).toMatch(/^\d+$/);
        expect(row.manager_data).toBe('');
        expect(row.manager_commit).toBe('');
        expect(row.acceptable_folders).toBe(`['${row.question_id}']`);
        expect(row.proposals).toBe('');
      } else {
        expect(row.variant).toBe('swe_manager');
        expect(row.question_id).toMatch(/^\d+-manager-0$/);
        expect(row.manager_data.startsWith("{'all_proposals': [")).toBe(true);
        expect(row.manager_commit).toMatch(/^[0-9a-f]{40}$/);
        expect(row.acceptable_folders).toBe('[]');
        expect(row.proposals).toMatch(/^Proposal: 0:\n\n/);
      }
    }
    const icPrices = csvRows.filter((row) => row.variant === 'ic_swe').map((row) => Number(row.price));
    expect(icPrices).toContain(250);
    expect(icPrices).toContain(8000);
  });

  it('manager tasks: the fix commit exists, its parent checks out, and the fix patch is its diff', TEST_TIMEOUT, async () => {
    for (const row of managerRows) {
      const sha = row.manager_commit;
      expect((await git(repo, ['cat-file', '-t', sha])).trim(), row.question_id).toBe('commit');
      const fixPatch = read(path.join(benchDir, 'manager-fixes', `${row.question_id}.patch`));
      const diff = await git(repo, [...DIFF_FLAGS, '--no-pager', 'diff', '--no-color', '--no-ext-diff', `${sha}^`, sha]);
      expect(diff, row.question_id).toBe(fixPatch);

      const reset = await run('bash', ['-c', `git reset --hard ${sha}^`], { cwd: repo, env: GIT_ENV });
      expect(reset.code, reset.stderr).toBe(0);
      expect((await git(repo, ['rev-parse', 'HEAD'])).trim()).toBe((await git(repo, ['rev-parse', `${sha}^`])).trim());
      // The proposal's fix applies to that state.
      const check = await run('git', ['apply', '--check', path.join(benchDir, 'manager-fixes', `${row.question_id}.patch`)], { cwd: repo });
      expect(check.code, check.stderr).toBe(0);
    }
    await git(repo, ['reset', '--hard', '--quiet', head]);
    const fixFiles = fs.readdirSync(path.join(benchDir, 'manager-fixes')).sort();
    expect(fixFiles).toEqual(managerRows.map((row) => `${row.question_id}.patch`).sort());
  });

  it.skipIf(!hasPython)('manager_data is a Python literal with the official structure and a valid answer key', TEST_TIMEOUT, async () => {
    const script = [
      'import ast, csv, json, sys',
      'csv.field_size_limit(1 << 30)',
      "rows = list(csv.DictReader(open(sys.argv[1], newline='', encoding='utf-8')))",
      "print(json.dumps({r['question_id']: ast.literal_eval(r['manager_data']) for r in rows if r['variant'] == 'swe_manager'}))",
    ].join('\n');
    const result = await run('python3', ['-c', script, path.join(benchDir, 'tasks.csv')]);
    expect(result.code, result.stderr).toBe(0);
    const parsed = JSON.parse(result.stdout) as Record<string, ManagerData>;
    const hiredPositions = new Set<number>();
    for (const row of managerRows) {
      const data = parsed[row.question_id];
      expect(data, row.question_id).toBeDefined();
      if (!data) continue;
      expect(Object.keys(data)).toEqual(['all_proposals', 'game', 'price', 'title', 'issue_repo_steps', 'html_description', 'fix_commit_hash']);
      expect(Object.keys(data.game)).toEqual(['correct_proposal_scraped_beforehand', 'all_formal_proposals', 'correct_proposal']);
      expect(Object.keys(data.game.correct_proposal)).toEqual(['id', 'approval_comment_url', 'explanation']);
      const formal = data.game.all_formal_proposals;
      expect(formal.length).toBeGreaterThanOrEqual(3);
      expect(formal.length).toBeLessThanOrEqual(5);
      expect(formal.map((p) => p.id)).toEqual(formal.map((_, i) => i));
      for (const proposal of formal) expect(Object.keys(proposal)).toEqual(['id', 'source_url', 'content', 'explanation']);
      for (const proposal of data.all_proposals) {
        expect(Object.keys(proposal)).toEqual(['comment_url', 'author', 're_stated_problem', 'root_cause', 'proposed_changes', 'full_text']);
      }
      expect(data.all_proposals).toHaveLength(formal.length);
      const hired = data.game.correct_proposal.id;
      expect(formal.map((p) => p.id)).toContain(hired);
      hiredPositions.add(hired);
      expect(data.fix_commit_hash).toBe(row.manager_commit);
      expect(data.price).toBe(Number(row.price));
      expect(data.title).toBe(row.title);
      expect(data.html_description).toBe(row.description);
      const rendered = formal.map((p) => `Proposal: ${p.id}:\n\n${p.content}\n\n${'-'.repeat(44)}\n\n`).join('');
      expect(row.proposals).toBe(rendered);
    }
    expect(hiredPositions.size, 'the hired proposal is not always at the same position').toBeGreaterThan(2);
  });

  it.skipIf(!hasPython)('generate.py reproduces the committed tasks.csv and issue files byte for byte', TEST_TIMEOUT, async () => {
    for (const attempt of ['first', 'second']) {
      const out = path.join(scratch, `generated-${attempt}`);
      const result = await run('python3', [path.join(benchDir, 'generate.py'), '--out', out]);
      expect(result.code, result.stderr).toBe(0);
      expect(read(path.join(out, 'tasks.csv'))).toBe(csvText);
      for (const id of icIds) {
        for (const name of ['issue_data.json', 'commit_id.txt', 'revert_command.txt', 'git_tag.txt']) {
          expect(read(path.join(out, 'issues', id, name)), `${id}/${name}`).toBe(read(path.join(benchDir, 'issues', id, name)));
        }
      }
    }
  });

  it('setup_task.sh resets to commit_id.txt, applies the bug and fails clearly on bad input', TEST_TIMEOUT, async () => {
    const testsDir = path.join(scratch, 'setup-tests');
    fs.mkdirSync(testsDir);
    fs.cpSync(path.join(benchDir, 'issues'), path.join(testsDir, 'issues'), { recursive: true });
    const id = icIds[0] ?? '';
    fs.writeFileSync(path.join(repo, 'server.js'), '// local edits that the reset must drop\n');
    const env = { ISSUE_ID: id, TESTS_DIR: testsDir, REPO_DIR: repo, ...GIT_ENV };
    const ok = await run('bash', [path.join(runtimeDir, 'setup_task.sh')], { env });
    expect(ok.code, ok.stderr).toBe(0);
    expect(fs.existsSync(path.join(testsDir, 'logs', id))).toBe(true);
    expect(fs.existsSync(path.join(testsDir, 'attempts', id))).toBe(true);
    expect((await git(repo, ['rev-parse', 'HEAD'])).trim()).toBe(head);
    const patch = path.join(testsDir, 'issues', id, 'bug_reintroduce.patch');
    expect((await run('git', ['apply', '-R', '--check', patch], { cwd: repo })).code).toBe(0);

    const missing = await run('bash', [path.join(runtimeDir, 'setup_task.sh')], { env: { ...env, ISSUE_ID: 'no-such-task' } });
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/no task folder/);
    const noId = await run('bash', [path.join(runtimeDir, 'setup_task.sh')], { env: { ...env, ISSUE_ID: '' } });
    expect(noId.code).not.toBe(0);
    expect(noId.stderr).toMatch(/ISSUE_ID is not set/);
    fs.writeFileSync(path.join(testsDir, 'issues', id, 'commit_id.txt'), `${'0'.repeat(40)}\n`);
    const badCommit = await run('bash', [path.join(runtimeDir, 'setup_task.sh')], { env });
    expect(badCommit.code).not.toBe(0);
    expect(badCommit.stderr).toMatch(/is not in/);
    await git(repo, ['reset', '--hard', '--quiet', head]);
  });
});

interface ManagerData {
  all_proposals: Array<Record<string, unknown>>;
  game: {
    correct_proposal_scraped_beforehand: boolean;
    all_formal_proposals: Array<{ id: number; source_url: string; content: string; explanation: string }>;
    correct_proposal: { id: number; approval_comment_url: string; explanation: string };
  };
  price: number;
  title: string;
  issue_repo_steps: string;
  html_description: string;
  fix_commit_hash: string;
}

describe.skipIf(!hasBrowser)('sample benchmark: IC tasks end to end in Chromium under Xvfb', () => {
  let scratch: string;
  let repo: string;
  let testsDir: string;
  let xvfb: { display: string; process: ChildProcess } | undefined;

  beforeAll(async () => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'sample-bench-e2e-'));
    repo = path.join(scratch, 'sample');
    await makeRepo(repo);
    testsDir = makeTestsDir(scratch);
    xvfb = await startXvfb();
  }, 60_000);

  afterAll(async () => {
    if (xvfb) {
      xvfb.process.kill('SIGTERM');
      await waitFor(() => xvfb?.process.exitCode !== null || xvfb.process.signalCode !== null, 5000);
    }
    if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
  });

  async function runTests(id: string, extraEnv: Record<string, string> = {}): Promise<{ run: RunResult; code: string | null; log: string }> {
    const logDir = path.join(testsDir, 'logs', id);
    const port = extraEnv.PORT ?? String(await freePort());
    const result = await run('bash', [path.join(testsDir, 'run_tests.sh')], {
      env: { ISSUE_ID: id, TESTS_DIR: testsDir, REPO_DIR: repo, DISPLAY: xvfb?.display ?? ':99', PORT: port, ...extraEnv },
      timeoutMs: 90_000,
    });
    const codeFile = path.join(logDir, 'pytest_exit_code');
    const code = fs.existsSync(codeFile) ? read(codeFile) : null;
    const testLog = fs.existsSync(path.join(logDir, 'pytest.log')) ? read(path.join(logDir, 'pytest.log')) : '(no pytest.log)';
    const log = `run_tests.sh exited ${result.code}\n${result.stdout}${result.stderr}\n--- pytest.log ---\n${testLog}`;
    return { run: result, code, log };
  }

  function expectVideo(id: string): void {
    if (!hasFfmpeg) return;
    const video = path.join(testsDir, 'attempts', id, 'output.mp4');
    expect(fs.existsSync(video), `${video} exists`).toBe(true);
    const bytes = fs.readFileSync(video);
    expect(bytes.length, 'the video is not empty').toBeGreaterThan(1000);
    expect(bytes.subarray(4, 8).toString('latin1'), 'an MP4 file').toBe('ftyp');
    fs.rmSync(video);
  }

  it.each(icIds)('IC task %s: pytest_exit_code is 1 with the bug and 0 with the gold patch', TEST_TIMEOUT, async (id) => {
    const setup = await run('bash', [path.join(testsDir, 'setup_task.sh')], {
      env: { ISSUE_ID: id, TESTS_DIR: testsDir, REPO_DIR: repo, ...GIT_ENV },
    });
    expect(setup.code, setup.stderr).toBe(0);
    expect(await git(repo, ['status', '--porcelain'])).not.toBe('');

    const broken = await runTests(id);
    expect(broken.run.code, broken.log).toBe(0);
    expect(broken.code, broken.log).toBe('1\n');
    expect(broken.log).toMatch(/AssertionError: /);
    expectVideo(id);

    await git(repo, ['apply', '-R', path.join(testsDir, 'issues', id, 'bug_reintroduce.patch')]);
    const fixed = await runTests(id);
    expect(fixed.run.code, fixed.log).toBe(0);
    expect(fixed.code, fixed.log).toBe('0\n');
    expectVideo(id);
  });

  it('TRACE=true writes the user-tool trace into the repo, TRACE_ALWAYS keeps one for replays', TEST_TIMEOUT, async () => {
    const id = icIds[0] ?? '';
    const head = read(path.join(benchDir, 'issues', id, 'commit_id.txt')).trim();
    await git(repo, ['reset', '--hard', '--quiet', head]);
    fs.rmSync(path.join(repo, 'user_tool'), { recursive: true, force: true });
    const traced = await runTests(id, { TRACE: 'true', TRACE_ALWAYS: 'true' });
    expect(traced.code, traced.log).toBe('0\n');
    const traces = fs.readdirSync(path.join(repo, 'user_tool'));
    expect(traces).toHaveLength(1);
    expect(traces[0]).toMatch(/^output_[0-9a-f]{32}\.zip$/);
    for (const zip of [path.join(repo, 'user_tool', traces[0] ?? ''), path.join(testsDir, 'attempts', id, 'trace.zip')]) {
      const bytes = fs.readFileSync(zip);
      expect(bytes.subarray(0, 2).toString('latin1'), zip).toBe('PK');
      expect(bytes.length, zip).toBeGreaterThan(10_000);
    }
    fs.rmSync(path.join(repo, 'user_tool'), { recursive: true, force: true });
  });

  it('the test exits 2 (infrastructure) when the browser cannot start', TEST_TIMEOUT, async () => {
    const id = icIds[0] ?? '';
    const result = await runTests(id, { CHROMIUM_PATH: path.join(scratch, 'no-such-chromium') });
    expect(result.code, result.log).toBe('2\n');
    expect(result.log).toMatch(/InfrastructureError: the browser did not launch/);
  });

  it('a leftover app server of the repo on the port is stopped first', TEST_TIMEOUT, async () => {
    const id = icIds[0] ?? '';
    const head = read(path.join(benchDir, 'issues', id, 'commit_id.txt')).trim();
    await git(repo, ['reset', '--hard', '--quiet', head]);
    const port = String(await freePort());
    const leftover = spawn('node', ['server.js'], { cwd: repo, env: { ...process.env, PORT: port }, stdio: 'ignore' });
    try {
      expect(await waitFor(() => fs.existsSync(`/proc/${leftover.pid}`), 2000)).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 500));
      const result = await runTests(id, { PORT: port });
      expect(result.code, result.log).toBe('0\n');
      expect(result.log).toMatch(/stopping leftover app servers/);
      expect(await waitFor(() => leftover.exitCode !== null || leftover.signalCode !== null, 5000)).toBe(true);
    } finally {
      leftover.kill('SIGKILL');
    }
  });

  it('a dead app server: run_tests.sh exits non-zero and writes no pytest_exit_code', TEST_TIMEOUT, async () => {
    const id = icIds[0] ?? '';
    const deadRepo = path.join(scratch, 'dead-app');
    fs.mkdirSync(deadRepo);
    fs.writeFileSync(path.join(deadRepo, 'server.js'), "throw new Error('the app cannot start');\n");
    const logDir = path.join(testsDir, 'logs', id);
    fs.mkdirSync(logDir, { recursive: true });
    fs.writeFileSync(path.join(logDir, 'pytest_exit_code'), '0\n');
    const result = await run('bash', [path.join(testsDir, 'run_tests.sh')], {
      env: { ISSUE_ID: id, TESTS_DIR: testsDir, REPO_DIR: deadRepo, DISPLAY: xvfb?.display ?? ':99', PORT: String(await freePort()), APP_START_TIMEOUT: '5' },
    });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/did not answer/);
    expect(fs.existsSync(path.join(logDir, 'pytest_exit_code')), 'a stale exit code is removed').toBe(false);
    expect(read(path.join(logDir, 'app.log'))).toMatch(/the app cannot start/);
  });
});

describe.skipIf(!hasXvfb)('sample benchmark: run.sh (the container entry point)', () => {
  let scratch: string;
  let repo: string;
  let testsDir: string;

  beforeAll(async () => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'sample-bench-run-'));
    repo = path.join(scratch, 'sample');
    await makeRepo(repo);
    testsDir = path.join(scratch, 'tests');
    fs.mkdirSync(testsDir);
    fs.cpSync(path.join(benchDir, 'issues'), path.join(testsDir, 'issues'), { recursive: true });
    fs.copyFileSync(path.join(runtimeDir, 'setup_task.sh'), path.join(testsDir, 'setup_task.sh'));
  }, 60_000);

  afterAll(() => {
    if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
  });

  /** Starts run.sh in its own process group; `stop` ends the group (run.sh, Xvfb, tail). */
  function startRunSh(env: Record<string, string>): { child: ChildProcess; output: () => string; stop: () => Promise<void> } {
    const child = spawn('bash', [path.join(runtimeDir, 'run.sh')], {
      env: { ...process.env, ...GIT_ENV, TESTS_DIR: testsDir, REPO_DIR: repo, ...env },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    const stop = async (): Promise<void> => {
      if (child.pid === undefined) return;
      try {
        // The whole group: also an Xvfb left behind when run.sh itself has already exited.
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        // nothing left in the group
      }
      await waitFor(() => child.exitCode !== null || child.signalCode !== null, 5000);
    };
    return { child, output: () => output, stop };
  }

  it('ic_swe: starts Xvfb, runs the set-up when RUNTIME_SETUP is set, then writes setup_done', TEST_TIMEOUT, async () => {
    const id = icIds[1] ?? '';
    const displayNumber = freeDisplayNumber();
    const done = path.join(scratch, 'setup_done.txt');
    const rc = path.join(scratch, 'bashrc');
    const started = startRunSh({
      ISSUE_ID: id,
      EVAL_VARIANT: 'ic_swe',
      RUNTIME_SETUP: 'true',
      DISPLAY: `:${displayNumber}`,
      SETUP_DONE_FILE: done,
      XVFB_LOG: path.join(scratch, 'xvfb.log'),
      USER_TOOL_RC: rc,
    });
    try {
      // The file exists a moment before `echo` has written into it: wait for its content.
      expect(await waitFor(() => fs.existsSync(done) && read(done) === 'done\n', 30_000), started.output()).toBe(true);
      expect(read(done)).toBe('done\n');
      expect(fs.existsSync(`/tmp/.X11-unix/X${displayNumber}`), 'Xvfb is serving the display').toBe(true);
      expect(started.child.exitCode, 'run.sh keeps the container alive').toBeNull();
      expect(await git(repo, ['status', '--porcelain']), 'the bug patch is applied').not.toBe('');
      expect(fs.existsSync(path.join(testsDir, 'logs', id))).toBe(true);
      expect(read(rc)).toContain(`alias user-tool='TRACE=true bash ${testsDir}/run_tests.sh'`);
    } finally {
      await started.stop();
    }
    expect(await waitFor(() => !fs.existsSync(`/tmp/.X${displayNumber}-lock`), 5000), 'Xvfb stopped with run.sh').toBe(true);
  });

  it('swe_manager: starts nothing and writes setup_done', TEST_TIMEOUT, async () => {
    const done = path.join(scratch, 'setup_done_manager.txt');
    const started = startRunSh({ ISSUE_ID: managerRows[0]?.question_id ?? '', EVAL_VARIANT: 'swe_manager', SETUP_DONE_FILE: done, USER_TOOL_RC: '' });
    try {
      expect(await waitFor(() => fs.existsSync(done) && read(done) === 'done\n', 10_000), started.output()).toBe(true);
      expect(read(done)).toBe('done\n');
      expect(await waitFor(() => /swe_manager task: no services/.test(started.output()), 5000), started.output()).toBe(true);
      expect(started.output()).not.toMatch(/Xvfb is up/);
    } finally {
      await started.stop();
    }
  });

  it('a failing set-up ends run.sh without writing setup_done', TEST_TIMEOUT, async () => {
    const done = path.join(scratch, 'setup_done_failed.txt');
    const started = startRunSh({
      ISSUE_ID: 'no-such-task',
      EVAL_VARIANT: 'ic_swe',
      RUNTIME_SETUP: 'true',
      DISPLAY: `:${freeDisplayNumber()}`,
      SETUP_DONE_FILE: done,
      XVFB_LOG: path.join(scratch, 'xvfb-failed.log'),
      USER_TOOL_RC: '',
    });
    try {
      expect(await waitFor(() => started.child.exitCode !== null, 30_000), started.output()).toBe(true);
      expect(started.child.exitCode).not.toBe(0);
      expect(started.output()).toMatch(/no task folder/);
      expect(fs.existsSync(done)).toBe(false);
    } finally {
      await started.stop();
    }
  });
});
