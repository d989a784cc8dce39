/**
 * Reads the official `issues/<question_id>/` folders (harness doc §1.6): issue_data.json, the
 * hidden test, bug_reintroduce.patch, commit_id.txt, git_tag.txt and whether flow.mitm exists.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { IssueFolderInfo } from '../../../shared/tasks';

/** Tests are `test.py` officially and `test.mjs` in the sample benchmark; any test* source counts. */
const TEST_FILE = /^test[\w.-]*\.(py|mjs|js|ts)$/;
/** Text files larger than this are not copied into the store (flow.mitm is never copied). */
const MAX_TEXT_BYTES = 2 * 1024 * 1024;

export class IssueFolderError extends Error {
  constructor(
    readonly file: string,
    reason: string,
  ) {
    super(`${file}: ${reason}`);
    this.name = 'IssueFolderError';
  }
}

/** The folder for a task: its own id first, then the CSV's acceptable_folders in order. */
export function findIssueFolder(issuesDir: string, questionId: string, acceptableFolders: string[]): string | null {
  for (const name of [questionId, ...acceptableFolders]) {
    // Names come from the CSV: never let one climb out of the issues folder.
    if (!/^[\w.-]+$/.test(name) || name === '.' || name === '..') continue;
    const dir = path.join(issuesDir, name);
    if (existsSync(dir) && statSync(dir).isDirectory()) return dir;
  }
  return null;
}

function readText(file: string): string | null {
  if (!existsSync(file)) return null;
  const size = statSync(file).size;
  if (size > MAX_TEXT_BYTES) throw new IssueFolderError(file, `is ${size} bytes, more than the ${MAX_TEXT_BYTES}-byte limit`);
  return readFileSync(file, 'utf8');
}

/** Reads one folder; a malformed issue_data.json is an error naming the file. */
export function readIssueFolder(dir: string): IssueFolderInfo {
  const dataFile = path.join(dir, 'issue_data.json');
  const dataText = readText(dataFile);
  let issueData: IssueFolderInfo['issueData'] = null;
  if (dataText !== null) {
    let raw: Record<string, unknown>;
    try {
      raw = JSON.parse(dataText) as Record<string, unknown>;
    } catch (error) {
      throw new IssueFolderError(dataFile, `is not valid JSON: ${(error as Error).message}`);
    }
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new IssueFolderError(dataFile, 'must hold a JSON object');
    // The official files spell the repro key two ways (issue_repo_steps / issue_repro_steps).
    const repro = raw.issue_repro_steps ?? raw.issue_repo_steps;
    issueData = {
      title: typeof raw.title === 'string' ? raw.title : undefined,
      price: typeof raw.price === 'number' ? raw.price : undefined,
      html_description: typeof raw.html_description === 'string' ? raw.html_description : undefined,
      reproSteps: typeof repro === 'string' ? repro : undefined,
    };
  }
  const testFiles = readdirSync(dir)
    .filter((name) => TEST_FILE.test(name))
    .sort()
    .map((name) => ({ name, content: readText(path.join(dir, name)) ?? '' }));
  const flow = path.join(dir, 'flow.mitm');
  const hasFlowMitm = existsSync(flow);
  return {
    folder: dir,
    issueData,
    testFiles,
    bugPatch: readText(path.join(dir, 'bug_reintroduce.patch')),
    // commit_id.txt comes with one, none or two trailing newlines: always trim.
    commitId: readText(path.join(dir, 'commit_id.txt'))?.trim() || null,
    gitTag: readText(path.join(dir, 'git_tag.txt'))?.trim() || null,
    hasFlowMitm,
    flowMitmBytes: hasFlowMitm ? statSync(flow).size : null,
  };
}

/**
 * A hash of what was linked from the issue folders, so re-importing the same CSV with changed
 * tests or patches makes a new dataset version while an unchanged one changes nothing.
 */
export function hashIssueInfos(infos: Iterable<[string, IssueFolderInfo]>): string {
  const hash = createHash('sha256');
  for (const [questionId, info] of [...infos].sort(([a], [b]) => a.localeCompare(b))) {
    hash.update(questionId).update('\0').update(JSON.stringify({ ...info, folder: path.basename(info.folder) })).update('\0');
  }
  return hash.digest('hex');
}
