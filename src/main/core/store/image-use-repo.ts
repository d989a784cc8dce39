/**
 * When images were last used, and which images unfinished runs still need: the two facts the
 * disk budget decides by (see images/disk-budget.ts).
 */
import type { Db } from './database';

/** Run statuses whose images must stay: the run has attempts left to start. */
export const UNFINISHED_RUN_STATUSES = ['queued', 'running', 'paused'] as const;

export class ImageUseRepo {
  private readonly upsert;
  private readonly selectAll;
  private readonly selectNeeded;

  constructor(private readonly db: Db) {
    this.upsert = db.prepare(
      `INSERT INTO image_use (image, last_used_at) VALUES (?, ?)
       ON CONFLICT(image) DO UPDATE SET last_used_at = max(last_used_at, excluded.last_used_at)`,
    );
    this.selectAll = db.prepare('SELECT image, last_used_at FROM image_use');
    // Every attempt of the run, not only queued ones: a retry of a finished attempt reuses its image.
    this.selectNeeded = db.prepare(
      `SELECT DISTINCT a.image, a.run_id FROM attempts a JOIN runs r ON r.id = a.run_id
       WHERE r.status IN (${UNFINISHED_RUN_STATUSES.map(() => '?').join(', ')}) AND a.image != ''`,
    );
  }

  /** Records that these images were used now (or at `at`); an older time never wins. */
  markUsed(images: readonly string[], at = new Date()): void {
    const when = at.toISOString();
    this.db.transaction(() => {
      for (const image of new Set(images)) this.upsert.run(image, when);
    })();
  }

  /** Last use by image name. */
  lastUsed(): Map<string, string> {
    return new Map((this.selectAll.all() as { image: string; last_used_at: string }[]).map((r) => [r.image, r.last_used_at]));
  }

  /** The images of queued, running and paused runs, each with the runs that need it. */
  neededByUnfinishedRuns(): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const row of this.selectNeeded.all(...UNFINISHED_RUN_STATUSES) as { image: string; run_id: string }[]) {
      out.set(row.image, [...(out.get(row.image) ?? []), row.run_id]);
    }
    return out;
  }

  /** Forgets removed images, so a later image of the same name starts from its creation time. */
  forget(images: readonly string[]): void {
    const del = this.db.prepare('DELETE FROM image_use WHERE image = ?');
    this.db.transaction(() => {
      for (const image of images) del.run(image);
    })();
  }
}
