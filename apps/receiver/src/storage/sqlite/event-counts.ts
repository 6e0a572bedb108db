import type Database from 'better-sqlite3';
import type { createEventRecorder } from './create-event-recorder.js';

/** The hour, or the day, of `event_at_ms` (UTC), as the summary tables key it. */
const startOf = (unitMs: number): string => `(event_at_ms - ((event_at_ms % ${unitMs}) + ${unitMs}) % ${unitMs})`;

/** Adds the events past `@position` to one summary table, one upsert per (unit, name, campaign) instead of one per event. */
const addSql = (table: string, column: string, unitMs: number): string =>
  `INSERT INTO ${table} (${column}, event, campaign_id, count)
   SELECT ${startOf(unitMs)}, event, campaign_id, count(*) FROM events WHERE id > @position GROUP BY 1, 2, 3
   ON CONFLICT (${column}, event, campaign_id) DO UPDATE SET count = count + excluded.count`;

/**
 * Counts the events stored since the last count into the hourly and daily
 * summaries behind `/api/stats`, for every write transaction's end
 * (`groupCommit.beforeCommit`): SQLite has no statement-level trigger, and
 * two upserts per event cost a sixth of the write. The position is stored
 * with the counts, in the same transaction, so whichever process or try
 * commits counts each event once; event ids only grow (AUTOINCREMENT), and
 * the delete triggers uncount only what was counted (migration 12).
 * Who records with {@link createEventRecorder} in a transaction of their own
 * calls it before that transaction commits.
 * @example db.transaction(() => { record(event, key, raw, at); countEvents(); })();
 */
export function createEventCounts(db: Database.Database): () => void {
  const position = db.prepare<[], number>('SELECT counted_through FROM event_counts_position WHERE id = 1').pluck();
  const newest = db.prepare<[], number | null>('SELECT max(id) FROM events').pluck();
  const addHours = db.prepare<{ position: number }>(addSql('event_counts', 'hour', 3_600_000));
  const addDays = db.prepare<{ position: number }>(addSql('event_day_counts', 'day', 86_400_000));
  const advance = db.prepare<[number]>('UPDATE event_counts_position SET counted_through = ?');
  return () => {
    const from = position.get();
    // Its row made by schema step 12: without it nothing could be counted once, so the write fails instead of losing counts.
    if (from === undefined) throw new Error('event_counts_position has no row: the summaries behind /api/stats cannot be kept');
    const to = newest.get() ?? 0;
    if (to <= from) return;
    addHours.run({ position: from });
    addDays.run({ position: from });
    advance.run(to);
  };
}
