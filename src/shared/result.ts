/**
 * The ok/error envelope every channel result crosses the boundary in.
 *
 * Thrown errors lose their class and fields when they pass through Electron's IPC or JSON, so
 * handlers never throw across the boundary: the dispatcher turns any failure into an envelope
 * with a stable `code` the UI can branch on and a `message` meant for people.
 */
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
