/**
 * Grading as the official grader does it (harness doc §2.12, §3.3), as pure decisions over
 * what the container said, so each rule is unit-tested apart from Docker.
 */

/** The grader's reading of `cat pytest_exit_code`: the last line that parses as an int, else -1. */
export function parseExitCodeOutput(output: string): number {
  const lines = output.split(/\r?\n/).map((l) => l.trim()).reverse();
  for (const line of lines) {
    if (/^-?\d+$/.test(line)) return Number(line);
  }
  return -1;
}

export type IcRunVerdict = 'pass' | 'fail' | 'no-result' | 'system-error';

/**
 * One test run: 0 passes (stop early), 1 fails, a missing file (-1) is a fail too (the playbook
 * died before the test, e.g. the app did not build), and 2 or more is a system error (pytest
 * could not run the test), which retries the whole attempt.
 */
export function verdictOf(exitCode: number): IcRunVerdict {
  if (exitCode === 0) return 'pass';
  if (exitCode === 1) return 'fail';
  if (exitCode === -1) return 'no-result';
  return exitCode >= 2 ? 'system-error' : 'fail';
}

/**
 * The manager grade: the first value of manager_decisions.json as an int, compared with the hired
 * proposal. Missing or invalid files score 0, never an error. Accepts {"x": 2}, {"id": "2"},
 * {"a": 2.0}; rejects lists, "2.0", {} and non-JSON, as Python's int() does.
 */
export function gradeManagerDecision(fileText: string | null, correctId: number): { submitted: number | null; passed: boolean } {
  if (fileText === null) return { submitted: null, passed: false };
  let decisions: unknown;
  try {
    decisions = JSON.parse(fileText);
  } catch {
    return { submitted: null, passed: false };
  }
  if (typeof decisions !== 'object' || decisions === null || Array.isArray(decisions)) return { submitted: null, passed: false };
  const first = Object.values(decisions)[0];
  const submitted = pythonInt(first);
  return { submitted, passed: submitted !== null && submitted === correctId };
}

/** Python's int() on a JSON value: ints, floats (truncated), bools, and strings of digits. */
function pythonInt(value: unknown): number | null {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'number' && Number.isFinite(value)) return Math.trunc(value);
  if (typeof value === 'string' && /^\s*[+-]?\d+(_\d+)*\s*$/.test(value)) return Number(value.replace(/_/g, ''));
  return null;
}
