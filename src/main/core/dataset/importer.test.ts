import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync, cpSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Proposal } from '../../../shared/tasks';
import { AppError } from '../../../shared/result';
import { makeTempDir } from '../../../../tests/helpers/temp-dir';
import { openDatabase, type Db } from '../store/database';
import { DatasetRepo, decodePrompt, encodePrompt } from '../store/dataset-repo';
import { readCsvRecords } from './csv-reader';
import { datasetIdFor, importDataset } from './importer';
import { parsePythonLiteral } from './python-literal';
import { makeSearchText } from './task-rows';

const root = path.resolve(import.meta.dirname, '../../../..');
const fixtures = path.join(root, 'tests', 'fixtures');
const lite = path.resolve(root, '../shared/data/swelancer/swelancer_tasks_lite.csv');
const liteIssues = path.resolve(root, '../shared/data/swelancer/issues');

describe('importDataset', () => {
  let db: Db;
  let repo: DatasetRepo;
  let dir: string;
  let cleanup: () => void;

  beforeEach(() => {
    ({ dir, cleanup } = makeTempDir());
    db = openDatabase(path.join(dir, 'lancer.db'));
    repo = new DatasetRepo(db);
  });
  afterEach(() => {
    db.close();
    cleanup();
  });

  /** Writes a CSV into the temp dir; returns its path. */
  const csv = (name: string, text: string): string => {
    const file = path.join(dir, name);
    writeFileSync(file, text);
    return file;
  };
  const currentHeader = 'question_id,variant,price,price_limit,manager_data,manager_commit,acceptable_folders,cwd,set,title,description,proposals';
  const icRow = (id: string, price = '500.0', title = 'A title'): string => `${id},ic_swe,${price},2000000,,,['${id}'],/app/x,diamond,${title},"Body, with\r\nlines",`;

  it('imports the current schema: BOM, CRLF and newlines inside fields, unknown columns kept', async () => {
    const report = await importDataset(repo, { path: path.join(fixtures, 'tasks-current.csv'), issuesDir: path.join(fixtures, 'issues') });
    expect(report).toMatchObject({ datasetId: 'tasks-current', version: 1, created: true, schema: 'current', taskCount: 6, totalDollars: 8000, issuesLinked: 2, skipped: [] });
    const [summary] = repo.listDatasets();
    expect(summary?.byVariant).toEqual({ ic_swe: { count: 3, dollars: 2750 }, swe_manager: { count: 3, dollars: 5250 } });
    expect(summary?.extraColumns).toEqual(['difficulty']);
    const ic = repo.getTask('tasks-current/602_1');
    expect(ic.title).toBe('Currency symbol missing on the balance, “café” edition ☕');
    expect(ic.description).toBe('Multi-line\ndescription with a, comma and "quotes"');
    expect(ic.extra).toEqual({ difficulty: 'easy' });
    expect(ic.acceptableFolders).toEqual(['602', '602_1']);
    expect(ic.set).toBe('diamond');
    expect(repo.getTask('tasks-current/601').description).toContain('\r\n\r\n### Action Performed');
  });

  it('reads manager proposals, their authors and sections, and the hired id', async () => {
    await importDataset(repo, { path: path.join(fixtures, 'tasks-current.csv') });
    const task = repo.getTask('tasks-current/503-manager-0');
    expect(task.variant).toBe('swe_manager');
    expect(task.correctProposalId).toBe(1);
    expect(task.proposals.map((p) => [p.id, p.author])).toEqual([[0, 'finn'], [1, 'gwen'], [2, 'hal'], [3, 'ivy']]);
    expect(task.proposals[1]?.rootCause).toBe('The accept list is not enforced server-side');
    const withNull = repo.getTask('tasks-current/501-manager-0');
    expect(withNull.proposals[2]?.rootCause).toBeNull();
    expect(withNull.managerCommit).toBe('a'.repeat(40));
    expect(withNull.description).toContain('\u200d\u00a0fine');
  });

  it('links issue folders: data, test, patch, trimmed commit id, flow.mitm', async () => {
    await importDataset(repo, { path: path.join(fixtures, 'tasks-current.csv'), issuesDir: path.join(fixtures, 'issues') });
    const issue = repo.getTask('tasks-current/601').issue;
    expect(issue?.commitId).toBe('0123456789abcdef0123456789abcdef01234567');
    expect(issue?.gitTag).toBeNull();
    expect(issue?.testFiles.map((f) => f.name)).toEqual(['test.py']);
    expect(issue?.bugPatch).toContain('+  return xs.reduce((a, b) => a + b, 1);');
    expect(issue).toMatchObject({ hasFlowMitm: true, flowMitmBytes: 3 });
    expect(issue?.issueData?.reproSteps).toBe('1. Open\r\n2. Look');
    // The other spelling of the repro key, and a task without a folder.
    expect(repo.getTask('tasks-current/602_1').issue?.issueData?.reproSteps).toBe('1. Open\r\n2. Look');
    expect(repo.getTask('tasks-current/602_1').issue?.hasFlowMitm).toBe(false);
    expect(repo.getTask('tasks-current/603').issue).toBeNull();
    expect(repo.listTasks({}).filter((t) => t.hasTests).map((t) => t.questionId)).toEqual(['601', '602_1']);
  });

  it('imports the older schema: titles from the prompt or manager_data, canary kept', async () => {
    const report = await importDataset(repo, { path: path.join(fixtures, 'tasks-legacy.csv') });
    expect(report).toMatchObject({ schema: 'legacy', taskCount: 6, totalDollars: 8000 });
    const ic = repo.getTask('tasks-legacy/601');
    expect(ic.title).toBe('Expense list shows negative totals in red twice');
    expect(ic.description).toMatch(/^Totals are red/);
    expect(ic.prompt).toHaveLength(3);
    expect(ic.extra).toEqual({ canary: 'canary GUID fixture' });
    expect(repo.getTask('tasks-legacy/502-manager-0').title).toBe('Chat "Send" button stays disabled after an error');
  });

  it('changes nothing when the same content is imported again', async () => {
    const file = path.join(fixtures, 'tasks-current.csv');
    await importDataset(repo, { path: file });
    const again = await importDataset(repo, { path: file });
    expect(again).toMatchObject({ created: false, version: 1 });
    expect(repo.listDatasets()[0]?.versionCount).toBe(1);
  });

  it('makes a changed file a new version; task ids stay stable and show the newest', async () => {
    const file = csv('mine.csv', `${currentHeader}\n${icRow('1')}\n${icRow('2')}\n`);
    await importDataset(repo, { path: file });
    writeFileSync(file, `${currentHeader}\n${icRow('1', '750.0', 'Retitled')}\n${icRow('2')}\n`);
    const report = await importDataset(repo, { path: file });
    expect(report).toMatchObject({ created: true, version: 2, totalDollars: 1250 });
    expect(repo.getTask('mine/1')).toMatchObject({ title: 'Retitled', price: 750, versionId: report.versionId });
    expect(repo.listDatasets()).toHaveLength(1);
    expect(repo.listDatasets()[0]).toMatchObject({ version: 2, versionCount: 2, taskCount: 2 });
  });

  it('fails on a missing required column, naming it, and stores nothing', async () => {
    const file = csv('nocol.csv', 'question_id,variant,price,title,description\n1,ic_swe,5.0,t,d\n');
    await expect(importDataset(repo, { path: file })).rejects.toThrow(/nocol\.csv: missing required columns "price_limit"|missing required columns "manager_data"/);
    await expect(importDataset(repo, { path: file })).rejects.toThrow(/"cwd"/);
    expect(repo.listDatasets()).toEqual([]);
  });

  it('rejects a file that is not a task CSV', async () => {
    const file = csv('other.csv', 'a,b\n1,2\n');
    await expect(importDataset(repo, { path: file })).rejects.toThrow(/neither title\/description .* nor prompt/);
  });

  it('names row, question_id and column of a bad manager_data, and stores nothing', async () => {
    const bad = `9-manager-0,swe_manager,1000.0,2000000,"{'game': {'all_formal_proposals': [}",,[],/app/x,diamond,T,D,`;
    const file = csv('bad.csv', `${currentHeader}\n${icRow('1')}\n${icRow('2')}\n${bad}\n`);
    const error = await importDataset(repo, { path: file }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as Error).message).toMatch(/bad\.csv: row 3 \(line 6, question_id 9-manager-0\), column manager_data: not a Python literal: .*line 1, column \d+/);
    expect(repo.listDatasets()).toEqual([]);
  });

  it('names the bad column for variant, price, duplicate ids and the answer key', async () => {
    const cases: [string, RegExp][] = [
      [`1,ic_sw,5.0,1,,,[],/x,d,T,D,`, /row 1 .*column variant: "ic_sw" is not one of/],
      [`1,ic_swe,five,1,,,[],/x,d,T,D,`, /column price: "five" is not a non-negative number/],
      // Found by the fuzzer: both reached SQLite's STRICT INTEGER column and failed there.
      [`1,ic_swe,5.0,2.5000000,,,[],/x,d,T,D,`, /column price_limit: "2.5000000" is not a whole number/],
      [`1,ic_swe,5.0,9224425266934101077,,,[],/x,d,T,D,`, /column price_limit: "9224425266934101077" is not a whole number/],
      [`1,ic_swe,5.0,1,,,"['a', 1]",/x,d,T,D,`, /column acceptable_folders: must be a Python list of strings/],
      [`a/b,ic_swe,5.0,1,,,[],/x,d,T,D,`, /column question_id: "a\/b" may hold only letters, digits/],
      // Ids and commits reach commands inside task containers: nothing that a shell would read.
      [`"1;touch /tmp/x",ic_swe,5.0,1,,,[],/x,d,T,D,`, /row 1 .*column question_id: "1;touch \/tmp\/x" may hold only/],
      [`$(id),ic_swe,5.0,1,,,[],/x,d,T,D,`, /column question_id: "\$\(id\)" may hold only/],
      [
        `1-manager-0,swe_manager,5.0,1,"{'game': {'all_formal_proposals': [{'id': 0}], 'correct_proposal': {'id': 0}}}",abc123; rm -rf /,[],/x,d,T,D,`,
        /row 1 .*question_id 1-manager-0\), column manager_commit: "abc123; rm -rf \/" is not a hex commit id/,
      ],
      [`${icRow('1')}\n${icRow('1')}`, /row 2 .*question_id 1\), column question_id: duplicates row 1/],
      [
        `1-manager-0,swe_manager,5.0,1,"{'game': {'all_formal_proposals': [{'id': 0}], 'correct_proposal': {'id': 3}}}",,[],/x,d,T,D,`,
        /column manager_data: game\.correct_proposal\.id 3 names none of the proposals \(0\)/,
      ],
      [`1,ic_swe,5.0,1,,,[],/x,d,,D,`, /column title: is empty/],
    ];
    for (const [row, pattern] of cases) {
      const file = csv('case.csv', `${currentHeader}\n${row}\n`);
      await expect(importDataset(repo, { path: file }), row).rejects.toThrow(pattern);
    }
    expect(repo.listDatasets()).toEqual([]);
  });

  it('reports a malformed CSV with its file and line', async () => {
    const file = csv('broken.csv', `${currentHeader}\n${icRow('1')}\n2,ic_swe,5.0,1,,,[],/x,d,"unterminated,D,\n`);
    await expect(importDataset(repo, { path: file })).rejects.toThrow(/broken\.csv: not a valid CSV/);
  });

  it('with skipBadRows imports the rest and reports what was skipped', async () => {
    const file = csv('mixed.csv', `${currentHeader}\n${icRow('1')}\n2,ic_swe,-3,1,,,[],/x,d,T,D,\n${icRow('3')}\n`);
    const report = await importDataset(repo, { path: file, skipBadRows: true });
    expect(report.taskCount).toBe(2);
    expect(report.skipped).toEqual([{ row: 2, questionId: '2', column: 'price', message: expect.stringMatching(/row 2 .*column price/) }]);
    expect(repo.listTasks({}).map((t) => t.questionId)).toEqual(['1', '3']);
  });

  it('names a malformed issue_data.json', async () => {
    const issues = path.join(dir, 'issues');
    mkdirSync(path.join(issues, '1'), { recursive: true });
    writeFileSync(path.join(issues, '1', 'issue_data.json'), '{not json');
    const file = csv('withissues.csv', `${currentHeader}\n${icRow('1')}\n`);
    await expect(importDataset(repo, { path: file, issuesDir: issues })).rejects.toThrow(/issues\/1\/issue_data\.json: is not valid JSON/);
    expect(repo.listDatasets()).toEqual([]);
  });

  it('makes a new version when only the linked issue files change', async () => {
    const issues = path.join(dir, 'issues');
    cpSync(path.join(fixtures, 'issues'), issues, { recursive: true });
    const file = path.join(fixtures, 'tasks-current.csv');
    await importDataset(repo, { path: file, issuesDir: issues });
    writeFileSync(path.join(issues, '601', 'test.py'), 'def test_changed(): pass\n');
    const report = await importDataset(repo, { path: file, issuesDir: issues });
    expect(report).toMatchObject({ created: true, version: 2 });
    expect(repo.getTask('tasks-current/601').issue?.testFiles[0]?.content).toContain('test_changed');
  });

  it('slugs dataset ids from names', () => {
    expect(datasetIdFor('SWE Lancer Tasks (lite)')).toBe('swe-lancer-tasks-lite');
    expect(() => datasetIdFor('!!!')).toThrow(/no letters or digits/);
  });

  it('saves, lists and deletes task sets, refusing unknown ids', async () => {
    await importDataset(repo, { path: path.join(fixtures, 'tasks-current.csv') });
    const saved = repo.saveTaskSet('probe', ['tasks-current/601', 'tasks-current/501-manager-0', 'tasks-current/601']);
    expect(saved.taskIds).toEqual(['tasks-current/601', 'tasks-current/501-manager-0']);
    expect(repo.listTaskSets().map((s) => s.name)).toEqual(['probe']);
    expect(() => repo.saveTaskSet('bad', ['tasks-current/nope'])).toThrow(/unknown task id: tasks-current\/nope/);
    expect(repo.deleteTaskSet('probe')).toBe(true);
    expect(repo.listTaskSets()).toEqual([]);
  });

  it('filters tasks by variant, price, set and text', async () => {
    await importDataset(repo, { path: path.join(fixtures, 'tasks-current.csv') });
    expect(repo.listTasks({ variant: 'swe_manager' }).map((t) => t.questionId)).toEqual(['501-manager-0', '502-manager-0', '503-manager-0']);
    expect(repo.listTasks({ minPrice: 1000, maxPrice: 2000 }).map((t) => t.questionId)).toEqual(['602_1', '501-manager-0']);
    expect(repo.listTasks({ set: 'diamond' })).toHaveLength(3);
    expect(repo.listTasks({ search: 'CAFÉ' }).map((t) => t.questionId)).toEqual(['602_1']);
    expect(repo.listTasks({ search: '100%_' })).toEqual([]);
  });

  it('changes nothing when the same file and issue folders are imported again', async () => {
    const file = path.join(fixtures, 'tasks-current.csv');
    const issuesDir = path.join(fixtures, 'issues');
    const first = await importDataset(repo, { path: file, issuesDir });
    const again = await importDataset(repo, { path: file, issuesDir });
    expect(again).toMatchObject({ created: false, version: 1, versionId: first.versionId, contentHash: first.contentHash, taskCount: 6 });
    expect(db.prepare('SELECT count(*) AS n FROM tasks').get()).toEqual({ n: 6 });
  });

  it('fails, storing nothing, when the file changes while it is imported', async () => {
    const file = csv('moving.csv', `${currentHeader}\n${icRow('1')}\n${icRow('2')}\n`);
    const onProgress = ({ phase, done }: { phase: string; done: number }): void => {
      if (phase === 'read' && done === 1) appendFileSync(file, `${icRow('3')}\n`);
    };
    await expect(importDataset(repo, { path: file, onProgress })).rejects.toThrow(/moving\.csv: the file changed while it was being imported/);
    expect(repo.listDatasets()).toEqual([]);
    expect(db.prepare('SELECT count(*) AS n FROM tasks').get()).toEqual({ n: 0 });
  });

  describe.skipIf(!existsSync(lite))('each text stored once (the Lite CSV)', () => {
    it('keeps no copy of manager_data, and prompts that quote the description or proposals refer to them', async () => {
      await importDataset(repo, { path: lite });
      const stored = db.prepare('SELECT count(manager_data_json) AS copies, sum(length(CAST(prompt_json AS BLOB))) AS prompts FROM tasks').get() as { copies: number; prompts: number };
      expect(stored.copies).toBe(0);
      // The prompt cells alone are 1.58 MB; stored as references they are well under half of it.
      expect(stored.prompts).toBeLessThan(700_000);
      const [header, ...rows] = readCsvRecords(readFileSync(lite), lite).map((r) => r.fields);
      const col = (name: string): number => header!.indexOf(name);
      for (const row of rows) {
        const task = repo.getTask(`swelancer_tasks_lite/${row[col('question_id')]}`);
        expect(task.prompt).toEqual(parsePythonLiteral(row[col('prompt')]!));
      }
    });

    it('stores less than the CSV holds', async () => {
      await importDataset(repo, { path: lite });
      const columns = (db.prepare('SELECT name FROM pragma_table_info(?)').all('tasks') as { name: string }[]).map((c) => `coalesce(length(CAST(${c.name} AS BLOB)), 0)`);
      const { bytes } = db.prepare(`SELECT sum(${columns.join(' + ')}) AS bytes FROM tasks`).get() as { bytes: number };
      expect(bytes).toBeLessThan(readFileSync(lite).length * 0.75);
    });
  });

  describe.skipIf(!existsSync(lite))('the official Lite CSV', () => {
    it('reads 174 tasks and $377,000: ic_swe 61 / $175,000, swe_manager 113 / $202,000', async () => {
      const report = await importDataset(repo, { path: lite, issuesDir: existsSync(liteIssues) ? liteIssues : undefined });
      expect(report).toMatchObject({ taskCount: 174, totalDollars: 377000, schema: 'legacy', skipped: [] });
      expect(repo.listDatasets()[0]?.byVariant).toEqual({
        ic_swe: { count: 61, dollars: 175000 },
        swe_manager: { count: 113, dollars: 202000 },
      });
      const managers = repo.listTasks({ variant: 'swe_manager' });
      for (const row of managers) {
        const task = repo.getTask(row.id);
        expect(task.proposals.map((p) => p.id)).toContain(task.correctProposalId);
      }
      if (existsSync(liteIssues)) {
        expect(report.issuesLinked).toBe(6);
        const issue = repo.getTask('swelancer_tasks_lite/18641_837').issue;
        expect(issue?.commitId).toMatch(/^[0-9a-f]{40}$/);
        expect(issue?.testFiles.map((f) => f.name)).toContain('test.py');
        expect(issue?.bugPatch).toContain('diff --git');
        expect(issue?.hasFlowMitm).toBe(true);
      }
      expect(readFileSync(lite).length).toBeGreaterThan(4_000_000);
    });
  });
});

describe('stored prompts', () => {
  const proposal = (id: number, content: string): Proposal => ({
    id, author: null, sourceUrl: '', content, explanation: '', restatedProblem: null, rootCause: null, proposedChanges: null,
  });
  const text = fc.string({ unit: fc.constantFrom('a', 'b', ' ', '\n', 'é', '"', '\\'), maxLength: 200 });

  it('come back exactly, whatever they quote', () => {
    fc.assert(
      fc.property(text, fc.array(text, { maxLength: 4 }), fc.array(fc.array(fc.oneof(text, fc.nat(5)), { maxLength: 6 }), { minLength: 1, maxLength: 3 }), (description, contents, messages) => {
        const proposals = contents.map((c, i) => proposal(i, c));
        // Messages built from literal text, the description (5) and proposal contents (0..4).
        const prompt = messages.map((parts) => ({
          role: 'user',
          content: parts.map((p) => (typeof p === 'string' ? p : p === 5 ? description : (contents[p] ?? ''))).join(''),
        }));
        expect(decodePrompt(encodePrompt(prompt, description, proposals), description, proposals)).toEqual(prompt);
      }),
      { numRuns: 500 },
    );
  });

  it('refer to quotes of 64 characters or more and keep shorter ones inline', () => {
    const description = 'd'.repeat(64);
    const proposals = [proposal(3, 'p'.repeat(70)), proposal(7, 'short')];
    const prompt = [{ role: 'user', content: `Issue: ${description}\nProposal: 3:\n${'p'.repeat(70)}\nProposal: 7:\nshort` }, { role: 'user', content: 'done' }];
    expect(JSON.parse(encodePrompt(prompt, description, proposals))).toEqual([
      { role: 'user', parts: ['Issue: ', -1, '\nProposal: 3:\n', 0, '\nProposal: 7:\nshort'] },
      { role: 'user', content: 'done' },
    ]);
  });
});

describe('makeSearchText', () => {
  it('is the title and the description with tags, markdown punctuation and runs of whitespace as one space, lower-cased', () => {
    const byRules = (title: string, description: string): string =>
      `${title} ${description.replace(/<[^>]*>/g, ' ').replace(/[#*_`>|[\]()!-]+/g, ' ').replace(/\s+/g, ' ')}`.toLowerCase().slice(0, 1500);
    const unit = fc.constantFrom(...'<>#*_`|[]()!- \t\n\r\u00a0\u2028aBΣ'.split(''), '<a>', '</p>', 'x');
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 20 }), fc.string({ unit, maxLength: 2000 }), (title, description) => {
        expect(makeSearchText(title, description)).toBe(byRules(title, description));
      }),
      { numRuns: 1000 },
    );
  });
});
