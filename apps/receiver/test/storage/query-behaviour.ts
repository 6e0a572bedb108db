import assert from 'node:assert/strict';
import request from 'supertest';
import { silentLogger, type UnknownPassEvent } from '@passworks-webhooks/core';
import type { EventFilters, EventRange, ListedPass, PostgresStorage, SqliteStorage, Storage, StoredEvent } from '@passworks-webhooks/receiver';
import { createApi } from '../../src/api/create-api.js';
import { createEventStream } from '../../src/api/create-event-stream.js';
import { createSessions } from '../../src/api/create-sessions.js';
import { createMetrics } from '../../src/ops/create-metrics.js';
import { couponSteps, lifecycle, loyaltySteps } from '../helpers.js';
import type { StorageBehaviourOptions } from './storage-behaviour.js';

const ADMIN_TOKEN = 'query-behaviour-admin-token';
const keyOf = (event: UnknownPassEvent): string => `${event.pass_id.toLowerCase()}:${event.event}:${event.event_at}`;
const ids = (rows: ReadonlyArray<{ readonly id: number }>): number[] => rows.map((row) => row.id);
/** The leases' clock of a storage that keeps one (PostgreSQL), on the test's: it follows each claim's `now`. */
const clock = { now: 0 };

/** Runs `sql` on the storage's own database connection (test set-up and fault injection only). */
async function exec(storage: Storage, sql: string): Promise<void> {
  if (storage.kind === 'sqlite') (storage as SqliteStorage).db.exec(sql);
  else await (storage as PostgresStorage).pool.query(sql);
}

/** Whether a stored event matches the event filters (what each filter's SQL must select). */
const matches =
  (filters: EventFilters & { readonly event_id?: number }) =>
  (row: StoredEvent): boolean =>
    (filters.event === undefined || row.event === filters.event) &&
    (filters.pass_id === undefined || row.pass_id === filters.pass_id) &&
    (filters.campaign_id === undefined || row.campaign_id === filters.campaign_id) &&
    (filters.since === undefined || row.event_at_ms >= filters.since) &&
    (filters.until === undefined || row.event_at_ms < filters.until) &&
    (filters.event_id === undefined || row.id === filters.event_id) &&
    (filters.forwarding === undefined || (row.forwarding?.state ?? 'none') === filters.forwarding);

/** The list's order: by id, or with `since`/`until` by (`event_at_ms`, id). */
const inListOrder = (filters: EventFilters, rows: readonly StoredEvent[]): StoredEvent[] =>
  filters.since === undefined && filters.until === undefined
    ? [...rows].sort((a, b) => a.id - b.id)
    : [...rows].sort((a, b) => a.event_at_ms - b.event_at_ms || a.id - b.id);

/** Every page of `limit` events from the start (ascending) or the end (descending), each page starting where the last one ended. */
async function pagedIds(storage: Storage, filters: EventFilters, direction: 'after' | 'before', limit: number): Promise<number[]> {
  const seen: number[] = [];
  const byPlace = filters.since !== undefined || filters.until !== undefined;
  let range: EventRange = direction === 'after' ? { after: 0 } : { before: Number.MAX_SAFE_INTEGER };
  for (;;) {
    const page = await storage.events(filters, range, limit);
    seen.push(...ids(page));
    const last = page.at(-1);
    if (page.length < limit || last === undefined) return seen;
    const at = byPlace ? last.event_at_ms : undefined;
    range = direction === 'after' ? { after: last.id, at } : { before: last.id, at };
  }
}

/**
 * The queries of the storages' one placeholder-neutral builder (event
 * filters, keyset pages both ways, replay matching, outbox claims, passes and
 * rejections), a rejection's bytes read, and a failing database read: one list
 * of behaviours run against every storage, so each dialect's placeholders and
 * text rules are exercised by the same expectations.
 */
export function queryBehaviour({ test, open }: StorageBehaviourOptions): void {
  const withStorage = (name: string, fn: (storage: Storage) => Promise<void>, options: { readonly outbox?: boolean } = {}): void => {
    test(name, async () => {
      const { storage } = await open({ ...options, now: () => clock.now });
      try {
        await fn(storage);
      } finally {
        await storage.close();
      }
    });
  };

  /** Three passes of two campaigns, stored out of event_at order; returns every stored event by id. */
  const stock = async (storage: Storage): Promise<StoredEvent[]> => {
    const coupon = lifecycle(couponSteps()) as UnknownPassEvent[];
    const other = lifecycle(loyaltySteps(), { start: Date.UTC(2026, 2, 1, 9, 3) }) as UnknownPassEvent[];
    const third = (lifecycle(couponSteps(), { start: Date.UTC(2026, 2, 1, 9, 1) }) as UnknownPassEvent[]).map((event) => ({
      ...event,
      campaign_id: coupon[0]!.campaign_id,
    }));
    for (const event of [...coupon.slice(4), ...other, ...coupon.slice(0, 4).reverse(), ...third]) {
      assert.equal(await storage.recordEvent({ event, idempotencyKey: keyOf(event), raw: JSON.stringify(event), receivedAt: 1_000 }), 'stored');
    }
    const all = await storage.events({}, { after: 0 }, 1_000);
    assert.equal(all.length, coupon.length + other.length + third.length);
    return all;
  };

  withStorage('each event filter selects exactly its events, in the list order, and counts them', async (storage) => {
    const all = await stock(storage);
    const [first] = all;
    assert.ok(first);
    const middle = [...all].sort((a, b) => a.event_at_ms - b.event_at_ms)[Math.floor(all.length / 2)]!.event_at_ms;
    const cases: EventFilters[] = [
      {},
      { event: 'fetched' },
      { event: 'no-such-event' },
      { pass_id: first.pass_id },
      { campaign_id: first.campaign_id },
      { since: middle },
      { until: middle },
      { since: middle, until: middle + 5 * 60_000, event: 'fetched' },
      { campaign_id: first.campaign_id, since: middle },
      { forwarding: 'none' },
      { forwarding: 'pending' },
    ];
    for (const filters of cases) {
      const expected = ids(inListOrder(filters, all.filter(matches(filters))));
      assert.deepEqual(ids(await storage.events(filters, { after: 0 }, 1_000)), expected, `events ${JSON.stringify(filters)}`);
      assert.equal(await storage.countEvents(filters), expected.length, `countEvents ${JSON.stringify(filters)}`);
    }
    assert.ok((await storage.countEvents({ event: 'fetched' })) > 0, 'a filter that matches something');
  });

  withStorage('keyset pages go through every event once, ascending and newest first, by id and in event_at order', async (storage) => {
    const all = await stock(storage);
    const since = Math.min(...all.map((row) => row.event_at_ms));
    for (const filters of [{}, { campaign_id: all[0]!.campaign_id }, { since }, { since, event: 'fetched' }, { until: since + 6 * 60_000 }] as EventFilters[]) {
      const expected = ids(inListOrder(filters, all.filter(matches(filters))));
      assert.ok(expected.length > 2, `${JSON.stringify(filters)} spans several pages`);
      for (const limit of [1, 2, 5]) {
        assert.deepEqual(await pagedIds(storage, filters, 'after', limit), expected, `ascending ${JSON.stringify(filters)} by ${limit}`);
        assert.deepEqual(await pagedIds(storage, filters, 'before', limit), [...expected].reverse(), `newest first ${JSON.stringify(filters)} by ${limit}`);
      }
    }
  });

  withStorage('passes and rejections are listed by their filters with keyset pages', async (storage) => {
    const all = await stock(storage);
    const campaign = all[0]!.campaign_id;
    // Newest first: the reverse of the order of each pass's first stored event.
    const passIds = [...new Set(all.map((row) => row.pass_id))].reverse();
    const ofCampaign = [...new Set(all.filter((row) => row.campaign_id === campaign).map((row) => row.pass_id))].reverse();
    assert.ok(ofCampaign.length > 1 && ofCampaign.length < passIds.length, 'a campaign of some passes, not all');
    const passIdsOf = (passes: readonly ListedPass[]): string[] => passes.map((pass) => pass.state.pass_id);
    assert.deepEqual(passIdsOf(await storage.passes({}, Number.MAX_SAFE_INTEGER, 100)), passIds);
    assert.deepEqual(passIdsOf(await storage.passes({ campaign_id: campaign }, Number.MAX_SAFE_INTEGER, 100)), ofCampaign);
    for (const filters of [{}, { campaign_id: campaign }]) {
      const paged: string[] = [];
      for (let before = Number.MAX_SAFE_INTEGER; ;) {
        const [pass] = await storage.passes(filters, before, 1);
        if (pass === undefined) break;
        paged.push(pass.state.pass_id);
        before = pass.seq;
      }
      assert.deepEqual(paged, passIdsOf(await storage.passes(filters, Number.MAX_SAFE_INTEGER, 100)), `pages of one before a seq ${JSON.stringify(filters)}`);
    }
    const installed = (await Promise.all(passIds.map(async (id) => ((await storage.pass(id))?.installed_devices ?? 0) > 0))).map((yes, i) =>
      yes ? passIds[i] : undefined,
    );
    assert.deepEqual(
      passIdsOf(await storage.passes({ installed: true }, Number.MAX_SAFE_INTEGER, 100)),
      installed.filter((id) => id !== undefined),
    );
    assert.deepEqual(
      passIdsOf(await storage.passes({ installed: false }, Number.MAX_SAFE_INTEGER, 100)),
      passIds.filter((id) => !installed.includes(id)),
    );
    assert.ok(installed.some((id) => id !== undefined) && installed.some((id) => id === undefined), 'both kinds of pass are stored');
    const common = { clientAddress: undefined, body: undefined };
    await storage.recordRejection({ ...common, receivedAt: 10, status: 401, code: 'unauthorized', event: undefined, requestId: 'r1' });
    await storage.recordRejection({ ...common, receivedAt: 20, status: 422, code: 'invalid_event', event: 'fetched', requestId: 'r2' });
    await storage.recordRejection({ ...common, receivedAt: 30, status: 422, code: 'invalid_event', event: 'redeemed', requestId: 'r3' });
    const listed = async (filters: Parameters<Storage['rejections']>[0], beforeId = Number.MAX_SAFE_INTEGER, limit = 10): Promise<string[]> =>
      (await storage.rejections(filters, beforeId, limit)).map((row) => row.request_id ?? '');
    assert.deepEqual(await listed({}), ['r3', 'r2', 'r1']);
    assert.deepEqual(await listed({ status: 422 }), ['r3', 'r2']);
    assert.deepEqual(await listed({ code: 'unauthorized' }), ['r1']);
    assert.deepEqual(await listed({ event: 'fetched' }), ['r2']);
    assert.deepEqual(await listed({ since: 20, until: 30 }), ['r2']);
    const [newest] = await storage.rejections({}, Number.MAX_SAFE_INTEGER, 1);
    assert.deepEqual(await listed({}, newest!.id, 1), ['r2'], 'the page before a rejection id');
  });

  withStorage(
    'the outbox claim leases each pass’s first pending event in event_at order; a replay puts back exactly the events its filter matches',
    async (storage) => {
      const all = await stock(storage);
      const byPass = new Map<string, number[]>();
      for (const row of [...all].sort((a, b) => a.sort_key.localeCompare(b.sort_key) || a.id - b.id))
        byPass.set(row.pass_id, [...(byPass.get(row.pass_id) ?? []), row.id]);
      // Deliver everything, claim by claim: each claim holds the next event of each pass, in the pass's order.
      const delivered = new Map<string, number[]>();
      for (let now = 10_000; ; now += 1_000) {
        clock.now = now;
        const { items } = await storage.claimOutbox({ now, limit: 100, leaseMs: 500, token: `t${now}`, maxAttempts: 10, maxAgeMs: 86_400_000 });
        if (items.length === 0) break;
        assert.equal(new Set(items.map((item) => item.passId)).size, items.length, 'one event per pass per claim');
        for (const item of items) {
          delivered.set(item.passId, [...(delivered.get(item.passId) ?? []), item.eventId]);
          await storage.finishAttempt({
            eventId: item.eventId,
            token: `t${now}`,
            attempt: item.attempt,
            record: { startedAt: now, durationMs: 1, status: 204, outcome: 'succeeded', excerpt: '' },
            next: { state: 'delivered' },
          });
        }
      }
      assert.deepEqual(delivered, byPass, 'every event delivered once, each pass in its order');
      const campaign = all[0]!.campaign_id;
      const cases = [
        { status: 'all', campaign_id: campaign },
        { status: 'all', event: 'fetched', since: all[3]!.event_at_ms },
        { status: 'all', event_id: all[2]!.id },
        { status: 'failed' },
      ] as const;
      let now = 100_000;
      for (const filter of cases) {
        const expected = ids(all.filter(matches({ ...filter, ...(filter.status === 'failed' ? { forwarding: 'failed' as const } : {}) }))).sort(
          (a, b) => a - b,
        );
        const replay = await storage.createReplay({ filter, ratePerSecond: 1_000, now: ++now });
        assert.equal(replay.matched, expected.length, `matched ${JSON.stringify(filter)}`);
        let queued = 0;
        for (let step = await storage.queueReplayed(++now, 2); step > 0; step = await storage.queueReplayed(++now, 2)) queued += step;
        assert.equal(queued, expected.length, `queued ${JSON.stringify(filter)}`);
        const requeued = (await storage.events({ forwarding: 'pending' }, { after: 0 }, 1_000)).filter((row) => row.forwarding?.replay_id === replay.id);
        assert.deepEqual(ids(requeued), expected, `the replay's events ${JSON.stringify(filter)}`);
        // Settle them again, so the next replay starts from delivered events.
        for (;;) {
          clock.now = ++now;
          const { items } = await storage.claimOutbox({ now, limit: 100, leaseMs: 500, token: `r${now}`, maxAttempts: 100, maxAgeMs: 86_400_000 });
          if (items.length === 0) break;
          for (const item of items)
            await storage.finishAttempt({
              eventId: item.eventId,
              token: `r${now}`,
              attempt: item.attempt,
              record: { startedAt: now, durationMs: 1, status: 204, outcome: 'succeeded', excerpt: '' },
              next: { state: 'delivered' },
            });
        }
      }
    },
    { outbox: true },
  );

  withStorage('a rejection keeps how many body bytes were read, past the prefix it stores', async (storage) => {
    const body = Buffer.from('{"event":"fetched","pass_id":');
    await storage.recordRejection({
      receivedAt: 1_000,
      status: 413,
      code: 'body_too_large',
      event: undefined,
      clientAddress: '192.0.2.1',
      requestId: 'r-big',
      body,
      bytesRead: 204_800,
    });
    await storage.recordRejection({
      receivedAt: 2_000,
      status: 400,
      code: 'invalid_json',
      event: undefined,
      clientAddress: undefined,
      requestId: 'r-small',
      body,
    });
    const [small, big] = await storage.rejections({}, Number.MAX_SAFE_INTEGER, 10);
    assert.equal(big?.body_bytes, 204_800, 'bytesRead, not the prefix');
    assert.equal(big?.body_prefix, body.toString('utf8'));
    assert.equal(small?.body_bytes, body.byteLength, 'without bytesRead: the body held');
  });

  withStorage(
    'a failed database read answers 503 store_unavailable with Retry-After through the API, and the read works again once the fault clears',
    async (storage) => {
      await stock(storage);
      const logger = silentLogger;
      const api = createApi({
        storage,
        adminToken: ADMIN_TOKEN,
        secrets: [ADMIN_TOKEN],
        metrics: createMetrics(() => storage.sizeBytes()),
        logger,
        sessions: createSessions({ adminToken: ADMIN_TOKEN, storage, logger, now: () => 0 }),
        stream: createEventStream(storage, logger),
      });
      const get = (path: string) => request(api).get(path).set('authorization', `Bearer ${ADMIN_TOKEN}`);
      assert.equal((await get('/api/events')).status, 200);
      await exec(storage, 'ALTER TABLE events RENAME TO events_away');
      try {
        await assert.rejects(storage.events({}, { after: 0 }, 10), { code: 'store_unavailable' });
        for (const path of ['/api/events', '/api/events/1']) {
          const failed = await get(path);
          assert.equal(failed.status, 503, `${path}: ${JSON.stringify(failed.body)}`);
          assert.equal(failed.headers['retry-after'], '5', path);
          assert.equal(failed.body.error.code, 'store_unavailable', path);
        }
      } finally {
        await exec(storage, 'ALTER TABLE events_away RENAME TO events');
      }
      assert.equal((await get('/api/events')).status, 200);
    },
  );
}
