/**
 * Datasets, their versions and tasks in SQLite. Statements are prepared once; a version and
 * all its tasks are written in one transaction, so an import is all or nothing.
 */
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

export interface NewVersion {
  datasetId: string;
  name: string;
  contentHash: string;
  csvHash: string;
  issuesHash: string | null;
  schema: CsvSchema;
  sourcePath: string;
  issuesDir: string | null;
  columns: string[];
  extraColumns: string[];
  skipped: unknown[];
  tasks: { task: ParsedTask; issue: IssueFolderInfo | null }[];
}

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
  constructor(private readonly db: Db) {}

  findVersion(datasetId: string, contentHash: string): { id: number; version: number } | undefined {
    return this.db
      .prepare('SELECT id, version FROM dataset_versions WHERE dataset_id = ? AND content_hash = ?')
      .get(datasetId, contentHash) as { id: number; version: number } | undefined;
  }

  /** Writes a version and every task in one transaction; returns its id and number. */
  insertVersion(v: NewVersion): { versionId: number; version: number } {
    const insertTask = this.db.prepare(`INSERT INTO tasks (
      version_id, question_id, row_number, variant, price, price_limit, set_name, title, description, search_text,
      cwd, manager_commit, acceptable_folders_json, manager_data_json, proposals_json, proposal_count,
      correct_proposal_id, prompt_json, extra_json, issue_json, has_tests)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    return this.db.transaction(() => {
      const now = new Date().toISOString();
      this.db
        .prepare('INSERT INTO datasets (id, name, created_at) VALUES (?, ?, ?) ON CONFLICT(id) DO NOTHING')
        .run(v.datasetId, v.name, now);
      const { next } = this.db
        .prepare('SELECT coalesce(max(version), 0) + 1 AS next FROM dataset_versions WHERE dataset_id = ?')
        .get(v.datasetId) as { next: number };
      const versionId = Number(
        this.db
          .prepare(`INSERT INTO dataset_versions (dataset_id, version, content_hash, csv_hash, issues_hash, schema,
            source_path, issues_dir, columns_json, extra_columns_json, skipped_json, imported_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
          .run(v.datasetId, next, v.contentHash, v.csvHash, v.issuesHash, v.schema, v.sourcePath, v.issuesDir,
            JSON.stringify(v.columns), JSON.stringify(v.extraColumns), JSON.stringify(v.skipped), now).lastInsertRowid,
      );
      for (const { task: t, issue } of v.tasks) {
        insertTask.run(
          versionId, t.questionId, t.row, t.variant, t.price, t.priceLimit, t.set, t.title, t.description,
          makeSearchText(t.title, t.description), t.cwd, t.managerCommit, JSON.stringify(t.acceptableFolders),
          t.managerData === null ? null : JSON.stringify(t.managerData, bigintSafe), JSON.stringify(t.proposals),
          t.proposals.length, t.correctProposalId, t.prompt === null ? null : JSON.stringify(t.prompt),
          JSON.stringify(t.extra), issue === null ? null : JSON.stringify(issue), issue && issue.testFiles.length > 0 ? 1 : 0,
        );
      }
      return { versionId, version: next };
    })();
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
      proposals: JSON.parse(r.proposals_json) as Proposal[],
      correctProposalId: r.correct_proposal_id,
      prompt: r.prompt_json === null ? null : (JSON.parse(r.prompt_json) as TaskDetail['prompt']),
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

/** manager_data may hold Python ints beyond 2^53, parsed as bigint; JSON keeps them as strings. */
function bigintSafe(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}
