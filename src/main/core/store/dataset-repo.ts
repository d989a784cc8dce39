/**
 * Datasets, their versions and tasks in SQLite. Statements are prepared once; a version and
 * all its tasks are written in one transaction, so an import is all or nothing.
 */
import { randomUUID } from 'node:crypto';
import type { Statement } from 'better-sqlite3';
import type {
  DatasetSummary,
  IssueFolderInfo,
  Proposal,
  TaskDetail,
  TaskQuery,
  TaskRow,
  TaskSet,
  Variant,
} from '../../../shared/tasks';
import { AppError } from '../../../shared/result';
import type { ParsedTask, CsvSchema } from '../dataset/task-rows';
import { makeSearchText } from '../dataset/task-rows';
import type { Db } from './database';

/** A task as the analytics see it (core/reports). */
export interface TaskFact {
  questionId: string;
  variant: 'ic_swe' | 'swe_manager';
  price: number;
  set: string | null;
  title: string;
  /** Manager tasks: proposal ids in the order listed to the model (empty for IC tasks). */
  proposalIds: number[];
  correctProposalId: number | null;
}

/** What is known of a version before its rows are read. */
export interface VersionHead {
  datasetId: string;
  name: string;
  schema: CsvSchema;
  sourcePath: string;
  issuesDir: string | null;
  columns: string[];
  extraColumns: string[];
}

/** What is known only after every row was read: the identity of the content and the skipped rows. */
export interface VersionSeal {
  contentHash: string;
  csvHash: string;
  issuesHash: string | null;
  skipped: unknown[];
}

export interface NewVersion extends VersionHead, VersionSeal {
  tasks: { task: ParsedTask; issue: IssueFolderInfo | null }[];
}

/** Receives a version's tasks one by one while its rows are read. */
export interface TaskSink {
  add(task: ParsedTask, issue: IssueFolderInfo | null): void;
}

/** The outcome of writing a version: a new version, or the one that already holds this content. */
export type WrittenVersion = { created: boolean; versionId: number; version: number };

/** Thrown inside the version's transaction to undo it when the content turns out to be stored already. */
class AlreadyStored extends Error {
  constructor(readonly existing: { id: number; version: number }) {
    super('this content is stored already');
  }
}

/**
 * manager_data is not stored: all the workbench reads of it has its own columns (proposals with
 * their authors and sections, the hired id, title, description), and a JSON copy of the whole
 * cell was the largest column and the costliest part of an import.
 */
const INSERT_TASK = `INSERT INTO tasks (
  version_id, question_id, row_number, variant, price, price_limit, set_name, title, description, search_text,
  cwd, manager_commit, acceptable_folders_json, proposals_json, proposal_count,
  correct_proposal_id, prompt_json, extra_json, issue_json, has_tests)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

interface TaskDbRow {
  version_id: number;
  dataset_id: string;
  question_id: string;
  variant: Variant;
  price: number;
  price_limit: number | null;
  set_name: string | null;
  title: string;
  description: string;
  search_text: string;
  cwd: string | null;
  manager_commit: string | null;
  acceptable_folders_json: string;
  proposals_json: string;
  proposal_count: number;
  correct_proposal_id: number | null;
  prompt_json: string | null;
  extra_json: string;
  issue_json: string | null;
  has_tests: number;
}

/** Only the newest version of each dataset is browsed; older versions stay for old runs. */
const LATEST_VERSIONS = `SELECT v.* FROM dataset_versions v
  WHERE v.version = (SELECT max(version) FROM dataset_versions w WHERE w.dataset_id = v.dataset_id)`;

export class DatasetRepo {
  private insertTaskStatement: Statement | undefined;

  constructor(private readonly db: Db) {}

  findVersion(datasetId: string, contentHash: string): { id: number; version: number } | undefined {
    return this.db
      .prepare('SELECT id, version FROM dataset_versions WHERE dataset_id = ? AND content_hash = ?')
      .get(datasetId, contentHash) as { id: number; version: number } | undefined;
  }

  /** Writes a version and every task in one transaction; returns its id and number. */
  insertVersion(v: NewVersion): { versionId: number; version: number } {
    const written = this.writeVersion(v, (sink) => {
      for (const { task, issue } of v.tasks) sink.add(task, issue);
      return v;
    });
    if (!written.created) throw new AppError('conflict', `dataset ${v.datasetId} already has this content as version ${written.version}`);
    return written;
  }

  /**
   * Writes a version whose tasks arrive while `fill` reads them, in one transaction: if `fill`
   * throws, nothing of the version is left. Tasks are written as they come, so no row's text is
   * held longer than it takes to check and store it. If the content (known only once `fill` is
   * done) is already a version of the dataset, the transaction is rolled back and that version
   * is returned instead.
   */
  writeVersion(head: VersionHead, fill: (sink: TaskSink) => VersionSeal): WrittenVersion {
    const insertTask = (this.insertTaskStatement ??= this.db.prepare(INSERT_TASK));
    const write = this.db.transaction((): WrittenVersion => {
      const now = new Date().toISOString();
      this.db.prepare('INSERT INTO datasets (id, name, created_at) VALUES (?, ?, ?) ON CONFLICT(id) DO NOTHING').run(head.datasetId, head.name, now);
      const { next } = this.db
        .prepare('SELECT coalesce(max(version), 0) + 1 AS next FROM dataset_versions WHERE dataset_id = ?')
        .get(head.datasetId) as { next: number };
      // The hashes are known only after the last row; a unique stand-in keeps the row valid until then.
      const versionId = Number(
        this.db
          .prepare(`INSERT INTO dataset_versions (dataset_id, version, content_hash, csv_hash, issues_hash, schema,
            source_path, issues_dir, columns_json, extra_columns_json, skipped_json, imported_at)
            VALUES (?, ?, ?, '', NULL, ?, ?, ?, ?, ?, '[]', ?)`)
          .run(head.datasetId, next, `pending:${randomUUID()}`, head.schema, head.sourcePath, head.issuesDir,
            JSON.stringify(head.columns), JSON.stringify(head.extraColumns), now).lastInsertRowid,
      );
      const seal = fill({
        add: (t, issue) => {
          insertTask.run(
            versionId, t.questionId, t.row, t.variant, t.price, t.priceLimit, t.set, t.title, t.description,
            makeSearchText(t.title, t.description), t.cwd, t.managerCommit, JSON.stringify(t.acceptableFolders),
            JSON.stringify(t.proposals), t.proposals.length, t.correctProposalId, t.prompt === null ? null : encodePrompt(t.prompt, t.description, t.proposals),
            JSON.stringify(t.extra), issue === null ? null : JSON.stringify(issue), issue && issue.testFiles.length > 0 ? 1 : 0,
          );
        },
      });
      const existing = this.findVersion(head.datasetId, seal.contentHash);
      if (existing) throw new AlreadyStored(existing);
      this.db
        .prepare('UPDATE dataset_versions SET content_hash = ?, csv_hash = ?, issues_hash = ?, skipped_json = ? WHERE id = ?')
        .run(seal.contentHash, seal.csvHash, seal.issuesHash, JSON.stringify(seal.skipped), versionId);
      return { created: true, versionId, version: next };
    });
    try {
      return write();
    } catch (error) {
      if (error instanceof AlreadyStored) return { created: false, versionId: error.existing.id, version: error.existing.version };
      throw error;
    }
  }

  listDatasets(): DatasetSummary[] {
    const versions = this.db
      .prepare(`SELECT l.*, d.name, (SELECT count(*) FROM dataset_versions c WHERE c.dataset_id = l.dataset_id) AS version_count
        FROM (${LATEST_VERSIONS}) l JOIN datasets d ON d.id = l.dataset_id ORDER BY d.name`)
      .all() as {
      id: number; dataset_id: string; name: string; version: number; content_hash: string; schema: CsvSchema;
      source_path: string; issues_dir: string | null; imported_at: string; extra_columns_json: string; version_count: number;
    }[];
    const tallies = this.db.prepare(
      'SELECT variant, count(*) AS n, coalesce(sum(price), 0) AS dollars FROM tasks WHERE version_id = ? GROUP BY variant',
    );
    return versions.map((v) => {
      const byVariant: DatasetSummary['byVariant'] = { ic_swe: { count: 0, dollars: 0 }, swe_manager: { count: 0, dollars: 0 } };
      for (const t of tallies.all(v.id) as { variant: Variant; n: number; dollars: number }[]) {
        byVariant[t.variant] = { count: t.n, dollars: t.dollars };
      }
      return {
        id: v.dataset_id,
        name: v.name,
        versionId: v.id,
        version: v.version,
        contentHash: v.content_hash,
        schema: v.schema,
        sourcePath: v.source_path,
        issuesDir: v.issues_dir,
        importedAt: v.imported_at,
        taskCount: byVariant.ic_swe.count + byVariant.swe_manager.count,
        totalDollars: byVariant.ic_swe.dollars + byVariant.swe_manager.dollars,
        byVariant,
        extraColumns: JSON.parse(v.extra_columns_json) as string[],
        versionCount: v.version_count,
      };
    });
  }

  /** Task rows of the newest versions, filtered; search matches title and description words. */
  listTasks(query: TaskQuery): TaskRow[] {
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (query.datasetId !== undefined) {
      where.push('l.dataset_id = ?');
      params.push(query.datasetId);
    }
    if (query.variant !== undefined) {
      where.push('t.variant = ?');
      params.push(query.variant);
    }
    if (query.minPrice !== undefined) {
      where.push('t.price >= ?');
      params.push(query.minPrice);
    }
    if (query.maxPrice !== undefined) {
      where.push('t.price <= ?');
      params.push(query.maxPrice);
    }
    if (query.set !== undefined) {
      where.push('t.set_name = ?');
      params.push(query.set);
    }
    if (query.search !== undefined && query.search.trim() !== '') {
      // instr() on lower-cased text: no LIKE wildcards to escape in user input.
      where.push('(instr(lower(t.title), ?) > 0 OR instr(lower(t.description), ?) > 0)');
      const needle = query.search.trim().toLowerCase();
      params.push(needle, needle);
    }
    const sql = `SELECT l.dataset_id, t.question_id, t.title, t.variant, t.price, t.set_name, t.has_tests, t.proposal_count, t.search_text
      FROM (${LATEST_VERSIONS}) l JOIN tasks t ON t.version_id = l.id
      ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY l.dataset_id, t.row_number ${query.limit ? `LIMIT ${query.limit}` : ''}`;
    return (this.db.prepare(sql).all(...params) as TaskDbRow[]).map((r) => ({
      id: `${r.dataset_id}/${r.question_id}`,
      datasetId: r.dataset_id,
      questionId: r.question_id,
      title: r.title,
      variant: r.variant,
      price: r.price,
      set: r.set_name,
      hasTests: r.has_tests === 1,
      proposalCount: r.proposal_count,
      searchText: r.search_text,
    }));
  }

  /**
   * What the analytics need of every task of one dataset version, without the large columns:
   * a manager task's proposal ids come out of SQLite in the order they are listed to the model.
   */
  taskFacts(versionId: number): TaskFact[] {
    const rows = this.db
      .prepare(
        `SELECT question_id, variant, price, set_name, title, correct_proposal_id,
                (SELECT json_group_array(json_extract(p.value, '$.id')) FROM json_each(t.proposals_json) p) AS proposal_ids
         FROM tasks t WHERE version_id = ? ORDER BY row_number`,
      )
      .all(versionId) as { question_id: string; variant: TaskFact['variant']; price: number; set_name: string | null; title: string; correct_proposal_id: number | null; proposal_ids: string }[];
    return rows.map((r) => ({
      questionId: r.question_id,
      variant: r.variant,
      price: r.price,
      set: r.set_name,
      title: r.title,
      proposalIds: JSON.parse(r.proposal_ids) as number[],
      correctProposalId: r.correct_proposal_id,
    }));
  }

  /** The newest version's row of a task id `<datasetId>/<questionId>`, or undefined. */
  private findTask(id: string): TaskDbRow | undefined {
    const slash = id.indexOf('/');
    if (slash <= 0) return undefined;
    return this.db
      .prepare(`SELECT l.dataset_id, t.* FROM (${LATEST_VERSIONS}) l JOIN tasks t ON t.version_id = l.id
        WHERE l.dataset_id = ? AND t.question_id = ?`)
      .get(id.slice(0, slash), id.slice(slash + 1)) as TaskDbRow | undefined;
  }

  /** One task of a dataset's newest version, by its stable id `<datasetId>/<questionId>`. */
  getTask(id: string): TaskDetail {
    const slash = id.indexOf('/');
    if (slash <= 0) throw new AppError('invalid_input', `task id "${id}" must look like <dataset>/<question_id>`);
    const datasetId = id.slice(0, slash);
    const questionId = id.slice(slash + 1);
    const r = this.findTask(id);
    if (!r) throw new AppError('not_found', `no task ${questionId} in dataset ${datasetId}`);
    const issue = r.issue_json === null ? null : (JSON.parse(r.issue_json) as IssueFolderInfo);
    const proposals = JSON.parse(r.proposals_json) as Proposal[];
    return {
      id,
      datasetId,
      questionId,
      versionId: r.version_id,
      title: r.title,
      variant: r.variant,
      price: r.price,
      set: r.set_name,
      hasTests: r.has_tests === 1,
      proposalCount: r.proposal_count,
      description: r.description,
      priceLimit: r.price_limit,
      cwd: r.cwd,
      managerCommit: r.manager_commit,
      acceptableFolders: JSON.parse(r.acceptable_folders_json) as string[],
      proposals,
      correctProposalId: r.correct_proposal_id,
      prompt: r.prompt_json === null ? null : decodePrompt(r.prompt_json, r.description, proposals),
      extra: JSON.parse(r.extra_json) as Record<string, string>,
      issue,
    };
  }

  listTaskSets(): TaskSet[] {
    return (this.db.prepare('SELECT * FROM task_sets ORDER BY name').all() as {
      name: string; task_ids_json: string; created_at: string; updated_at: string;
    }[]).map((r) => ({ name: r.name, taskIds: JSON.parse(r.task_ids_json) as string[], createdAt: r.created_at, updatedAt: r.updated_at }));
  }

  /** Saves (or replaces) a named selection; every id must name an existing task. */
  saveTaskSet(name: string, taskIds: string[]): TaskSet {
    const unique = [...new Set(taskIds)];
    const unknown = unique.filter((id) => this.findTask(id) === undefined);
    if (unknown.length > 0) {
      throw new AppError('invalid_input', `unknown task id${unknown.length > 1 ? 's' : ''}: ${unknown.slice(0, 5).join(', ')}${unknown.length > 5 ? ', …' : ''}`);
    }
    const now = new Date().toISOString();
    this.db
      .prepare(`INSERT INTO task_sets (name, task_ids_json, created_at, updated_at) VALUES (?, ?, ?, ?)
        ON CONFLICT(name) DO UPDATE SET task_ids_json = excluded.task_ids_json, updated_at = excluded.updated_at`)
      .run(name, JSON.stringify(unique), now, now);
    const saved = this.listTaskSets().find((s) => s.name === name);
    if (!saved) throw new Error(`task set ${name} vanished after saving`);
    return saved;
  }

  deleteTaskSet(name: string): boolean {
    return this.db.prepare('DELETE FROM task_sets WHERE name = ?').run(name).changes > 0;
  }
}

/**
 * A stored prompt message: its text, or (when it quotes the task's description or proposals)
 * `parts`: literal text and references, -1 for the description and i >= 0 for the content of
 * the i-th stored proposal. The official prompts quote the issue and every proposal in full, so
 * storing them as text would store each of those twice (they make 84% of a manager prompt).
 */
type StoredMessage = { role: string; content: string } | { role: string; parts: (string | number)[] };

/** Quotes shorter than this stay inline: a reference would save next to nothing. */
const MIN_QUOTE = 64;

/** The prompt as stored: each message's quotes of the description and proposals become references. */
export function encodePrompt(prompt: { role: string; content: string }[], description: string, proposals: Proposal[]): string {
  const quotable: { text: string; ref: number }[] = [];
  if (description.length >= MIN_QUOTE) quotable.push({ text: description, ref: -1 });
  proposals.forEach((p, i) => {
    if (p.content.length >= MIN_QUOTE) quotable.push({ text: p.content, ref: i });
  });
  const stored = prompt.map((m): StoredMessage => {
    const found: { at: number; end: number; ref: number }[] = [];
    for (const q of quotable) {
      const at = m.content.indexOf(q.text);
      if (at >= 0) found.push({ at, end: at + q.text.length, ref: q.ref });
    }
    if (found.length === 0) return m;
    found.sort((a, b) => a.at - b.at);
    const parts: (string | number)[] = [];
    let pos = 0;
    for (const f of found) {
      if (f.at < pos) continue; // overlaps an earlier quote: keep that one
      if (f.at > pos) parts.push(m.content.slice(pos, f.at));
      parts.push(f.ref);
      pos = f.end;
    }
    if (pos < m.content.length) parts.push(m.content.slice(pos));
    return { role: m.role, parts };
  });
  return JSON.stringify(stored);
}

/** The prompt messages back from their stored form (plain messages are stored as they are). */
export function decodePrompt(json: string, description: string, proposals: Proposal[]): { role: string; content: string }[] {
  return (JSON.parse(json) as StoredMessage[]).map((m) => {
    if ('content' in m) return m;
    const content = m.parts
      .map((part) => {
        if (typeof part === 'string') return part;
        const text = part === -1 ? description : proposals[part]?.content;
        if (text === undefined) throw new Error(`stored prompt refers to proposal ${part}, which the task does not have`);
        return text;
      })
      .join('');
    return { role: m.role, content };
  });
}
