/**
 * The SQLite store: opening, pragmas and file-based migrations.
 *
 * Migrations are plain `.sql` files applied in name order inside one transaction at open, and
 * recorded with a SHA-256 of their text. Editing a migration that a database has already applied
 * would silently fork schemas between machines, so it is refused with an error naming the file.
 */
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export type Db = Database.Database;

export interface Migration {
  id: string;
  sql: string;
  hash: string;
}

export class MigrationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MigrationError';
  }
}

/**
 * Where the migration files live. From source this is the `migrations` folder beside this file;
 * in the Electron bundle the build copies them next to `out/main/index.js`, which is again
 * "beside this module", so one rule serves both.
 */
export function defaultMigrationsDir(): string {
  return path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');
}

/** Reads `NNNN_name.sql` files in name order. */
export function loadMigrations(dir: string): Migration[] {
  return readdirSync(dir)
    .filter((name) => /^\d{4}_[\w-]+\.sql$/.test(name))
    .sort()
    .map((name) => {
      const sql = readFileSync(path.join(dir, name), 'utf8');
      return { id: name, sql, hash: createHash('sha256').update(sql).digest('hex') };
    });
}

export interface OpenOptions {
  migrationsDir?: string;
  /** Path to a better-sqlite3 `.node` built for the current runtime (Electron's ABI). */
  nativeBinding?: string;
  readonly?: boolean;
}

/** Opens (creating if needed) the database file, sets pragmas and applies pending migrations. */
export function openDatabase(file: string, options: OpenOptions = {}): Db {
  if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file, {
    nativeBinding: options.nativeBinding,
    readonly: options.readonly ?? false,
  });
  try {
    // WAL lets the UI read while a run writes; the busy timeout covers the CLI and the app
    // touching one file at the same moment.
    db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    db.pragma('synchronous = NORMAL');
    applyMigrations(db, loadMigrations(options.migrationsDir ?? defaultMigrationsDir()));
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/** Applies the migrations not yet recorded, all in one transaction; checks recorded hashes. */
export function applyMigrations(db: Db, migrations: Migration[]): string[] {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    id TEXT PRIMARY KEY, hash TEXT NOT NULL, applied_at TEXT NOT NULL) STRICT`);
  const applied = new Map(
    (db.prepare('SELECT id, hash FROM schema_migrations').all() as { id: string; hash: string }[]).map(
      (row) => [row.id, row.hash],
    ),
  );
  const known = new Set(migrations.map((m) => m.id));
  for (const id of applied.keys()) {
    if (!known.has(id)) {
      throw new MigrationError(
        `the database has migration ${id} applied, which this version does not know: it was made by a newer version of Lancer Workbench`,
      );
    }
  }
  for (const migration of migrations) {
    const recorded = applied.get(migration.id);
    if (recorded !== undefined && recorded !== migration.hash) {
      throw new MigrationError(
        `migration ${migration.id} was edited after it was applied to this database ` +
          `(recorded sha256 ${recorded.slice(0, 12)}…, file now ${migration.hash.slice(0, 12)}…); ` +
          'add a new migration instead of editing an applied one',
      );
    }
  }
  const pending = migrations.filter((m) => !applied.has(m.id));
  const record = db.prepare('INSERT INTO schema_migrations (id, hash, applied_at) VALUES (?, ?, ?)');
  db.transaction(() => {
    for (const migration of pending) {
      try {
        db.exec(migration.sql);
      } catch (error) {
        throw new MigrationError(`migration ${migration.id} failed: ${(error as Error).message}`);
      }
      record.run(migration.id, migration.hash, new Date().toISOString());
    }
  })();
  return pending.map((m) => m.id);
}
