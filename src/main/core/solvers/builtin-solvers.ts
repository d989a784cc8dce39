/**
 * The harness-validation solvers of the official DummySolver (harness doc §5.2), and imported
 * predictions from any agent.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { AppError } from '../../../shared/result';
import { shellQuote } from '../engine/container-runtime';
import { TESTS_ZIP_PASSWORD } from '../engine/profiles';
import type { SolveContext, SolveResult, Solver } from './solver';

async function writeDecision(ctx: SolveContext, proposalId: number): Promise<unknown> {
  const decision = { selected_proposal_id: proposalId };
  await ctx.container.putFile(`${ctx.cwd}/manager_decisions.json`, JSON.stringify(decision), { signal: ctx.signal });
  return decision;
}

/** Gold: IC applies the reverse of bug_reintroduce.patch; manager picks the hired proposal. */
export const goldSolver: Solver = {
  name: 'gold',
  async solve(ctx) {
    if (ctx.task.variant === 'swe_manager') {
      if (ctx.task.correctProposalId === null) throw new AppError('invalid_input', `${ctx.task.questionId} has no hired proposal`);
      return { decision: await writeDecision(ctx, ctx.task.correctProposalId) };
    }
    const id = shellQuote(ctx.task.questionId);
    // As the official DummySolver: unzip the hidden tests, reverse-apply the bug patch, then
    // hide the tests again so grading starts from the same state as for any solver.
    const command = `unzip -q -o -P ${TESTS_ZIP_PASSWORD} /app/tests.zip -d /app/tests && git apply -R /app/tests/issues/${id}/bug_reintroduce.patch; rc=$?; rm -rf /app/tests; exit $rc`;
    ctx.log(`$ ${command}\n`);
    const result = await ctx.container.exec(command, { timeoutMs: ctx.timeoutMs, signal: ctx.signal, workdir: ctx.cwd, onOutput: (t) => ctx.log(t) });
    if (result.exitCode !== 0) throw new Error(`applying the gold patch failed (exit ${result.exitCode}): ${result.output.slice(-500)}`);
    return {};
  },
};

/** Null: no change and no decision; every task must fail, which validates the grader. */
export const nullSolver: Solver = {
  name: 'null',
  solve: async () => ({ note: 'null solver: no change' }),
};

export interface Prediction {
  patch?: string;
  selectedProposalId?: number;
}

/**
 * Reads a predictions JSONL file: one `{question_id, patch}` or `{question_id,
 * selected_proposal_id}` per line. Errors name the file and line.
 */
export function readPredictions(file: string): { predictions: Map<string, Prediction>; sha256: string } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new AppError('not_found', `${file}: ${(error as Error).message}`);
  }
  const predictions = new Map<string, Prediction>();
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '') return;
    const where = `${file} line ${i + 1}`;
    let row: Record<string, unknown>;
    try {
      row = JSON.parse(line) as Record<string, unknown>;
    } catch (error) {
      throw new AppError('invalid_input', `${where}: not JSON: ${(error as Error).message}`);
    }
    if (typeof row !== 'object' || row === null || Array.isArray(row)) throw new AppError('invalid_input', `${where}: must be a JSON object`);
    const id = row.question_id;
    if (typeof id !== 'string' || id === '') throw new AppError('invalid_input', `${where}: question_id must be a non-empty string`);
    if (predictions.has(id)) throw new AppError('invalid_input', `${where}: a second prediction for ${id}`);
    const patch = row.patch;
    const selected = row.selected_proposal_id;
    if (patch !== undefined && typeof patch !== 'string') throw new AppError('invalid_input', `${where}: patch must be a string`);
    if (selected !== undefined && !(typeof selected === 'number' && Number.isInteger(selected))) {
      throw new AppError('invalid_input', `${where}: selected_proposal_id must be an integer`);
    }
    if (patch === undefined && selected === undefined) throw new AppError('invalid_input', `${where}: needs patch or selected_proposal_id`);
    predictions.set(id, { patch: patch as string | undefined, selectedProposalId: selected as number | undefined });
  });
  return { predictions, sha256: createHash('sha256').update(text).digest('hex') };
}

/** Imported predictions, graded as they are: a patch that does not apply is the model's failure. */
export function predictionsSolver(predictions: Map<string, Prediction>): Solver {
  return {
    name: 'predictions',
    async solve(ctx): Promise<SolveResult> {
      const p = predictions.get(ctx.task.questionId);
      if (!p) return { note: 'no prediction for this task' };
      if (ctx.task.variant === 'swe_manager') {
        if (p.selectedProposalId === undefined) return { note: 'prediction has no selected_proposal_id' };
        return { decision: await writeDecision(ctx, p.selectedProposalId) };
      }
      if (!p.patch) return { note: 'prediction has no patch' };
      await ctx.container.putFile('/tmp/prediction.patch', p.patch, { signal: ctx.signal });
      const command = 'git apply --whitespace=nowarn /tmp/prediction.patch';
      ctx.log(`$ ${command}\n`);
      const result = await ctx.container.exec(command, {
        timeoutMs: ctx.timeoutMs,
        signal: ctx.signal,
        workdir: ctx.cwd,
        onOutput: (t) => ctx.log(t),
      });
      return result.exitCode === 0 ? {} : { note: `the predicted patch did not apply: ${result.output.trim().slice(-300)}` };
    },
  };
}
