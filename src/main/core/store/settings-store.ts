/**
 * Settings persisted in SQLite, one JSON value per key, merged over the defaults.
 */
import { defaultSettings, settingsSchema, type Settings, type SettingsPatch } from '../../../shared/domain';
import type { Db } from './database';

export class SettingsStore {
  private readonly selectAll;
  private readonly upsert;

  constructor(private readonly db: Db) {
    this.selectAll = db.prepare('SELECT key, value_json FROM settings');
    this.upsert = db.prepare(
      `INSERT INTO settings (key, value_json, updated_at) VALUES (?, ?, ?)
       ON CONFLICT(key) DO UPDATE SET value_json = excluded.value_json, updated_at = excluded.updated_at`,
    );
  }

  /**
   * All settings. A stored value that no longer validates (a setting whose range changed) falls
   * back to its default rather than breaking start-up; a key that no longer exists is ignored.
   */
  get(): Settings {
    const merged: Record<string, unknown> = { ...defaultSettings };
    for (const row of this.selectAll.all() as { key: string; value_json: string }[]) {
      if (!(row.key in defaultSettings)) continue;
      const candidate = { ...merged, [row.key]: JSON.parse(row.value_json) as unknown };
      if (settingsSchema.safeParse(candidate).success) merged[row.key] = candidate[row.key];
    }
    return settingsSchema.parse(merged);
  }

  /** Validates the whole result first, then writes every changed key in one transaction. */
  update(patch: SettingsPatch): Settings {
    const next = settingsSchema.parse({ ...this.get(), ...patch });
    const now = new Date().toISOString();
    this.db.transaction(() => {
      for (const [key, value] of Object.entries(patch)) {
        if (value !== undefined) this.upsert.run(key, JSON.stringify(value), now);
      }
    })();
    return next;
  }
}
