/**
 * The official results.csv (harness doc §4.1): one row per (task, attempt) final result, in the
 * column order pandas wrote them, with Python's spelling of booleans and floats.
 */
import type { AttemptSummary } from '../../../shared/runs';

const HEADER = 'question_id,attempt_id,correct,input_tokens,output_tokens,reasoning_tokens,earned';

/** Python's repr of a float: 500.0, 1234.5. */
function pyFloat(n: number): string {
  return Number.isInteger(n) ? `${n}.0` : String(n);
}

function csvCell(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export function runsToResultsCsv(attempts: AttemptSummary[]): string {
  const rows = attempts
    .filter((a) => !a.retried)
    .sort((a, b) => a.questionId.localeCompare(b.questionId) || a.attemptIndex - b.attemptIndex)
    .map((a) => {
      // Tokens are the metering proxy's count (0 for solvers that call no model); system errors
      // are not correct.
      const correct = a.state === 'passed' ? 'True' : 'False';
      const u = a.usage;
      return [csvCell(a.questionId), String(a.attemptIndex), correct, String(u?.inputTokens ?? 0), String(u?.outputTokens ?? 0), String(u?.reasoningTokens ?? 0), pyFloat(a.earned)].join(',');
    });
  return [HEADER, ...rows].join('\n') + '\n';
}
