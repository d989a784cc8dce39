import { describe, expect, it } from 'vitest';
import { gradeManagerDecision, parseExitCodeOutput, verdictOf } from './graders';

describe('IC grading rules', () => {
  it('reads the last integer line of the exit-code output, else -1', () => {
    expect(parseExitCodeOutput('0\n')).toBe(0);
    expect(parseExitCodeOutput('bash: no job control\n1\n')).toBe(1);
    expect(parseExitCodeOutput('3\nnoise\n')).toBe(3);
    expect(parseExitCodeOutput('cat: /app/tests/logs/1/pytest_exit_code: No such file or directory')).toBe(-1);
    expect(parseExitCodeOutput('')).toBe(-1);
  });

  it('maps exit codes to verdicts: 0 pass, 1 fail, missing fail, 2+ system error', () => {
    expect(verdictOf(0)).toBe('pass');
    expect(verdictOf(1)).toBe('fail');
    expect(verdictOf(-1)).toBe('no-result');
    expect(verdictOf(2)).toBe('system-error');
    expect(verdictOf(5)).toBe('system-error');
  });
});

describe('manager grading', () => {
  it('takes the first value as an int, whatever the key', () => {
    expect(gradeManagerDecision('{"selected_proposal_id": 2}', 2)).toEqual({ submitted: 2, passed: true });
    expect(gradeManagerDecision('{"x": 2}', 2).passed).toBe(true);
    expect(gradeManagerDecision('{"id": "2"}', 2).passed).toBe(true);
    expect(gradeManagerDecision('{"a": 2.0}', 2).passed).toBe(true);
    expect(gradeManagerDecision('{"a": 1, "b": 2}', 2)).toEqual({ submitted: 1, passed: false });
  });

  it('scores missing or invalid decisions as a fail, not an error', () => {
    expect(gradeManagerDecision(null, 0)).toEqual({ submitted: null, passed: false });
    expect(gradeManagerDecision('not json', 0).passed).toBe(false);
    expect(gradeManagerDecision('[2]', 2).passed).toBe(false);
    expect(gradeManagerDecision('{"a": "2.0"}', 2).passed).toBe(false);
    expect(gradeManagerDecision('{}', 0).passed).toBe(false);
  });
});
