/**
 * Secrets (API keys) kept apart from the database, behind a port: the file store here by default,
 * and the Electron composition root may supply one backed by the OS keychain (safeStorage).
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';

/**
 * Where secrets live. Values are opaque strings; names are slugs chosen by the caller
 * (`endpoint.<name>`). Implementations never log values. Synchronous, as Electron's safeStorage
 * is, so the engine can resolve a key without awaiting in the middle of setting a run up.
 */
export interface SecretStore {
  /** Which kind of store this is, for the UI to say where keys are kept. */
  readonly kind: 'safeStorage' | 'file';
  /** The secret, or null when none is stored under this name. */
  get(name: string): string | null;
  /** Stores (or replaces) a secret. */
  set(name: string, value: string): void;
  /** Deletes a secret; nothing happens when there is none. */
  delete(name: string): void;
}

/** Secret names double as file names, so they must not be able to climb out of the folder. */
const SECRET_NAME = /^[a-z0-9][a-z0-9._-]{0,127}$/;

function checkName(where: string, name: string): void {
  // No slash or backslash can pass, and a leading letter or digit rules out '.' and '..'.
  if (!SECRET_NAME.test(name)) throw new Error(`secret store: ${where}: bad secret name ${JSON.stringify(name)}`);
}

/**
 * Secrets as files in `<dataDir>/secrets/`: the folder mode 0700, each file mode 0600, written
 * to a temporary file and renamed over the old one so a crash never leaves half a key. The
 * modes keep other users of the machine out; they do not protect against the same user (that
 * is what an OS keychain store is for).
 */
export class FileSecretStore implements SecretStore {
  readonly kind = 'file' as const;
  readonly dir: string;

  constructor(dataDir: string) {
    this.dir = path.join(dataDir, 'secrets');
  }

  get(name: string): string | null {
    checkName('get', name);
    try {
      return readFileSync(path.join(this.dir, name), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw new Error(`secret store: get ${name}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
  }

  set(name: string, value: string): void {
    checkName('set', name);
    this.ensureDir();
    const file = path.join(this.dir, name);
    const tmp = path.join(this.dir, `.${name}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
    try {
      // 'wx' with mode 0600: the file is private from its first byte (the umask only narrows it).
      const fd = openSync(tmp, 'wx', 0o600);
      try {
        writeSync(fd, value);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, file);
    } catch (error) {
      rmSync(tmp, { force: true });
      // The error's message may hold paths but never the value.
      throw new Error(`secret store: set ${name}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
  }

  delete(name: string): void {
    checkName('delete', name);
    rmSync(path.join(this.dir, name), { force: true });
  }

  /** Creates the folder, and narrows it to 0700 if it existed with a wider mode. */
  private ensureDir(): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    if (process.platform !== 'win32') chmodSync(this.dir, 0o700);
  }
}

/** Encrypts and decrypts strings, as Electron's safeStorage does with the OS keychain's key. */
export interface SecretCipher {
  encrypt(plain: string): Buffer;
  decrypt(sealed: Buffer): string;
}

/**
 * Secrets encrypted by a cipher the composition root supplies (Electron's safeStorage, where
 * the OS keychain works), stored as files like FileSecretStore: a copied data dir, or another
 * user who gets past the file modes, reads only ciphertext.
 */
export class EncryptedSecretStore implements SecretStore {
  readonly kind = 'safeStorage' as const;
  constructor(
    private readonly files: FileSecretStore,
    private readonly cipher: SecretCipher,
  ) {}

  get(name: string): string | null {
    const sealed = this.files.get(name);
    if (sealed === null) return null;
    try {
      return this.cipher.decrypt(Buffer.from(sealed, 'base64'));
    } catch (error) {
      // A key sealed on another machine or by another OS user: say so, never show the bytes.
      throw new Error(`secret store: get ${name}: cannot decrypt (${(error as Error).message.slice(0, 120)}); save the key again`);
    }
  }

  set(name: string, value: string): void {
    this.files.set(name, this.cipher.encrypt(value).toString('base64'));
  }

  delete(name: string): void {
    this.files.delete(name);
  }
}
