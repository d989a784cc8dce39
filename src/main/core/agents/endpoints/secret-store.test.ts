import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../../../../tests/helpers/temp-dir';
import { EncryptedSecretStore, FileSecretStore, type SecretCipher } from './secret-store';

/** A stand-in for safeStorage: a reversible transform whose output never holds the plain text. */
const cipher: SecretCipher = {
  encrypt: (plain) => Buffer.from([...Buffer.from(plain)].map((b) => b ^ 0x5a)).reverse(),
  decrypt: (sealed) => Buffer.from([...Buffer.from(sealed).reverse()].map((b) => b ^ 0x5a)).toString(),
};

describe('the encrypted secret store (Electron safeStorage in the window)', () => {
  let dir: string;
  let cleanup: () => void;
  beforeEach(() => ({ dir, cleanup } = makeTempDir()));
  afterEach(() => cleanup());

  it('keeps only ciphertext on disk and reads the key back', () => {
    const store = new EncryptedSecretStore(new FileSecretStore(dir), cipher);
    store.set('endpoint.openai', 'sk-plain-secret-1234');
    expect(store.kind).toBe('safeStorage');
    expect(store.get('endpoint.openai')).toBe('sk-plain-secret-1234');
    const files = readdirSync(path.join(dir, 'secrets'));
    for (const f of files) expect(readFileSync(path.join(dir, 'secrets', f), 'utf8')).not.toContain('sk-plain-secret');
    store.delete('endpoint.openai');
    expect(store.get('endpoint.openai')).toBeNull();
  });

  it('names the secret that cannot be decrypted, without showing its bytes', () => {
    new FileSecretStore(dir).set('endpoint.x', Buffer.from('not sealed by us').toString('base64'));
    const store = new EncryptedSecretStore(new FileSecretStore(dir), {
      ...cipher,
      decrypt: () => {
        throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.');
      },
    });
    expect(() => store.get('endpoint.x')).toThrow(/get endpoint\.x: cannot decrypt .*save the key again/);
  });
});
