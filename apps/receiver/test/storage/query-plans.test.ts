import t from 'tap';
import { join } from 'node:path';
import { createGroupCommit, openDatabase } from '@passworks-webhooks/sqlite';
import { createSqliteStorage, migrate, receiverStore, type EventFilters, type StatsFilters } from '@passworks-webhooks/receiver';
import { STATS_EDGE_SOURCE } from '../../src/storage/sqlite/sqlite-reads.js';
import { SQLITE_DIALECT } from '../../src/storage/sqlite/sqlite-dialect.js';
import { passEventsSql } from '../../src/storage/sqlite/pass-events-sql.js';
import { eventCountQuery, eventPageQuery, eventsQuery, passesQuery } from '../../src/storage/sql/query-builder.js';
import { statsSql, usedParams } from '../../src/storage/sql/stats-queries.js';
import { stalePassesSql } from '../../src/storage/sql/outbox-retention-sql.js';
import type { EventRange } from '../../src/storage/storage.js';

// SQLite's plans on the migrated schema: every filter of GET /api/events, /api/events/newest and the export is
// served by an index (a SEARCH, never a SCAN of events) that also gives the page's order (no sort of the rows matched),
// and /api/stats reads the summary tables, not the events.
const db = openDatabase({ path: join(t.testdir(), 'plans.db') });
t.teardown(() => db.close());
migrate(db);
const planOf = (sql: string, values: unknown): string =>
  db
    .prepare(`EXPLAIN QUERY PLAN ${sql}`)
    .all(values as never)
    .map((row) => (row as { detail: string }).detail)
    .join(' | ');

t.test('every event filter of the lists and the export is served by an index; a page never sorts a time window', async (t) => {
  const filters: Array<[EventFilters, RegExp]> = [
    [{}, /SEARCH events USING INTEGER PRIMARY KEY/],
    [{ event: 'redeemed' }, /SEARCH events USING INDEX events_by_name \(event=\? AND id[<>]\?\)/],
    [{ campaign_id: 'c' }, /SEARCH events USING INDEX events_by_campaign \(campaign_id=\? AND id[<>]\?\)/],
    [{ pass_id: 'p' }, /SEARCH events USING INDEX sqlite_autoindex_events_1 \(idempotency_key>\? AND idempotency_key<\?\)/],
    [{ since: 1, until: 2 }, /SEARCH events USING INDEX events_by_event_at \(event_at_ms>\? AND event_at_ms<\?\)/],
    [{ since: 1 }, /SEARCH events USING INDEX events_by_event_at \(event_at_ms>\?/],
    [{ until: 2 }, /SEARCH events USING INDEX events_by_event_at \(event_at_ms[<>]\?/],
    [{ event: 'redeemed', campaign_id: 'c', since: 1, until: 2 }, /SEARCH events USING INDEX events_by_event_at \(event_at_ms>\? AND event_at_ms<\?\)/],
    [{ pass_id: 'p', since: 1 }, /SEARCH events USING INDEX sqlite_autoindex_events_1 \(idempotency_key>\? AND idempotency_key<\?\)/],
    // A state in id order: the outbox's (state, event_id) range from the cursor on, in id order, each event by its key.
    [
      { forwarding: 'failed' },
      /SEARCH events USING INTEGER PRIMARY KEY \(rowid=\?\).*SEARCH outbox USING COVERING INDEX outbox_by_state_event \(state=\? AND event_id[<>]\?\)/,
    ],
    [{ forwarding: 'delivered', event: 'redeemed' }, /outbox_by_state_event \(state=\? AND event_id[<>]\?\)/],
    // In a window: the window's index in order, each event's outbox row probed by its key.
    [
      { forwarding: 'pending', since: 1, until: 2 },
      /SEARCH events USING INDEX events_by_event_at \(event_at_ms>\? AND event_at_ms<\?\).*SEARCH f (EXISTS )?USING (COVERING INDEX outbox_by_state_event \(state=\? AND event_id=\?|INTEGER PRIMARY KEY \(rowid=\?\))/,
    ],
    [{ forwarding: 'none' }, /SEARCH events USING INTEGER PRIMARY KEY \(rowid[<>]\?\).*SEARCH f USING INTEGER PRIMARY KEY \(rowid=\?\)/],
  ];
  const ranges: EventRange[] = [{ after: 0 }, { after: 5, at: 1 }, { before: Number.MAX_SAFE_INTEGER }, { before: 5, at: 2 }];
  for (const [filter, expected] of filters) {
    for (const range of ranges) {
      const { sql, values } = eventsQuery(SQLITE_DIALECT, filter, range, 101);
      const plan = planOf(sql, values);
      const label = `${JSON.stringify(filter)} ${JSON.stringify(range)}: ${plan}`;
      t.match(plan, expected, label);
      t.notMatch(plan, /SCAN events/, label);
      // One pass's events are a few rows; any other page reads its rows in the index's order, never sorting what its filter matched.
      if (filter.pass_id === undefined) t.notMatch(plan, /USE TEMP B-TREE FOR ORDER BY/, label);
    }
  }
});

t.test('a replay counts its events with count(*) and pages through them by a keyset whose index gives the order (never a sort of the window)', async (t) => {
  const filters: EventFilters[] = [
    {},
    { forwarding: 'failed' },
    { since: 1, until: 2 },
    { since: 1, forwarding: 'failed' },
    { campaign_id: 'c' },
    { event: 'redeemed', until: 2 },
  ];
  for (const filter of filters) {
    const count = eventCountQuery(SQLITE_DIALECT, filter);
    t.match(count.sql, /^SELECT count\(\*\) AS n FROM events/, `${JSON.stringify(filter)}: one count`);
    t.notMatch(planOf(count.sql, count.values), /SCAN events\b(?! USING COVERING)/, `${JSON.stringify(filter)}: counted from an index`);
    for (const range of [{ after: 0 }, { after: 5, at: 1 }]) {
      const page = eventPageQuery(SQLITE_DIALECT, filter, range, 50, 'id, event_at_ms');
      const plan = planOf(page.sql, page.values);
      const label = `${JSON.stringify(filter)} ${JSON.stringify(range)}: ${plan}`;
      t.notMatch(plan, /USE TEMP B-TREE/, label);
      t.notMatch(plan, /SCAN events/, label);
    }
  }
});

t.test('creating a replay asks one count(*), never the page of ids its steps read', async (t) => {
  const replayDb = openDatabase({ path: join(t.testdir(), 'replay.db') });
  migrate(replayDb);
  const storage = createSqliteStorage({ db: replayDb, store: receiverStore(replayDb, createGroupCommit(replayDb)), outbox: true });
  t.teardown(() => storage.close());
  const prepared: string[] = [];
  const prepare = replayDb.prepare.bind(replayDb);
  replayDb.prepare = ((sql: string) => {
    prepared.push(sql);
    return prepare(sql);
  }) as typeof replayDb.prepare;
  const replay = await storage.createReplay({ filter: { status: 'all', since: 1, forwarding: 'failed' }, ratePerSecond: 10, now: 1 });
  t.equal(replay.matched, 0);
  t.ok(
    prepared.some((sql) => /^SELECT count\(\*\) AS n FROM events/.test(sql)),
    'counted',
  );
  t.notOk(
    prepared.some((sql) => /^SELECT id, event_at_ms FROM/.test(sql)),
    'no id loaded',
  );
  await storage.queueReplayed(2, 10);
  t.ok(
    prepared.some((sql) => /^SELECT id, event_at_ms FROM/.test(sql)),
    'the steps read ids a page at a time (the path creation never takes)',
  );
});

t.test(
  '/api/stats reads the summary tables, never the passes; the totals take whole days from the daily counts; only a partial edge hour reads events, by an event_at index range',
  async (t) => {
    // [filters, reads events at an edge, the totals' hours (totals) read event_counts]
    const windows: Array<[StatsFilters, boolean, boolean]> = [
      [{}, false, false],
      [{ since: Date.UTC(2026, 2, 1), until: Date.UTC(2026, 2, 2) }, false, false],
      [{ campaign_id: 'c' }, false, false],
      [{ since: Date.UTC(2026, 2, 1, 9), until: Date.UTC(2026, 2, 4, 17) }, false, true],
      [{ since: Date.UTC(2026, 2, 1, 9, 30), until: Date.UTC(2026, 2, 2, 17, 45), campaign_id: 'c' }, true, true],
    ];
    for (const [filters, readsEvents, readsHours] of windows) {
      const { params, ...queries } = statsSql(filters, { edgeSource: STATS_EDGE_SOURCE });
      for (const [name, sql] of Object.entries(queries)) {
        const plan = planOf(sql, Object.fromEntries(usedParams(sql, params)));
        const label = `${name} ${JSON.stringify(filters)}: ${plan}`;
        t.notMatch(plan, /SCAN events/, label);
        t.notMatch(plan, /\bpasses\b/, `${label}: passes per campaign come from pass_counts`);
        if (readsEvents && /event_counts/.test(plan)) t.match(plan, /SEARCH events USING INDEX events_by_event_at/, label);
        if (!readsEvents) t.notMatch(plan, /\bevents\b/, label);
        if (name === 'totals' && !readsEvents) t.match(plan, /event_day_counts/, `${label}: whole days from the daily counts`);
        if (name === 'totals' && !readsHours) t.notMatch(plan, /\bevent_counts\b/, `${label}: no hour read for a window of whole days`);
      }
    }
  },
);

t.test("a pass's events (timeline, projection, retention) are found by the events' unique key index: no index of their own on pass_id", async (t) => {
  const indexes = db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events'").pluck().all();
  t.notOk(indexes.includes('events_by_pass'), 'migration 11 dropped events_by_pass');
  const byKey = /SEARCH events USING INDEX sqlite_autoindex_events_1 \(idempotency_key>\? AND idempotency_key<\?\)/;
  const pass = { pass: 'p', limit: 10, after: 0 };
  for (const sql of [
    `SELECT * FROM events WHERE ${passEventsSql('@pass')} ORDER BY sort_key, idempotency_key LIMIT @limit`,
    `SELECT raw FROM events WHERE ${passEventsSql('@pass')} ORDER BY sort_key, idempotency_key`,
    `SELECT idempotency_key, received_at FROM events WHERE ${passEventsSql('@pass')} AND received_at > @after`,
    `DELETE FROM events WHERE ${passEventsSql('@pass')}`,
  ]) {
    t.match(planOf(sql, pass), byKey, sql);
  }
});

t.test('retention finds stale passes by a range of the last_received_at index, oldest first, never by scanning every pass', async (t) => {
  const plan = planOf(stalePassesSql({ cutoff: '?', keepQueuedSince: '?', limit: '?' }), [1_000, 0, 100]);
  t.match(plan, /SEARCH p USING INDEX passes_by_last_received \(last_received_at<\?\)/, plan);
  t.notMatch(plan, /SCAN p|TEMP B-TREE/, plan);
});

t.test('a page of the pass list, whole or of a campaign, is read newest first from an index in its order, never sorted', async (t) => {
  const whole = passesQuery(SQLITE_DIALECT, {}, 100, 10);
  t.match(planOf(whole.sql, whole.values), /^SEARCH passes USING INTEGER PRIMARY KEY \(rowid<\?\)$/);
  const ofCampaign = passesQuery(SQLITE_DIALECT, { campaign_id: 'c', installed: true }, 100, 10);
  t.match(planOf(ofCampaign.sql, ofCampaign.values), /^SEARCH passes USING INDEX passes_by_campaign \(campaign_id=\? AND rowid<\?\)$/);
});
