import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../../../tests/helpers/temp-dir';
import { MigrationError, openDatabase } from './database';

describe('openDatabase and migrations', () => {
  let dir: string;
  let cleanup: () => void;
  let migrations: string;
  let file: string;

  beforeEach(() => {
    ({ dir, cleanup } = makeTempDir());
    migrations = path.join(dir, 'migrations');
    mkdirSync(migrations);
    file = path.join(dir, 'data', 'lancer.db');
    writeFileSync(path.join(migrations, '0001_a.sql'), 'CREATE TABLE a (id INTEGER PRIMARY KEY);');
  });
  afterEach(() => cleanup());

  it('creates the file with WAL and foreign keys, and records applied migrations with hashes', () => {
    const db = openDatabase(file, { migrationsDir: migrations });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('busy_timeout', { simple: true })).toBe(5000);
    const rows = db.prepare('SELECT id, hash FROM schema_migrations').all() as { id: string; hash: string }[];
    expect(rows).toEqual([{ id: '0001_a.sql', hash: expect.stringMatching(/^[0-9a-f]{64}$/) }]);
    db.close();
  });

  it('applies only new migrations on reopen', () => {
    openDatabase(file, { migrationsDir: migrations }).close();
    writeFileSync(path.join(migrations, '0002_b.sql'), 'CREATE TABLE b (id INTEGER PRIMARY KEY);');
    const db = openDatabase(file, { migrationsDir: migrations });
    const ids = (db.prepare('SELECT id FROM schema_migrations ORDER BY id').all() as { id: string }[]).map((r) => r.id);
    expect(ids).toEqual(['0001_a.sql', '0002_b.sql']);
    db.close();
  });

  it('refuses an applied migration that was edited, naming the file', () => {
    openDatabase(file, { migrationsDir: migrations }).close();
    writeFileSync(path.join(migrations, '0001_a.sql'), 'CREATE TABLE a (id INTEGER PRIMARY KEY, x TEXT);');
    expect(() => openDatabase(file, { migrationsDir: migrations })).toThrow(MigrationError);
    expect(() => openDatabase(file, { migrationsDir: migrations })).toThrow(/0001_a\.sql was edited/);
  });

  it('rolls back every pending migration when one fails, leaving stored data intact', () => {
    const db0 = openDatabase(file, { migrationsDir: migrations });
    db0.prepare('INSERT INTO a (id) VALUES (7)').run();
    db0.close();
    writeFileSync(path.join(migrations, '0002_b.sql'), 'CREATE TABLE b (id INTEGER);');
    writeFileSync(path.join(migrations, '0003_c.sql'), 'CREATE TABLE c (id INTEGER); THIS IS NOT SQL;');
    expect(() => openDatabase(file, { migrationsDir: migrations })).toThrow(/migration 0003_c\.sql failed/);
    // Fix the broken file: the earlier pending migration must not have been half-applied.
    writeFileSync(path.join(migrations, '0003_c.sql'), 'CREATE TABLE c (id INTEGER);');
    const db = openDatabase(file, { migrationsDir: migrations });
    expect(db.prepare('SELECT id FROM a').all()).toEqual([{ id: 7 }]);
    expect((db.prepare('SELECT count(*) AS n FROM schema_migrations').get() as { n: number }).n).toBe(3);
    db.close();
  });

  it('refuses a database made by a newer version', () => {
    writeFileSync(path.join(migrations, '0002_b.sql'), 'CREATE TABLE b (id INTEGER);');
    openDatabase(file, { migrationsDir: migrations }).close();
    const older = path.join(dir, 'older');
    mkdirSync(older);
    writeFileSync(path.join(older, '0001_a.sql'), 'CREATE TABLE a (id INTEGER PRIMARY KEY);');
    expect(() => openDatabase(file, { migrationsDir: older })).toThrow(/0002_b\.sql applied, which this version does not know/);
  });

  it('applies the shipped migrations', () => {
    const db = openDatabase(file);
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type='table'").all() as { name: string }[]).map((t) => t.name);
    expect(tables).toContain('settings');
    db.close();
  });
});
