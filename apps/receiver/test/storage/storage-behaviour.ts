import { randomUUID } from 'node:crypto';
import assert from 'node:assert/strict';
import { createWebhookHandler, silentLogger, type HandlerContext, type UnknownPassEvent } from '@passworks-webhooks/core';
import {
  countingDuplicates,
  projectPass,
  type EventFilters,
  type EventRange,
  type PassFilters,
  type StatsFilters,
  type Storage,
} from '@passworks-webhooks/receiver';
import { couponSteps, lifecycle, loyaltySteps } from '../helpers.js';

/** A storage opened for one behaviour, and how to open a second instance on the same database. */
export interface OpenedStorage {
  readonly storage: Storage;
  /** Another instance (its own connections) on the same database, closed by the suite. */
  readonly peer: () => Storage | Promise<Storage>;
}

/** Options of {@link storageBehaviour}. */
export interface StorageBehaviourOptions {
  readonly test: (name: string, fn: () => Promise<void>) => unknown;
  /**
   * A fresh, empty database per behaviour, with its storage; closed by the suite, dropped by the caller.
   * `now`: an injected clock for a storage that keeps one of its own (PostgreSQL's keys and leases, else on the database's).
   */
  readonly open: (options: { readonly maxRejections?: number; readonly outbox?: boolean; readonly now?: () => number }) => Promise<OpenedStorage>;
}

const HOUR = 3_600_000;
/** Retention's rule for queued events, where these behaviours queue none (the forwarding ones test it). */
const NOTHING_QUEUED = { keepQueuedSinceMs: Number.MAX_SAFE_INTEGER, now: 0 };

const keyOf = (event: UnknownPassEvent): string => `${event.pass_id.toLowerCase()}:${event.event}:${event.event_at}`;

const record = (storage: Storage, event: UnknownPassEvent, receivedAt = Date.UTC(2026, 2, 2)): Promise<string> =>
  storage.recordEvent({ event, idempotencyKey: keyOf(event), raw: JSON.stringify(event), receivedAt });

/** Whether a stored event falls in a stats window: what `storage.stats(window)` counts. */
const inWindow =
  (window: StatsFilters) =>
  (row: { readonly event_at_ms: number; readonly campaign_id: string }): boolean =>
    (window.since === undefined || row.event_at_ms >= window.since) &&
    (window.until === undefined || row.event_at_ms < window.until) &&
    (window.campaign_id === undefined || row.campaign_id === window.campaign_id);

/**
 * The receiver's storage contract, one list of behaviours run against every
 * implementation (SQLite and PostgreSQL): what the webhook path, the read
 * API, retention, stats and export see. Assertions use `node:assert`.
 */
export function storageBehaviour({ test, open }: StorageBehaviourOptions): void {
  const withStorage = (name: string, fn: (opened: OpenedStorage) => Promise<void>, options: { maxRejections?: number } = {}): void => {
    test(name, async () => {
      const opened = await open(options);
      try {
        await fn(opened);
      } finally {
        await opened.storage.close();
      }
    });
  };

  withStorage('stores an event with its exact raw bytes and parsed columns, and its key done', async ({ storage }) => {
    const [event] = lifecycle([{ event: 'installed', registration: 'reg-1', os: 'ios', wallet: 'passbook' }]) as [UnknownPassEvent];
    const raw = `  ${JSON.stringify({ ...event, pass_id: event.pass_id.toUpperCase() })}\n`;
    assert.equal(
      await storage.recordEvent({
        event: { ...event, pass_id: event.pass_id.toUpperCase() },
        idempotencyKey: keyOf(event),
        raw: Buffer.from(raw),
        receivedAt: 1_000,
      }),
      'stored',
    );
    const [row] = await storage.events({}, { after: 0 }, 10);
    assert.ok(row);
    assert.equal(row.raw.toString('utf8'), raw);
    assert.equal(row.pass_id, event.pass_id.toLowerCase());
    assert.equal(row.registration_id, 'reg-1');
    assert.equal(row.voided, 0);
    assert.equal(row.received_at, 1_000);
    assert.deepEqual(await storage.event(row.id), row);
    assert.equal(await storage.event(row.id + 1_000), undefined);
    assert.deepEqual(await storage.store.claim(keyOf(event), { leaseMs: 60_000 }), { status: 'done' });
  });

  withStorage('a key stored already is a duplicate: one row, the projection unchanged', async ({ storage }) => {
    const events = lifecycle(couponSteps('reg-1'), { singleUse: true }) as UnknownPassEvent[];
    for (const event of events) await record(storage, event);
    const before = await storage.pass(events[0]!.pass_id.toLowerCase());
    assert.deepEqual(await Promise.all([record(storage, events[3]!), record(storage, events[3]!)]), ['duplicate', 'duplicate']);
    assert.equal((await storage.events({}, { after: 0 }, 100)).length, events.length);
    assert.deepEqual(await storage.pass(events[0]!.pass_id.toLowerCase()), before);
  });

  withStorage('an event sent 3 times is stored once and counts 2 duplicates; a copy the recorder finds stored counts too', async ({ storage }) => {
    const [event] = lifecycle([{ event: 'installed', registration: 'reg-1' }]) as [UnknownPassEvent];
    const save = async (parsed: UnknownPassEvent, { idempotencyKey, rawBody }: HandlerContext): Promise<void> => {
      await storage.recordEvent({ event: parsed, idempotencyKey, raw: rawBody, receivedAt: 1_000 });
    };
    // The receiver's pipeline: the store counting duplicates, every event recorded.
    const webhooks = createWebhookHandler({
      auth: false,
      store: countingDuplicates(storage.store, (key) => storage.countDuplicate(key, 2_000), silentLogger),
      onAny: save,
      onUnknown: save,
    });
    const answers = [];
    for (let i = 0; i < 3; i++)
      answers.push(await webhooks.handle({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(event) }));
    assert.deepEqual(
      answers.map((answer) => [answer.status, answer.outcome]),
      [
        [200, 'processed'],
        [200, 'duplicate'],
        [200, 'duplicate'],
      ],
    );
    const rows = await storage.events({}, { after: 0 }, 10);
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.duplicates, 2);
    assert.equal((await storage.event(rows[0]!.id))?.duplicates, 2);
    const [stored] = rows;
    assert.equal(await storage.recordEvent({ event, idempotencyKey: stored!.idempotency_key, raw: JSON.stringify(event), receivedAt: 3_000 }), 'duplicate');
    assert.equal((await storage.event(stored!.id))?.duplicates, 3);
    await storage.countDuplicate('no-such-key', 3_000);
    assert.equal((await storage.event(stored!.id))?.duplicates, 3, 'a key without a stored event changes nothing');
  });

  withStorage('the projection is the same in order, reversed, and all at once', async (opened) => {
    const events = lifecycle(loyaltySteps('reg-1', 'reg-2')) as UnknownPassEvent[];
    const expected = projectPass(events);
    assert.ok(expected);
    const passId = expected.pass_id;
    for (const event of [...events].reverse()) await record(opened.storage, event);
    assert.deepEqual(await opened.storage.pass(passId), expected);
    const other = lifecycle(loyaltySteps('reg-3', 'reg-4')) as UnknownPassEvent[];
    assert.deepEqual(
      await Promise.all(other.map((event) => record(opened.storage, event))),
      other.map(() => 'stored'),
    );
    assert.deepEqual(await opened.storage.pass(other[0]!.pass_id.toLowerCase()), projectPass(other));
    assert.deepEqual(
      (await opened.storage.timeline(passId, 100)).map((row) => row.event),
      events.map((event) => event.event),
      'the timeline in event_at order',
    );
  });

  withStorage('two instances recording one pass’s events at once lose no projection update', async ({ storage, peer }) => {
    const second = await peer();
    try {
      const events = lifecycle([...loyaltySteps('reg-1', 'reg-2'), ...loyaltySteps('reg-3', 'reg-4').slice(2)]) as UnknownPassEvent[];
      const outcomes = await Promise.all(events.map((event, i) => record(i % 2 === 0 ? storage : second, event)));
      assert.deepEqual(
        outcomes,
        events.map(() => 'stored'),
      );
      const expected = projectPass(events);
      assert.deepEqual(await storage.pass(expected!.pass_id), expected);
      assert.equal((await second.pass(expected!.pass_id))?.event_count, events.length);
    } finally {
      await second.close();
    }
  });

  withStorage('the live stream lists every event in order from the start, and past its head only what was stored after it', async ({ storage }) => {
    const events = lifecycle(couponSteps('reg-1'), { singleUse: true }) as UnknownPassEvent[];
    const [first, ...rest] = events as [UnknownPassEvent, ...UnknownPassEvent[]];
    for (const event of rest) await record(storage, event);
    const all = await storage.events({}, { after: 0 }, 100);
    const head = await storage.streamHead();
    assert.deepEqual(
      (await storage.streamEvents([0, 0], 100)).map((row) => row.id),
      all.map((row) => row.id),
      'from the start: every event, in order',
    );
    assert.deepEqual(await storage.streamEvents(head, 100), [], 'nothing past the head');
    await record(storage, first);
    const [later] = await storage.events({}, { before: Number.MAX_SAFE_INTEGER }, 1);
    const past = await storage.streamEvents(head, 100);
    assert.deepEqual(
      past.map((row) => row.id),
      [later!.id],
      'past the head: the event stored after it',
    );
    assert.deepEqual(await storage.streamPositionOf(later!.id), past[0]!.position, "an event's stream position, as the stream lists it");
    assert.deepEqual(await storage.streamEvents(past[0]!.position, 100), [], 'nothing past the newest event');
  });

  withStorage('lists events by filter with keyset pages, passes by campaign and devices, and counts them', async ({ storage }) => {
    const coupon = lifecycle(couponSteps('reg-1'), { singleUse: true }) as UnknownPassEvent[];
    const loyalty = lifecycle(loyaltySteps('reg-2', 'reg-3'), { start: Date.UTC(2026, 2, 3, 9) }) as UnknownPassEvent[];
    for (const event of [...coupon, ...loyalty]) await record(storage, event);
    const all = await storage.events({}, { after: 0 }, 100);
    assert.equal(all.length, coupon.length + loyalty.length);
    assert.deepEqual(
      all.map((row) => row.id),
      [...all.map((row) => row.id)].sort((a, b) => a - b),
    );
    const page = await storage.events({}, { after: all[4]!.id }, 3);
    assert.deepEqual(
      page.map((row) => row.id),
      all.slice(5, 8).map((row) => row.id),
    );
    const newest = await storage.events({}, { before: all[4]!.id }, 2);
    assert.deepEqual(
      newest.map((row) => row.id),
      [all[3]!.id, all[2]!.id],
      'newest first before an id',
    );
    assert.equal((await storage.events({ event: 'redeemed' }, { after: 0 }, 100)).length, 4);
    assert.equal((await storage.events({ pass_id: coupon[0]!.pass_id.toLowerCase() }, { after: 0 }, 100)).length, coupon.length);
    assert.equal((await storage.events({ since: Date.UTC(2026, 2, 3) }, { after: 0 }, 100)).length, loyalty.length);
    assert.equal((await storage.events({ until: Date.UTC(2026, 2, 3) }, { after: 0 }, 100)).length, coupon.length);
    const couponPass = coupon[0]!.pass_id.toLowerCase();
    const loyaltyPass = loyalty[0]!.pass_id.toLowerCase();
    const listed = async (filters: PassFilters, beforeSeq = Number.MAX_SAFE_INTEGER): Promise<string[]> =>
      (await storage.passes(filters, beforeSeq, 10)).map((pass) => pass.state.pass_id);
    assert.deepEqual(await listed({ installed: true }), [loyaltyPass]);
    assert.deepEqual(await listed({ installed: false }), [couponPass]);
    assert.deepEqual(await listed({ campaign_id: coupon[0]!.campaign_id.toLowerCase() }), [couponPass]);
    const [newestPass] = await storage.passes({}, Number.MAX_SAFE_INTEGER, 1);
    assert.equal(newestPass?.state.pass_id, loyaltyPass, 'the pass first stored last comes first');
    assert.deepEqual(await listed({}, newestPass!.seq), [couponPass], 'the page before its seq');
    const stats = await storage.stats({});
    assert.equal(stats.total, coupon.length + loyalty.length);
    assert.deepEqual(
      stats.by_event.find((row) => row.event === 'redeemed'),
      { event: 'redeemed', count: 4 },
    );
    assert.deepEqual(stats.by_day, [
      { day: '2026-03-01', count: coupon.length },
      { day: '2026-03-03', count: loyalty.length },
    ]);
    assert.deepEqual((await storage.stats({ campaign_id: loyalty[0]!.campaign_id.toLowerCase() })).by_campaign, [
      { campaign_id: loyalty[0]!.campaign_id.toLowerCase(), count: loyalty.length, passes: 1 },
    ]);
  });

  withStorage(
    'a list with since or until goes in (event_at, id) order, exactly the window, page after page, ascending and newest first',
    async ({ storage }) => {
      const nine = Date.UTC(2026, 2, 1, 9);
      const x = lifecycle(couponSteps('reg-x'), { start: nine }) as UnknownPassEvent[];
      const y = lifecycle(couponSteps('reg-y'), { start: nine }) as UnknownPassEvent[]; // the same instants as x: ties broken by id
      const z = lifecycle(loyaltySteps('reg-z1', 'reg-z2'), { start: nine - 150_000 }) as UnknownPassEvent[]; // between them, 30 s off
      // Arrival order far from event_at order: y newest first, then x, then z newest first.
      for (const event of [...[...y].reverse(), ...x, ...[...z].reverse()]) await record(storage, event);
      const stored = await storage.events({}, { after: 0 }, 100);
      assert.equal(stored.length, x.length + y.length + z.length);
      const inOrder = [...stored].sort((a, b) => a.event_at_ms - b.event_at_ms || a.id - b.id);
      assert.notDeepEqual(
        inOrder.map((row) => row.id),
        stored.map((row) => row.id),
        'arrival order differs from event_at order',
      );
      const pages = async (filters: EventFilters, direction: 'after' | 'before', limit: number): Promise<number[][]> => {
        const result: number[][] = [];
        let range: EventRange = direction === 'after' ? { after: 0 } : { before: Number.MAX_SAFE_INTEGER };
        for (;;) {
          const rows = await storage.events(filters, range, limit);
          if (rows.length > 0) result.push(rows.map((row) => row.id));
          if (rows.length < limit) return result;
          const last = rows[rows.length - 1]!;
          range = direction === 'after' ? { after: last.id, at: last.event_at_ms } : { before: last.id, at: last.event_at_ms };
        }
      };
      const windows: EventFilters[] = [
        { since: nine + 2 * 60_000, until: nine + 7 * 60_000 },
        { since: nine + 2 * 60_000 },
        { until: nine + 5 * 60_000 },
        { since: nine, until: nine + 9 * 60_000, event: 'fetched' },
        { since: nine, pass_id: x[0]!.pass_id.toLowerCase() },
      ];
      for (const filters of windows) {
        const expected = inOrder
          .filter(
            (row) => (filters.since === undefined || row.event_at_ms >= filters.since) && (filters.until === undefined || row.event_at_ms < filters.until),
          )
          .filter((row) => (filters.event === undefined || row.event === filters.event) && (filters.pass_id === undefined || row.pass_id === filters.pass_id))
          .map((row) => row.id);
        assert.ok(expected.length >= 4, `${JSON.stringify(filters)} matches enough events to page`);
        const label = JSON.stringify(filters);
        const ascending = await pages(filters, 'after', 3);
        assert.deepEqual(ascending.flat(), expected, `${label} ascending`);
        assert.ok(
          ascending.every((page, i) => page.length === 3 || i === ascending.length - 1),
          `${label}: full pages of 3`,
        );
        assert.deepEqual((await pages(filters, 'before', 3)).flat(), [...expected].reverse(), `${label} newest first`);
      }
      const tie = inOrder.findIndex((row, i) => i > 0 && row.event_at_ms === inOrder[i - 1]!.event_at_ms);
      assert.ok(tie > 0, 'the window holds events at one instant');
      const [before, at] = [inOrder[tie - 1]!, inOrder[tie]!];
      assert.deepEqual(
        (await storage.events({ since: nine - HOUR }, { after: before.id, at: before.event_at_ms }, 1)).map((row) => row.id),
        [at.id],
        'a page starting between two events of one instant',
      );
    },
  );

  withStorage('stats by_hour lists the newest week of hours with events in the window, whatever the history before it', async ({ storage }) => {
    // Events every 7 hours over 12 days, in two campaigns: more than a week of hours before the newest.
    const first = Date.UTC(2026, 2, 1, 0, 20);
    const campaigns = [randomUUID(), randomUUID()];
    const events = Array.from({ length: 42 }, (_, i) => {
      const [event] = lifecycle(i % 2 === 0 ? couponSteps() : loyaltySteps()) as [UnknownPassEvent];
      return { ...event, campaign_id: campaigns[i % 3 === 0 ? 0 : 1]!, event_at: new Date(first + i * 7 * HOUR).toISOString() };
    });
    for (const event of events) await record(storage, event);
    const rows = await storage.events({}, { after: 0 }, 100);
    const campaign = campaigns[0]!;
    const windows = [{}, { campaign_id: campaign }, { until: first + 200 * HOUR + 30 * 60_000 }, { since: first + 3 * HOUR, until: first + 250 * HOUR }];
    for (const window of windows) {
      const matching = rows.filter(inWindow(window));
      const hourOf = (ms: number): number => ms - (ms % HOUR);
      const newest = Math.max(...matching.map((row) => hourOf(row.event_at_ms)));
      const expected = matching
        .filter((row) => hourOf(row.event_at_ms) > newest - 168 * HOUR)
        .map((row) => ({ hour: new Date(hourOf(row.event_at_ms)).toISOString(), event: row.event, count: 1 }));
      assert.ok(expected.length > 0 && expected.length < matching.length, `${JSON.stringify(window)}: the week holds some of the window's events, not all`);
      assert.deepEqual((await storage.stats(window)).by_hour, expected, JSON.stringify(window));
    }
  });

  withStorage(
    'stats read the daily and hourly summaries: exact for windows starting or ending inside a day or an hour, by hour, duplicates and rejections over time, kept by retention',
    async ({ storage }) => {
      const start = Date.UTC(2026, 2, 1, 22, 10);
      const at = (events: UnknownPassEvent[], offset: number, stepMinutes: number): UnknownPassEvent[] =>
        events.map((event, i) => ({ ...event, event_at: new Date(start + offset + i * stepMinutes * 60_000).toISOString() }));
      const loyalty = at(lifecycle(loyaltySteps('reg-1', 'reg-2')) as UnknownPassEvent[], 0, 17);
      const coupon = at(lifecycle(couponSteps('reg-3')) as UnknownPassEvent[], 5 * 60_000, 23);
      for (const event of loyalty) await record(storage, event, 1_000);
      for (const event of coupon) await record(storage, event, 5_000);
      const rows = await storage.events({}, { after: 0 }, 100);
      const count = <K extends string>(list: typeof rows, key: (row: (typeof rows)[number]) => K) => {
        const counts = new Map<K, number>();
        for (const row of list) counts.set(key(row), (counts.get(key(row)) ?? 0) + 1);
        return [...counts].sort(([a], [b]) => (a < b ? -1 : 1));
      };
      const minute = 60_000;
      const windows = [
        {},
        { since: start + 30 * minute },
        { until: start + 95 * minute },
        { since: start + 30 * minute, until: start + 95 * minute },
        { since: start + 61 * minute, until: start + 65 * minute },
        { since: Date.UTC(2026, 2, 1, 23), until: Date.UTC(2026, 2, 2, 1) },
        { since: start + 200 * minute, until: start + 100 * minute },
        { campaign_id: coupon[0]!.campaign_id.toLowerCase(), since: start + 12 * minute },
        // Whole days (from the daily counts) with hours and partial hours at either end.
        { since: Date.UTC(2026, 2, 1, 5, 30), until: Date.UTC(2026, 2, 3, 2, 15) },
        { since: Date.UTC(2026, 2, 2) },
        { until: Date.UTC(2026, 2, 2, 0, 30) },
        { campaign_id: loyalty[0]!.campaign_id.toLowerCase(), since: Date.UTC(2026, 2, 1), until: Date.UTC(2026, 2, 3) },
      ];
      for (const window of windows) {
        const matching = rows.filter(inWindow(window));
        const stats = await storage.stats(window);
        const label = JSON.stringify(window);
        assert.equal(stats.total, matching.length, label);
        assert.deepEqual(
          stats.by_event,
          count(matching, (row) => row.event).map(([event, n]) => ({ event, count: n })),
          label,
        );
        assert.deepEqual(
          stats.by_day,
          count(matching, (row) => row.event_at.slice(0, 10)).map(([day, n]) => ({ day, count: n })),
          label,
        );
        assert.deepEqual(
          stats.by_hour,
          count(matching, (row) => `${row.event_at.slice(0, 13)}:00:00.000Z ${row.event}`).map(([key, n]) => ({
            hour: key.split(' ')[0],
            event: key.split(' ')[1],
            count: n,
          })),
          label,
        );
        assert.deepEqual(
          stats.by_campaign.map(({ campaign_id, count: n }) => [campaign_id, n]),
          count(matching, (row) => row.campaign_id),
          label,
        );
      }
      assert.deepEqual(
        (await storage.stats({})).by_campaign.map((row) => row.passes),
        [1, 1],
        'each campaign’s stored passes',
      );

      const tenOClock = Date.UTC(2026, 2, 2, 10);
      await storage.countDuplicate(keyOf(loyalty[0]!), tenOClock + 5 * minute);
      await storage.countDuplicate(keyOf(loyalty[0]!), tenOClock + 59 * minute);
      await storage.countDuplicate(keyOf(coupon[1]!), tenOClock + 61 * minute);
      await storage.recordRejection({
        receivedAt: tenOClock + minute,
        status: 401,
        code: 'unauthorized',
        event: undefined,
        clientAddress: undefined,
        requestId: 'r1',
        body: undefined,
      });
      await storage.recordRejection({
        receivedAt: tenOClock + 2 * minute,
        status: 422,
        code: 'invalid_event',
        event: undefined,
        clientAddress: undefined,
        requestId: 'r2',
        body: undefined,
      });
      const stats = await storage.stats({});
      assert.deepEqual(stats.duplicates, {
        total: 3,
        by_day: [{ day: '2026-03-02', count: 3 }],
        by_hour: [
          { hour: '2026-03-02T10:00:00.000Z', count: 2 },
          { hour: '2026-03-02T11:00:00.000Z', count: 1 },
        ],
      });
      assert.equal((await storage.stats({ campaign_id: coupon[0]!.campaign_id.toLowerCase() })).duplicates.total, 1, 'duplicates by campaign');
      assert.equal((await storage.stats({ since: tenOClock + 30 * minute })).duplicates.total, 3, 'every hour the window overlaps');
      assert.deepEqual(stats.rejections, { total: 2, by_day: [{ day: '2026-03-02', count: 2 }], by_hour: [{ hour: '2026-03-02T10:00:00.000Z', count: 2 }] });

      // Retention: a deleted pass's events leave the counts in the same transaction; old hours of duplicates and rejections go.
      assert.equal((await storage.pruneStalePasses(2_000, 10, NOTHING_QUEUED)).events, loyalty.length);
      const kept = await storage.stats({});
      assert.equal(kept.total, coupon.length);
      assert.deepEqual(
        kept.by_campaign.map((row) => row.campaign_id),
        [coupon[0]!.campaign_id.toLowerCase()],
      );
      assert.equal(await storage.pruneCounts(tenOClock + HOUR), 3, 'the 10:00 hour: one row of duplicates, one of rejections per code');
      assert.deepEqual((await storage.stats({})).duplicates.by_hour, [{ hour: '2026-03-02T11:00:00.000Z', count: 1 }]);
      assert.equal((await storage.stats({})).rejections.total, 0);
    },
  );

  withStorage(
    'stats count each campaign’s stored passes exactly: new passes from two instances, more events of a pass, a pass changing campaign, retention',
    async ({ storage, peer }) => {
      const campaignA = 'aaaaaaaa-0000-4000-8000-000000000000';
      const campaignB = 'bbbbbbbb-0000-4000-8000-000000000000';
      const created = (campaign: string, start: number): UnknownPassEvent => ({
        ...(lifecycle([{ event: 'created' }], { start })[0] as UnknownPassEvent),
        campaign_id: campaign,
      });
      const later = (event: UnknownPassEvent, campaign: string, minutes: number): UnknownPassEvent => ({
        ...event,
        event: 'fetched',
        campaign_id: campaign,
        event_at: new Date(Date.parse(event.event_at) + minutes * 60_000).toISOString(),
      });
      const passesOf = async (): Promise<Record<string, number>> =>
        Object.fromEntries((await storage.stats({})).by_campaign.map((row) => [row.campaign_id, row.passes]));
      const a = [1, 2, 3].map((i) => created(campaignA, Date.UTC(2026, 2, 1, i)));
      const b = [1, 2].map((i) => created(campaignB, Date.UTC(2026, 2, 2, i)));
      const second = await peer();
      try {
        // Two instances at once (on PostgreSQL: two connections, so most likely two stripes of the counts).
        assert.deepEqual(
          await Promise.all([...a.map((event) => record(storage, event, 1_000)), ...b.map((event) => record(second, event, 5_000))]),
          [...a, ...b].map(() => 'stored'),
        );
      } finally {
        await second.close();
      }
      assert.deepEqual(await passesOf(), { [campaignA]: 3, [campaignB]: 2 });
      await record(storage, later(a[0]!, campaignA, 5), 1_000);
      assert.deepEqual(await passesOf(), { [campaignA]: 3, [campaignB]: 2 }, 'another event of a stored pass adds no pass');
      await record(storage, later(a[2]!, campaignB, 5), 5_000);
      assert.deepEqual(await passesOf(), { [campaignA]: 2, [campaignB]: 3 }, 'a pass whose newest event names another campaign moves to it');
      assert.deepEqual((await storage.stats({ campaign_id: campaignB })).by_campaign, [{ campaign_id: campaignB, count: 3, passes: 3 }]);
      assert.deepEqual(await storage.pruneStalePasses(2_000, 10, NOTHING_QUEUED), { passes: 2, events: 3, gone: 0, last: true });
      // The moved pass's first event still names campaign A: A keeps that event and no pass.
      assert.deepEqual(await passesOf(), { [campaignA]: 0, [campaignB]: 3 }, 'retention takes its passes off their campaign');
      await record(storage, created(campaignA, Date.UTC(2026, 2, 4)), 6_000);
      assert.deepEqual(await passesOf(), { [campaignA]: 1, [campaignB]: 3 }, 'counted from zero again');
      assert.equal((await storage.passes({ campaign_id: campaignB }, Number.MAX_SAFE_INTEGER, 100)).length, 3);
    },
  );

  withStorage(
    'rejections are listed newest first with filters, and capped',
    async ({ storage }) => {
      for (let i = 0; i < 25; i++) {
        await storage.recordRejection({
          receivedAt: 1_000 + i,
          status: i % 2 === 0 ? 401 : 422,
          code: i % 2 === 0 ? 'unauthorized' : 'invalid_event',
          event: undefined,
          clientAddress: '127.0.0.1',
          requestId: `r${i}`,
          body: Buffer.from(`{"n":${i}}`),
        });
      }
      const newest = await storage.rejections({}, Number.MAX_SAFE_INTEGER, 100);
      assert.ok(newest.length >= 20 && newest.length < 25, `capped near 20, kept ${newest.length}`);
      assert.equal(newest[0]?.request_id, 'r24');
      assert.equal(newest[0]?.body_prefix, '{"n":24}');
      assert.equal(newest[0]?.received_at, 1_024);
      assert.ok((await storage.rejections({ status: 401 }, Number.MAX_SAFE_INTEGER, 100)).every((row) => row.code === 'unauthorized'));
      assert.deepEqual(
        (await storage.rejections({ since: 1_023 }, Number.MAX_SAFE_INTEGER, 100)).map((row) => row.request_id),
        ['r24', 'r23'],
      );
    },
    { maxRejections: 20 },
  );

  withStorage(
    'a rejection keeps the message it answered, at most 20 issues and the event named; lists filter by code and event; counts without rows add to the stats',
    async ({ storage }) => {
      const at = Date.UTC(2026, 2, 2, 10, 5);
      const issues = Array.from({ length: 25 }, (_, i) => ({ path: `$.event_extra.f${i}`, message: `expected a string \u0000${i}` }));
      const common = { receivedAt: at, clientAddress: '127.0.0.1', body: Buffer.from('{"event":"fetched"}') };
      await storage.recordRejection({
        ...common,
        status: 422,
        code: 'invalid_event',
        event: 'fetched',
        requestId: 'r1',
        message: 'the body is not a valid pass event',
        issues,
      });
      await storage.recordRejection({
        ...common,
        status: 401,
        code: 'unauthorized',
        event: undefined,
        requestId: 'r2',
        message: 'missing or unknown API key',
        body: undefined,
      });
      await storage.recordRejection({ ...common, status: 422, code: 'legacy_payload', event: 'redeemed', requestId: 'r3', message: 'the 2016 document' });
      const [legacy, unauthorized, invalid] = await storage.rejections({}, Number.MAX_SAFE_INTEGER, 10);
      assert.equal(invalid?.message, 'the body is not a valid pass event');
      assert.equal(invalid?.event, 'fetched');
      assert.equal(invalid?.issues?.length, 20, 'at most 20 issues kept');
      // Kept as JSON text, where U+0000 is written as an escape: both databases give it back exact.
      assert.deepEqual(invalid?.issues?.[19], { path: '$.event_extra.f19', message: 'expected a string \u000019' });
      assert.deepEqual([unauthorized?.message, unauthorized?.issues, unauthorized?.event], ['missing or unknown API key', null, null]);
      assert.equal(legacy?.issues, null);
      assert.deepEqual(
        (await storage.rejections({ code: 'invalid_event' }, Number.MAX_SAFE_INTEGER, 10)).map((row) => row.request_id),
        ['r1'],
      );
      assert.deepEqual(
        (await storage.rejections({ event: 'redeemed' }, Number.MAX_SAFE_INTEGER, 10)).map((row) => row.request_id),
        ['r3'],
      );
      assert.deepEqual(
        (await storage.rejections({ event: 'fetched', code: 'unauthorized' }, Number.MAX_SAFE_INTEGER, 10)).map((row) => row.request_id),
        [],
      );
      // Rejections past the row budget are counted only: one statement per batch, summed with the rows' counts.
      await storage.countRejections([
        { hour: at - 5 * 60_000, code: 'unauthorized', count: 40 },
        { hour: at - 5 * 60_000 - HOUR, code: 'unauthorized', count: 2 },
      ]);
      await storage.countRejections([{ hour: at - 5 * 60_000, code: 'unauthorized', count: 7 }]);
      const { rejections } = await storage.stats({});
      assert.equal(rejections.total, 3 + 40 + 2 + 7);
      assert.deepEqual(rejections.by_hour, [
        { hour: '2026-03-02T09:00:00.000Z', count: 2 },
        { hour: '2026-03-02T10:00:00.000Z', count: 3 + 40 + 7 },
      ]);
      assert.equal((await storage.rejections({}, Number.MAX_SAFE_INTEGER, 100)).length, 3, 'no rows for the counted ones');
    },
  );

  withStorage('retention: a pruned event received within the store’s TTL stays a duplicate; an older one is new again', async ({ storage }) => {
    // The event rows are the done marks: retention leaves a mark of the store's for the keys received within its TTL.
    const day = 86_400_000;
    const [recent, old] = [lifecycle(couponSteps('reg-1')).slice(0, 1), lifecycle(couponSteps('reg-2')).slice(0, 1)] as [
      UnknownPassEvent[],
      UnknownPassEvent[],
    ];
    await record(storage, recent[0]!, Date.now() - 3 * day);
    await record(storage, old[0]!, Date.now() - 8 * day);
    assert.deepEqual(await storage.pruneStalePasses(Date.now() - 2 * day, 10, NOTHING_QUEUED), { passes: 2, events: 2, gone: 0, last: true });
    assert.deepEqual(await storage.store.claim(keyOf(recent[0]!), { leaseMs: 60_000 }), { status: 'done' }, 'received 3 days ago: still a duplicate');
    assert.equal((await storage.store.claim(keyOf(old[0]!), { leaseMs: 60_000 })).status, 'claimed', 'received 8 days ago: past the 7-day TTL');
  });

  withStorage('retention deletes stale passes with their events, and old rejections, in chunks', async ({ storage }) => {
    const old = lifecycle(couponSteps('reg-1')) as UnknownPassEvent[];
    const fresh = lifecycle(couponSteps('reg-2')) as UnknownPassEvent[];
    for (const event of old) await record(storage, event, 1_000);
    for (const event of fresh) await record(storage, event, 5_000);
    await storage.recordRejection({
      receivedAt: 1_000,
      status: 401,
      code: 'unauthorized',
      event: undefined,
      clientAddress: undefined,
      requestId: 'old',
      body: undefined,
    });
    await storage.recordRejection({
      receivedAt: 5_000,
      status: 401,
      code: 'unauthorized',
      event: undefined,
      clientAddress: undefined,
      requestId: 'new',
      body: undefined,
    });
    assert.deepEqual(await storage.pruneStalePasses(2_000, 10, NOTHING_QUEUED), { passes: 1, events: old.length, gone: 0, last: true });
    assert.equal(await storage.pass(old[0]!.pass_id.toLowerCase()), undefined);
    assert.equal((await storage.events({}, { after: 0 }, 100)).length, fresh.length);
    assert.equal(await storage.pruneRejections(2_000, 10), 1);
    assert.deepEqual(
      (await storage.rejections({}, Number.MAX_SAFE_INTEGER, 10)).map((row) => row.request_id),
      ['new'],
    );
    await storage.ping();
  });
}
