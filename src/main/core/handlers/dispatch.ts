/**
 * The boundary every call crosses: looks the channel up, validates the input against the
 * contract's schema, runs the handler and wraps the outcome in an envelope.
 */
import { channels, isChannelName, type ChannelName } from '../../../shared/contract';
import { AppError, describeIssues, type Envelope } from '../../../shared/result';
import type { Handler, Handlers } from './handlers';

export { describeIssues };

/** Calls one channel with untrusted input; never throws. */
export async function dispatch(handlers: Handlers, name: string, rawInput: unknown): Promise<Envelope<unknown>> {
  if (!isChannelName(name)) {
    return { ok: false, error: { code: 'unknown_channel', message: `no channel named "${name}"` } };
  }
  const parsed = channels[name].input.safeParse(rawInput ?? {});
  if (!parsed.success) {
    return { ok: false, error: { code: 'invalid_input', message: `${name}: ${describeIssues(parsed.error.issues)}` } };
  }
  try {
    // The mapped type guarantees handlers[name] accepts this channel's parsed input; TypeScript
    // cannot correlate the two through a union key, hence the widening.
    const handler = handlers[name] as Handler<ChannelName> as (input: unknown) => unknown;
    return { ok: true, value: await handler(parsed.data) };
  } catch (error) {
    return { ok: false, error: toErrorInfo(error) };
  }
}

function toErrorInfo(error: unknown): { code: AppError['code']; message: string } {
  if (error instanceof AppError) return { code: error.code, message: error.message };
  if (error instanceof Error) return { code: 'internal', message: error.message };
  return { code: 'internal', message: String(error) };
}
