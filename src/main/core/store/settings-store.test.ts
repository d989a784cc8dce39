import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultSettings } from '../../../shared/domain';
import { makeTempDir } from '../../../../tests/helpers/temp-dir';
import { openDatabase, type Db } from './database';
import { SettingsStore } from './settings-store';

describe('SettingsStore', () => {
  let db: Db;
  let cleanup: () => void;
  let file: string;

  beforeEach(() => {
    const tmp = makeTempDir();
    cleanup = tmp.cleanup;
    file = path.join(tmp.dir, 'lancer.db');
    db = openDatabase(file);
  });
  afterEach(() => {
    db.close();
    cleanup();
  });

  it('returns the defaults on a new database', () => {
    expect(new SettingsStore(db).get()).toEqual(defaultSettings);
  });

  it('persists an update across reopening the file', () => {
    new SettingsStore(db).update({ concurrency: 4, keepFailedContainers: true });
    db.close();
    db = openDatabase(file);
    expect(new SettingsStore(db).get()).toMatchObject({ concurrency: 4, keepFailedContainers: true, maxRetries: 2 });
  });

  it('rejects an invalid value and writes nothing', () => {
    const store = new SettingsStore(db);
    expect(() => store.update({ concurrency: 3, maxRetries: -1 })).toThrow();
    expect(store.get()).toEqual(defaultSettings);
  });

  it('falls back to the default for a stored value that no longer validates', () => {
    db.prepare("INSERT INTO settings (key, value_json, updated_at) VALUES ('concurrency', '999', 'x')").run();
    db.prepare("INSERT INTO settings (key, value_json, updated_at) VALUES ('removedSetting', '1', 'x')").run();
    expect(new SettingsStore(db).get()).toEqual(defaultSettings);
  });
});
