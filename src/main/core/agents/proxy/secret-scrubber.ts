/**
 * Removes API keys from text before it is stored or shown: raw exchanges, error messages.
 */

/** What a key is replaced with. */
export const REDACTED = '[redacted]';

/**
 * Keys shorter than this are placeholders for servers that check nothing ("x", "none"); scrubbing
 * them would mangle every stored text that happens to contain the same letters.
 */
const MIN_SECRET_LENGTH = 4;

/**
 * Replaces every occurrence of each secret, as written and as it appears inside a JSON string
 * (where `"` and `\` would be escaped), with {@link REDACTED}.
 */
export function scrubSecrets(text: string, secrets: readonly (string | null | undefined)[]): string {
  let out = text;
  for (const form of secretForms(secrets)) {
    // The common case is no match: a search costs far less than split/join on a long text.
    if (out.includes(form)) out = out.split(form).join(REDACTED);
  }
  return out;
}

/**
 * {@link scrubSecrets} for UTF-8 bytes; returns the same buffer, not a copy, when no secret is
 * in it, so large raw exchanges are not decoded just to be searched.
 */
export function scrubSecretsInBuffer(buf: Buffer, secrets: readonly (string | null | undefined)[]): Buffer {
  for (const form of secretForms(secrets)) {
    if (buf.includes(form)) return Buffer.from(scrubSecrets(buf.toString('utf8'), secrets));
  }
  return buf;
}

function secretForms(secrets: readonly (string | null | undefined)[]): string[] {
  const forms: string[] = [];
  for (const s of secrets) {
    if (!s || s.length < MIN_SECRET_LENGTH) continue;
    forms.push(s);
    const escaped = JSON.stringify(s).slice(1, -1);
    if (escaped !== s) forms.push(escaped);
  }
  return forms;
}
