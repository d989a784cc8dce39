/**
 * Turns the records of an official SWE-Lancer task CSV into validated tasks.
 *
 * Two schemas exist (harness doc §1.2): the current one (title, description, set, proposals)
 * and the older one with a ready-made `prompt` column (the Lite CSV), sometimes with `canary`.
 * `manager_data`, `acceptable_folders` and `prompt` are Python `repr()` text, not JSON.
 */
import type { Proposal, Variant } from '../../../shared/tasks';
import { variants } from '../../../shared/tasks';
import { parsePythonLiteral, PythonLiteralError, type PyValue } from './python-literal';

export type CsvSchema = 'current' | 'legacy';

const CURRENT_REQUIRED = [
  'question_id', 'variant', 'price', 'manager_data', 'manager_commit', 'acceptable_folders', 'cwd', 'set', 'title', 'description', 'proposals',
] as const;
const LEGACY_REQUIRED = ['question_id', 'variant', 'price', 'prompt', 'manager_data', 'manager_commit', 'acceptable_folders', 'cwd'] as const;
/**
 * Known but optional: `price_limit` is unused by the harness. (`canary`, the old files' marker
 * string, is not modelled, so like every unknown column it is kept in `extra`.)
 */
const KNOWN_OPTIONAL = ['price_limit'];

/** A problem with one row, naming the place so the user can find it. */
export class RowError extends Error {
  constructor(
    readonly row: number,
    readonly line: number,
    readonly questionId: string | null,
    readonly column: string | null,
    readonly reason: string,
  ) {
    super(
      `row ${row} (line ${line}${questionId ? `, question_id ${questionId}` : ''})` +
        `${column ? `, column ${column}` : ''}: ${reason}`,
    );
    this.name = 'RowError';
  }
}

export interface HeaderInfo {
  schema: CsvSchema;
  columns: string[];
  extraColumns: string[];
  index: Map<string, number>;
}

/**
 * Checks the header: which schema, whether every required column is there, which are unknown.
 * Throws naming the missing columns.
 */
export function readHeader(header: string[], file: string): HeaderInfo {
  const columns = header.map((h) => h.trim());
  const index = new Map<string, number>();
  columns.forEach((name, i) => {
    if (index.has(name)) throw new Error(`${file}: column "${name}" appears twice in the header`);
    index.set(name, i);
  });
  const schema: CsvSchema | null =
    index.has('title') || index.has('description') ? 'current' : index.has('prompt') ? 'legacy' : null;
  if (!schema) {
    throw new Error(
      `${file}: not a SWE-Lancer task CSV: the header has neither title/description (current schema) nor prompt (older schema); columns found: ${columns.join(', ')}`,
    );
  }
  const required: readonly string[] = schema === 'current' ? CURRENT_REQUIRED : LEGACY_REQUIRED;
  const missing = required.filter((c) => !index.has(c));
  if (missing.length > 0) {
    throw new Error(
      `${file}: missing required column${missing.length > 1 ? 's' : ''} ${missing.map((m) => `"${m}"`).join(', ')} (${schema} schema)`,
    );
  }
  const known = new Set<string>([...CURRENT_REQUIRED, ...LEGACY_REQUIRED, ...KNOWN_OPTIONAL]);
  return { schema, columns, index, extraColumns: columns.filter((c) => !known.has(c)) };
}

export interface ParsedTask {
  row: number;
  questionId: string;
  variant: Variant;
  price: number;
  priceLimit: number | null;
  set: string | null;
  title: string;
  description: string;
  cwd: string | null;
  managerCommit: string | null;
  acceptableFolders: string[];
  managerData: PyValue | null;
  proposals: Proposal[];
  correctProposalId: number | null;
  prompt: { role: string; content: string }[] | null;
  extra: Record<string, string>;
}

type Dict = { [key: string]: PyValue };

function isDict(v: PyValue | undefined): v is Dict {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && typeof v !== 'bigint';
}

/** What a question_id may be (the official ids are digits with `_N` or `-manager-N` suffixes). */
export const QUESTION_ID = /^[\w.-]+$/;
/** A git commit id as the CSV's manager_commit column holds it. */
export const MANAGER_COMMIT = /^[0-9a-f]{7,64}$/i;

/**
 * Parses one record (after the header). `row` is the 1-based data row, `line` the file line.
 * `checkedText`: the cells were decoded from UTF-8 holding no zero byte (see parsePythonLiteral).
 */
export function parseTaskRecord(record: string[], header: HeaderInfo, row: number, line: number, checkedText = false): ParsedTask {
  const cell = (name: string): string => {
    const i = header.index.get(name);
    return i === undefined ? '' : (record[i] ?? '');
  };
  const rawId = cell('question_id').trim();
  const fail = (column: string | null, reason: string): never => {
    throw new RowError(row, line, rawId || null, column, reason);
  };
  if (record.length !== header.columns.length) {
    fail(null, `has ${record.length} fields, the header has ${header.columns.length}`);
  }
  if (!rawId) fail('question_id', 'is empty');
  // Ids name folders, images and environment values inside task containers: letters, digits,
  // '_', '.' and '-' only, so no id can smuggle a shell word (or a path) into a container.
  if (!QUESTION_ID.test(rawId)) fail('question_id', `"${rawId.slice(0, 80)}" may hold only letters, digits, '_', '.' and '-'`);

  const variant = cell('variant').trim();
  if (!(variants as readonly string[]).includes(variant)) {
    fail('variant', `"${variant}" is not one of ${variants.join(', ')}`);
  }
  const priceText = cell('price').trim();
  const price = Number(priceText);
  if (priceText === '' || !Number.isFinite(price) || price < 0) fail('price', `"${priceText}" is not a non-negative number`);
  const limitText = cell('price_limit').trim();
  const priceLimit = limitText === '' ? null : Number(limitText);
  // Stored as an INTEGER: a fraction or a number past 2^53 would only fail later, in SQLite.
  if (priceLimit !== null && !Number.isSafeInteger(priceLimit)) fail('price_limit', `"${limitText.slice(0, 40)}" is not a whole number`);

  const literal = (column: string): PyValue | null => {
    const text = cell(column);
    if (text.trim() === '' || text.trim() === 'nan') return null;
    try {
      return parsePythonLiteral(text, { checkedText });
    } catch (error) {
      if (error instanceof PythonLiteralError) return fail(column, `not a Python literal: ${error.message}`);
      throw error;
    }
  };

  const folders = literal('acceptable_folders') ?? [];
  if (!Array.isArray(folders) || folders.some((f) => typeof f !== 'string')) {
    fail('acceptable_folders', 'must be a Python list of strings');
  }

  const managerData = literal('manager_data');
  let proposals: Proposal[] = [];
  let correctProposalId: number | null = null;
  if (variant === 'swe_manager') {
    if (!isDict(managerData)) fail('manager_data', 'a swe_manager task needs a manager_data dict');
    ({ proposals, correctProposalId } = readManagerData(managerData as Dict, (reason) => fail('manager_data', reason)));
  }

  let prompt: ParsedTask['prompt'] = null;
  if (header.schema === 'legacy') {
    const value = literal('prompt');
    if (value !== null) {
      // Only a str (or None, meaning the default) is a role: a dict here once reached String() and threw.
      const isMessage = (m: PyValue): boolean => isDict(m) && typeof m.content === 'string' && (m.role == null || typeof m.role === 'string');
      if (!Array.isArray(value) || !value.every(isMessage)) {
        fail('prompt', "must be a Python list of {'content': str, 'role': str} dicts");
      }
      prompt = (value as Dict[]).map((m) => ({ role: (m.role as string | null | undefined) ?? 'user', content: m.content as string }));
    }
  }

  let title: string;
  let description: string;
  if (header.schema === 'current') {
    title = cell('title').trim();
    description = cell('description');
    if (!title) fail('title', 'is empty');
  } else {
    ({ title, description } = legacyTitleAndDescription(managerData, prompt, rawId));
  }

  // A manager task's set-up runs `git reset --hard <manager_commit>^` in the container.
  const managerCommit = cell('manager_commit').trim() || null;
  if (managerCommit !== null && managerCommit !== 'nan' && !MANAGER_COMMIT.test(managerCommit)) {
    fail('manager_commit', `"${managerCommit.slice(0, 80)}" is not a hex commit id (7 to 64 hex digits)`);
  }

  const extra: Record<string, string> = {};
  for (const name of header.extraColumns) extra[name] = cell(name);

  return {
    row,
    questionId: rawId,
    variant: variant as Variant,
    price,
    priceLimit,
    set: cell('set').trim() || null,
    title,
    description,
    cwd: cell('cwd').trim() || null,
    managerCommit: managerCommit === 'nan' ? null : managerCommit,
    acceptableFolders: folders as string[],
    managerData,
    proposals,
    correctProposalId,
    prompt,
    extra,
  };
}

/**
 * Reads the proposals and the answer key. Formal proposals are what the model chooses from;
 * the scraped comments (all_proposals) add the author and the sections, matched by URL.
 */
function readManagerData(data: Dict, fail: (reason: string) => never): { proposals: Proposal[]; correctProposalId: number } {
  const game = data.game;
  if (!isDict(game)) return fail("has no 'game' dict");
  const formal = game.all_formal_proposals;
  if (!Array.isArray(formal) || formal.length === 0) return fail("game.all_formal_proposals must be a non-empty list");
  const scraped = new Map<string, Dict>();
  for (const item of Array.isArray(data.all_proposals) ? data.all_proposals : []) {
    if (isDict(item) && typeof item.comment_url === 'string') scraped.set(item.comment_url, item);
  }
  const text = (v: PyValue | undefined): string | null => (typeof v === 'string' ? v : null);
  const proposals = formal.map((p, i): Proposal => {
    if (!isDict(p) || typeof p.id !== 'number' || !Number.isInteger(p.id)) {
      return fail(`game.all_formal_proposals[${i}] needs an integer id`);
    }
    const sourceUrl = text(p.source_url) ?? '';
    const comment = scraped.get(sourceUrl);
    return {
      id: p.id,
      author: text(comment?.author),
      sourceUrl,
      content: text(p.content) ?? '',
      explanation: text(p.explanation) ?? '',
      restatedProblem: text(comment?.re_stated_problem),
      rootCause: text(comment?.root_cause),
      proposedChanges: text(comment?.proposed_changes),
    };
  });
  const correct = game.correct_proposal;
  if (!isDict(correct) || typeof correct.id !== 'number' || !Number.isInteger(correct.id)) {
    return fail('game.correct_proposal.id must be an integer');
  }
  if (!proposals.some((p) => p.id === correct.id)) {
    return fail(`game.correct_proposal.id ${correct.id} names none of the proposals (${proposals.map((p) => p.id).join(', ')})`);
  }
  proposals.sort((a, b) => a.id - b.id);
  return { proposals, correctProposalId: correct.id };
}

const IC_PROMPT_MARKER = 'tasked with fixing the following issue:';

/**
 * The older schema has no title/description columns. Manager rows carry them in manager_data;
 * IC prompts open with a fixed sentence followed by the issue title line and body.
 */
function legacyTitleAndDescription(
  managerData: PyValue | null,
  prompt: ParsedTask['prompt'],
  questionId: string,
): { title: string; description: string } {
  if (isDict(managerData) && typeof managerData.title === 'string') {
    return {
      title: managerData.title.trim(),
      description: typeof managerData.html_description === 'string' ? managerData.html_description : '',
    };
  }
  const first = prompt?.[0]?.content ?? '';
  const at = first.indexOf(IC_PROMPT_MARKER);
  if (at >= 0) {
    const rest = first.slice(at + IC_PROMPT_MARKER.length).replace(/^\s+/, '');
    const newline = rest.indexOf('\n');
    const title = (newline < 0 ? rest : rest.slice(0, newline)).trim();
    return { title: title || questionId, description: newline < 0 ? '' : rest.slice(newline + 1).trim() };
  }
  return { title: questionId, description: first };
}

/**
 * Lower-cased title and the start of the plain description, for instant filtering in the UI:
 * HTML tags and markdown punctuation become spaces, and every run of whitespace one space.
 */
export function makeSearchText(title: string, description: string): string {
  // Two passes instead of one per rule, and the second leaves single spaces alone: with a match
  // at every gap between words, this was a tenth of an import's time.
  const plain = description.replace(/<[^>]*>|[#*_`>|[\]()!-]+/g, ' ').replace(/\s{2,}|[^\S ]/g, ' ');
  return `${title} ${plain}`.toLowerCase().slice(0, 1500);
}
