/**
 * The ok/error envelope every channel result crosses the boundary in.
 *
 * Thrown errors lose their class and fields when they pass through Electron's IPC or JSON, so
 * handlers never throw across the boundary: the dispatcher turns any failure into an envelope
 * with a stable `code` the UI can branch on and a `message` meant for people.
 */
import type { z } from 'zod';

export type ErrorCode =
  | 'invalid_input'
  | 'unknown_channel'
  | 'not_found'
  | 'conflict'
  | 'unavailable'
  | 'cancelled'
  | 'internal';

export interface ErrorInfo {
  code: ErrorCode;
  message: string;
}

export type Envelope<T> = { ok: true; value: T } | { ok: false; error: ErrorInfo };

/** An error that carries an envelope code; core services throw it for expected failures. */
export class AppError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = 'AppError';
    this.code = code;
  }
}

/** Exhaustiveness guard for switches over unions: a new member becomes a compile error. */
export function assertNever(value: never, what = 'value'): never {
  throw new Error(`unexpected ${what}: ${JSON.stringify(value)}`);
}

/** Formats zod issues as `input.field.sub: message` so the caller sees what is wrong and where. */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .map((issue) => `${['input', ...issue.path.map(String)].join('.')}: ${issue.message}`)
    .join('; ');
}

/**
 * Parses input against a contract schema; an AppError('invalid_input') naming the channel and
 * each bad field otherwise. Core entry points that a front door may call directly (the CLI)
 * use it, so no door skips the checks the contract declares.
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw new AppError('invalid_input', `${what}: ${describeIssues(parsed.error.issues)}`);
  return parsed.data;
}
