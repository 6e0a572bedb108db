import type { PassEvent } from '@passworks-webhooks/core';
import { makePassEvent } from '@passworks-webhooks/core/testing';
import { MIGRATIONS, createEventRecorder, migrate } from '@passworks-webhooks/receiver';
import { openDatabase } from '@passworks-webhooks/sqlite';

/** The pass id of prefilled pass `index` of copy `copy` (see {@link prefillDatabase}); wrk's get-pass.lua builds the same ids. */
export const prefilledPassId = (index: number, copy = 0): string => `${copyTag(copy)}-8000-${index.toString(16).padStart(12, '0')}`;
/** What sets copy `copy`'s pass ids apart: the only text of a seed row that a copy changes. */
const copyTag = (copy: number): string => `ffffffff-${copy.toString(16).padStart(4, '0')}-4000`;

/** Passes recorded one by one; more are copies of these. */
export const SEED_PASSES = 10_000;

/** The campaigns prefilled passes belong to (pass `index` is in campaign `index % CAMPAIGNS`). */
export const CAMPAIGNS = 12;
const campaignId = (index: number): string => `cccccccc-0000-4000-8000-${(index % CAMPAIGNS).toString(16).padStart(12, '0')}`;

/** A coupon's life, each step at its offset from the pass's creation: minutes to install, fetches over days, redeemed, uninstalled. */
const LIFECYCLE: ReadonlyArray<readonly [PassEvent['event'], number]> = [
  ['created', 0],
  ['downloaded', 3 * 60_000],
  ['installed', 5 * 60_000],
  ['fetched', 2 * 3_600_000],
  ['fetched', 9 * 3_600_000],
  ['fetched', 26 * 3_600_000],
  ['fetched', 50 * 3_600_000],
  ['fetched', 73 * 3_600_000],
  ['redeemed', 74 * 3_600_000],
  ['uninstalled', 96 * 3_600_000],
];

/** Events per prefilled pass. */
export const EVENTS_PER_PASS = LIFECYCLE.length;

const DAY = 86_400_000;

/** Where prefilled history lies in time: passes created over 60 days, ending 8 days ago (past the 7-day done-key TTL). */
export function prefillSpan(now = Date.now()): { readonly startMs: number; readonly endMs: number } {
  const endMs = Math.floor(now / DAY) * DAY - 8 * DAY;
  return { startMs: endMs - 60 * DAY, endMs };
}

/** The migrations before the first that builds summaries from stored rows (so those are filled by the receiver's own step), or all. */
function stepsBeforeSummaries(): number {
  const index = MIGRATIONS.findIndex((migration) => /CREATE TABLE \w*counts/i.test(migration.sql));
  return index === -1 ? MIGRATIONS.length : index;
}

/** How a prefill went. */
export interface PrefillResult {
  readonly events: number;
  readonly seconds: number;
}

/**
 * Fills the receiver's SQLite file at `path` with `passes` passes of
 * {@link EVENTS_PER_PASS} events each (a coupon's life, created to
 * uninstalled, spread over four days; passes created evenly over
 * {@link prefillSpan}, in {@link CAMPAIGNS} campaigns). The first
 * {@link SEED_PASSES} are stored through the receiver's own recorder (the
 * same event rows and pass projection the webhook path writes) in
 * transactions of 100,000 events, without HTTP; the rest are copies of those
 * made inside SQLite (see {@link copier}), `passes` rounded to whole copies.
 * The schema is migrated up to the step before the summary tables, the rows
 * written, then the remaining migrations run: the receiver's own migration
 * fills the summaries from the rows, once, instead of a trigger per row.
 * The event rows are their own done marks (the store's `isHandled`), as on the webhook path.
 * Bulk-load settings (no rollback journal, no fsync) hold only while it runs;
 * the file is left in WAL mode, checkpointed.
 */
export function prefillDatabase(path: string, passes: number, now = Date.now()): PrefillResult {
  const started = performance.now();
  const db = openDatabase({ path });
  try {
    migrate(db, MIGRATIONS.slice(0, stepsBeforeSummaries()));
    db.pragma('journal_mode = OFF');
    db.pragma('synchronous = OFF');
    db.pragma('cache_size = -1048576'); // 1 GiB of page cache: the indexes stay in memory while they grow
    const record = createEventRecorder(db);
    const base = makePassEvent();
    const { startMs, endMs } = prefillSpan(now);
    const seed = Math.min(passes, SEED_PASSES);
    // The seed spans the whole history; each copy lives at the seed's instants, so every scale spreads alike.
    const spacing = (endMs - startMs) / seed;
    const batch = db.transaction((from: number, to: number) => {
      for (let index = from; index < to; index++) {
        const passId = prefilledPassId(index);
        const created = Math.floor(startMs + index * spacing);
        const createdAt = new Date(created).toISOString();
        let redeemed = 0;
        let fetchedAt: string | null = null;
        for (const [name, offset] of LIFECYCLE) {
          const at = new Date(created + offset).toISOString();
          if (name === 'redeemed') redeemed = 1;
          if (name === 'fetched') fetchedAt = at;
          const event: PassEvent = {
            ...base,
            event: name,
            pass_id: passId,
            campaign_id: campaignId(index),
            created_at: createdAt,
            updated_at: at,
            event_at: at,
            redeemed_count: redeemed,
            redeemed_at: redeemed ? at : null,
            voided: redeemed === 1,
            last_fetched_at: fetchedAt,
            event_extra: { ...base.event_extra, pass_id: passId, registration_id: `${passId}-reg` },
          };
          record(event, `${passId}:${name}:${at}`, JSON.stringify(event), created + offset + 1_000);
        }
      }
    });
    const perBatch = Math.ceil(100_000 / EVENTS_PER_PASS);
    for (let from = 0; from < seed; from += perBatch) batch(from, Math.min(seed, from + perBatch));
    const copies = Math.round(passes / seed);
    if (copies > 1) {
      const copy = copier(db);
      for (let n = 1; n < copies; n++) copy(n);
    }
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    migrate(db);
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
  const seed = Math.min(passes, SEED_PASSES);
  return { events: seed * Math.round(passes / seed) * EVENTS_PER_PASS, seconds: (performance.now() - started) / 1000 };
}

/**
 * Copies the seed's event and pass rows as copy `n`: every column as it is,
 * but with the seed's pass ids (in text columns and the raw bytes) those of
 * the copy, in one `INSERT ... SELECT` per table and copy inside SQLite (the
 * recorder's work per event, done once for the seed). A copy's passes live
 * at the seed's instants, so the history's spread over time and campaigns
 * stays the same, only denser. Columns come from the tables themselves, so a
 * column added by a later migration is copied too.
 */
function copier(db: ReturnType<typeof openDatabase>): (n: number) => void {
  const seedTag = copyTag(0);
  const statement = (table: string, where: string) => {
    const columns = db.prepare<[], { name: string; type: string; pk: number }>(`SELECT name, type, pk FROM pragma_table_info('${table}')`).all();
    const kept = columns.filter((column) => !(column.pk === 1 && column.type.toUpperCase() === 'INTEGER')); // a rowid id is given anew
    const value = ({ name, type }: { name: string; type: string }): string => {
      const kind = type.toUpperCase();
      if (kind === 'TEXT') return `replace(${name}, @seed, @copy)`;
      if (kind === 'BLOB') return `CAST(replace(CAST(${name} AS TEXT), @seed, @copy) AS BLOB)`;
      return name;
    };
    return db.prepare(`INSERT INTO ${table} (${kept.map((c) => c.name).join(', ')}) SELECT ${kept.map(value).join(', ')} FROM ${table} WHERE ${where}`);
  };
  const events = statement('events', 'pass_id >= @seed AND pass_id < @seedEnd');
  const passes = statement('passes', 'pass_id >= @seed AND pass_id < @seedEnd');
  return db.transaction((n: number) => {
    const values = { seed: seedTag, seedEnd: `${seedTag}~`, copy: copyTag(n) };
    events.run(values);
    passes.run(values);
  });
}
