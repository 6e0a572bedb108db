import assert from 'node:assert/strict';
import type { UnknownPassEvent } from '@passworks-webhooks/core';
import type { FinishedAttempt, Storage } from '@passworks-webhooks/receiver';
import { couponSteps, lifecycle } from '../helpers.js';
import type { StorageBehaviourOptions } from './storage-behaviour.js';

const keyOf = (event: UnknownPassEvent): string => `${event.pass_id.toLowerCase()}:${event.event}:${event.event_at}`;
const record = (storage: Storage, event: UnknownPassEvent, receivedAt = 1_000): Promise<string> =>
  storage.recordEvent({ event, idempotencyKey: keyOf(event), raw: JSON.stringify(event), receivedAt });
/** The storages' own clock (PostgreSQL's leases): it follows the `now` of each claim, so leases run out on the test's clock. */
const clock = { now: 0 };
const limits = { maxAttempts: 100, maxAgeMs: 86_400_000 };
const claimed = (storage: Storage, now: number, token = 'token-a', limit = 10, { maxAttempts, maxAgeMs } = limits) => {
  clock.now = now;
  return storage.claimOutbox({ now, limit, leaseMs: 1_000, token, maxAttempts, maxAgeMs });
};
const claim = async (storage: Storage, now: number, token = 'token-a', limit = 10) => (await claimed(storage, now, token, limit)).items;
const finish = (eventId: number, attempt: number, next: FinishedAttempt['next'], token = 'token-a', status: number | null = 204): FinishedAttempt => ({
  eventId,
  token,
  attempt,
  record: { startedAt: 2_000, durationMs: 3, status, outcome: status !== null && status < 300 ? 'succeeded' : 'http_error', excerpt: 'body' },
  next,
});

/**
 * The outbox contract (forwarding and replay), run against every storage
 * opened with `outbox: true`: claim order and exclusivity, retries, leases,
 * dead letters and replays. Assertions use `node:assert`.
 */
export function forwardBehaviour({ test, open }: StorageBehaviourOptions): void {
  const withStorage = (name: string, fn: (storage: Storage, peer: () => Storage | Promise<Storage>) => Promise<void>, outbox = true): void => {
    test(name, async () => {
      const opened = await open({ outbox, now: () => clock.now });
      try {
        await fn(opened.storage, opened.peer);
      } finally {
        await opened.storage.close();
      }
    });
  };

  withStorage('a stored event is queued in its own transaction; a duplicate is not queued again', async (storage) => {
    const [event] = lifecycle([{ event: 'created' }]) as [UnknownPassEvent];
    assert.equal(await record(storage, event), 'stored');
    assert.equal(await record(storage, event), 'duplicate');
    const [row] = await storage.events({}, { after: 0 }, 10);
    assert.ok(row);
    assert.deepEqual(await storage.outboxOf(row.id), {
      state: 'pending',
      attempts: 0,
      queued_at: 1_000,
      next_attempt_at: 1_000,
      finished_at: null,
      replay_id: null,
    });
    assert.deepEqual(await storage.forwardStats(), { pending: 1, delivered: 0, failed: 0, cancelled: 0, oldest_pending_queued_at: 1_000 });
  });

  withStorage('event reads carry the outbox state, one and in lists (ascending and newest first); null when never queued', async (storage) => {
    const events = lifecycle(couponSteps()).slice(0, 2) as UnknownPassEvent[];
    for (const event of events) await record(storage, event);
    const [first, second] = await storage.events({}, { after: 0 }, 10);
    assert.ok(first && second);
    const queued = { state: 'pending', attempts: 0, queued_at: 1_000, next_attempt_at: 1_000, finished_at: null, replay_id: null };
    assert.deepEqual([first.forwarding, second.forwarding], [queued, queued]);
    const [item] = await claim(storage, 5_000);
    assert.equal(item?.eventId, first.id);
    await storage.finishAttempt(finish(first.id, 1, { state: 'pending', retryAt: 9_000 }, 'token-a', 503));
    const retrying = { ...queued, attempts: 1, next_attempt_at: 9_000 };
    assert.deepEqual((await storage.event(first.id))?.forwarding, retrying);
    const [again] = await claim(storage, 9_000);
    await storage.finishAttempt(finish(again!.eventId, 2, { state: 'delivered' }));
    const delivered = { ...queued, state: 'delivered', attempts: 2, next_attempt_at: 0, finished_at: 2_003 };
    assert.deepEqual((await storage.event(first.id))?.forwarding, delivered);
    assert.deepEqual(
      (await storage.events({}, { before: Number.MAX_SAFE_INTEGER }, 10)).map((row) => [row.id, row.forwarding]),
      [
        [second.id, queued],
        [first.id, delivered],
      ],
    );
    assert.deepEqual(await storage.outboxOf(first.id), delivered, 'the same state as the deliveries route shows');
    const filtered = await storage.events({ event: events[1]!.event }, { after: 0 }, 10);
    assert.deepEqual(
      filtered.map((row) => [row.id, row.forwarding?.state]),
      [[second.id, 'pending']],
      'filters apply to the events, not the join',
    );
  });

  withStorage(
    'an event stored without forwarding reads with forwarding null',
    async (storage) => {
      const [event] = lifecycle([{ event: 'created' }]) as [UnknownPassEvent];
      await record(storage, event);
      const [row] = await storage.events({}, { after: 0 }, 10);
      assert.ok(row);
      assert.equal(row.forwarding, null);
      assert.equal((await storage.event(row.id))?.forwarding, null);
      assert.equal(await storage.outboxOf(row.id), undefined);
    },
    false,
  );

  withStorage(
    'without forwarding nothing is queued',
    async (storage) => {
      const [event] = lifecycle([{ event: 'created' }]) as [UnknownPassEvent];
      await record(storage, event);
      assert.deepEqual(await claim(storage, 5_000), []);
      assert.equal((await storage.forwardStats()).pending, 0);
    },
    false,
  );

  withStorage('claims one event per pass, in event_at order, and none of a pass while one is leased', async (storage) => {
    const first = lifecycle(couponSteps()).slice(0, 3) as UnknownPassEvent[];
    const second = lifecycle(couponSteps()).slice(0, 2) as UnknownPassEvent[];
    for (const event of [...first].reverse()) await record(storage, event);
    for (const event of second) await record(storage, event);
    const byKey = new Map((await storage.events({}, { after: 0 }, 100)).map((row) => [row.idempotency_key, row.id]));
    const idOf = (event: UnknownPassEvent): number => byKey.get(keyOf(event)) as number;

    const claimed = await claim(storage, 5_000);
    assert.deepEqual(
      claimed.map((item) => item.eventId).sort((a, b) => a - b),
      [idOf(first[0]!), idOf(second[0]!)].sort((a, b) => a - b),
    );
    assert.equal(claimed.find((item) => item.eventId === idOf(first[0]!))?.raw?.toString('utf8'), JSON.stringify(first[0]));
    assert.deepEqual(
      claimed.map((item) => item.attempt),
      [1, 1],
    );
    assert.deepEqual(await claim(storage, 5_001, 'token-b'), [], 'nothing while each pass has one leased');

    await storage.finishAttempt(finish(idOf(first[0]!), 1, { state: 'delivered' }));
    assert.deepEqual(
      (await claim(storage, 5_002, 'token-b')).map((item) => item.eventId),
      [idOf(first[1]!)],
      "the pass's next event, not the third",
    );
    assert.equal((await storage.outboxOf(idOf(first[0]!)))?.state, 'delivered');
  });

  withStorage('a retry waits for its time and keeps the pass behind it; every attempt is listed', async (storage) => {
    const events = lifecycle(couponSteps()).slice(0, 2) as UnknownPassEvent[];
    for (const event of events) await record(storage, event);
    const [item] = await claim(storage, 5_000);
    assert.ok(item);
    await storage.finishAttempt(finish(item.eventId, 1, { state: 'pending', retryAt: 9_000 }, 'token-a', 503));
    assert.deepEqual(await claim(storage, 8_999), [], 'not before retryAt, and not the next event of the pass');
    const [again] = await claim(storage, 9_000);
    assert.equal(again?.eventId, item.eventId);
    assert.equal(again?.attempt, 2);
    await storage.finishAttempt(finish(item.eventId, 2, { state: 'delivered' }));
    const attempts = await storage.deliveries(item.eventId, 10);
    assert.deepEqual(
      attempts.map((row) => [row.attempt, row.status, row.outcome, row.response_excerpt]),
      [
        [1, 503, 'http_error', 'body'],
        [2, 204, 'succeeded', 'body'],
      ],
    );
  });

  withStorage('a lease that ran out is claimed again (a crashed forwarder); its late finish changes nothing', async (storage) => {
    const [event] = lifecycle([{ event: 'created' }]) as [UnknownPassEvent];
    await record(storage, event);
    const [item] = await claim(storage, 5_000, 'crashed');
    assert.ok(item);
    assert.deepEqual(await claim(storage, 5_999, 'token-b'), []);
    const [taken] = await claim(storage, 6_001, 'token-b');
    assert.equal(taken?.eventId, item.eventId);
    await storage.finishAttempt(finish(item.eventId, 1, { state: 'failed' }, 'crashed', 500));
    assert.equal((await storage.outboxOf(item.eventId))?.state, 'pending', 'the stale token moved nothing');
    assert.equal((await storage.deliveries(item.eventId, 10)).length, 1, 'but its attempt is on record');
  });

  withStorage('a claim dead-letters an event whose attempts were all leased and never recorded, and hands out the next event of its pass', async (storage) => {
    const events = lifecycle(couponSteps()).slice(0, 2) as UnknownPassEvent[];
    for (const event of events) await record(storage, event);
    const [first, second] = await storage.events({}, { after: 0 }, 10);
    const twice = { maxAttempts: 2, maxAgeMs: 86_400_000 };
    // Each attempt is sent and its record fails (the lease runs out unrecorded): the lease still counts it.
    assert.deepEqual(
      (await claimed(storage, 5_000, 'a', 10, twice)).items.map((item) => [item.eventId, item.attempt]),
      [[first!.id, 1]],
    );
    assert.deepEqual(
      (await claimed(storage, 6_001, 'a', 10, twice)).items.map((item) => [item.eventId, item.attempt]),
      [[first!.id, 2]],
    );
    const third = await claimed(storage, 7_002, 'a', 10, twice);
    assert.deepEqual(third.deadLettered, [{ eventId: first!.id, attempts: 2, reason: 'attempts' }], 'not leased a third time');
    assert.deepEqual(
      third.items.map((item) => [item.eventId, item.attempt]),
      [[second!.id, 1]],
      'the pass goes on in the same claim',
    );
    assert.deepEqual(await storage.outboxOf(first!.id), {
      state: 'failed',
      attempts: 2,
      queued_at: 1_000,
      next_attempt_at: 1_000,
      finished_at: 7_002,
      replay_id: null,
    });
    assert.deepEqual(await claimed(storage, 7_500, 'a', 10, twice), { items: [], deadLettered: [] }, 'dead-lettered once (and the next event leased)');
    assert.equal((await storage.forwardStats()).failed, 1);
  });

  withStorage('a claim dead-letters an attempted event past its maximum age, but an event never attempted still gets its attempt', async (storage) => {
    const [attempted, waiting] = [lifecycle([{ event: 'created' }])[0], lifecycle([{ event: 'created' }])[0]] as UnknownPassEvent[];
    await record(storage, attempted!);
    await record(storage, waiting!);
    const [a, b] = await storage.events({}, { after: 0 }, 10);
    const young = { maxAttempts: 100, maxAgeMs: 10_000 };
    assert.deepEqual(
      (await claimed(storage, 5_000, 'a', 1, young)).items.map((item) => item.eventId),
      [a!.id],
    );
    const later = await claimed(storage, 11_000, 'a', 10, young);
    assert.deepEqual(later.deadLettered, [{ eventId: a!.id, attempts: 1, reason: 'age' }]);
    assert.deepEqual(
      later.items.map((item) => [item.eventId, item.attempt]),
      [[b!.id, 1]],
    );
  });

  withStorage('two instances claiming at once never take one event, nor two of one pass', async (storage, peer) => {
    const other = await peer();
    try {
      const passes = [lifecycle(couponSteps()), lifecycle(couponSteps()), lifecycle(couponSteps())].map((events) => events.slice(0, 3) as UnknownPassEvent[]);
      for (const events of passes) for (const event of events) await record(storage, event);
      const [a, b] = await Promise.all([claim(storage, 5_000, 'a'), claim(other, 5_000, 'b')]);
      const all = [...a!, ...b!];
      assert.equal(all.length, 3);
      assert.equal(new Set(all.map((item) => item.passId)).size, 3);
    } finally {
      await other.close();
    }
  });

  withStorage('a replay of failed events queues them again with their ids, paced, and counts the outcome', async (storage) => {
    const events = [lifecycle([{ event: 'created' }])[0], lifecycle([{ event: 'created' }])[0], lifecycle([{ event: 'created' }])[0]] as UnknownPassEvent[];
    for (const event of events) await record(storage, event);
    const items = await claim(storage, 5_000);
    assert.equal(items.length, 3);
    for (const item of items.slice(0, 2)) await storage.finishAttempt(finish(item.eventId, 1, { state: 'failed' }, 'token-a', 500));
    await storage.finishAttempt(finish(items[2]!.eventId, 1, { state: 'delivered' }));
    assert.equal((await storage.forwardStats()).failed, 2);

    const replay = await storage.createReplay({ filter: { status: 'failed' }, ratePerSecond: 5, now: 6_000 });
    assert.deepEqual(
      { ...replay, id: 0 },
      { id: 0, created_at: 6_000, state: 'running', filter: { status: 'failed' }, rate_per_second: 5, matched: 2, sent: 0, succeeded: 0, failed: 0 },
    );
    assert.equal(await storage.queueReplayed(6_000, 1), 1, 'one at a time when paced so');
    assert.equal(await storage.queueReplayed(6_100, 5), 1);
    assert.equal(await storage.queueReplayed(6_200, 5), 0);
    const again = await claim(storage, 7_000, 'token-b');
    assert.deepEqual(
      again.map((item) => [item.eventId, item.attempt, item.replayId]).sort(),
      items
        .slice(0, 2)
        .map((item) => [item.eventId, 1, replay.id])
        .sort(),
    );
    await storage.finishAttempt(finish(again[0]!.eventId, 1, { state: 'delivered' }, 'token-b'));
    await storage.finishAttempt(finish(again[1]!.eventId, 1, { state: 'failed' }, 'token-b', 500));
    assert.deepEqual(await storage.replay(replay.id), { ...replay, state: 'done', sent: 2, succeeded: 1, failed: 1 }, 'every event it queued is settled: done');
  });

  withStorage('lists, the export and replays filter by forwarding state, paging by their keyset in both orders', async (storage) => {
    const events = [
      ...lifecycle(couponSteps()).slice(0, 2),
      ...lifecycle(couponSteps()).slice(0, 2),
      lifecycle([{ event: 'created' }])[0],
    ] as UnknownPassEvent[];
    for (const event of events) await record(storage, event);
    const all = await storage.events({}, { after: 0 }, 10);
    assert.equal(all.length, 5);
    const [a, b, c, d, e] = all.map((row) => row.id) as [number, number, number, number, number];
    // Pass 1: delivered, then pending; pass 2: failed, replayed and cancelled, then failed; pass 3: pending.
    const settle = async (now: number, states: Record<number, 'delivered' | 'failed' | 'pending'>): Promise<void> => {
      const items = await claim(storage, now);
      assert.deepEqual(items.map((item) => item.eventId).sort(), Object.keys(states).map(Number).sort());
      for (const item of items) {
        const state = states[item.eventId]!;
        await storage.finishAttempt(
          finish(item.eventId, 1, state === 'pending' ? { state, retryAt: 1e12 } : { state }, 'token-a', state === 'delivered' ? 204 : 500),
        );
      }
    };
    await settle(5_000, { [a]: 'delivered', [c]: 'failed', [e]: 'pending' });
    await settle(5_001, { [b]: 'pending', [d]: 'failed' });
    const held = await storage.createReplay({ filter: { status: 'all', event_id: c }, ratePerSecond: 10, now: 6_000 });
    await storage.queueReplayed(6_000, 5);
    await storage.cancelReplay(held.id, 6_100);
    const states = new Map((await storage.events({}, { after: 0 }, 10)).map((row) => [row.id, row.forwarding?.state]));
    const ids = (state: string): number[] => [...states].filter(([, s]) => s === state).map(([id]) => id);
    assert.deepEqual([ids('delivered'), ids('pending'), ids('failed'), ids('cancelled')], [[a], [b, e], [d], [c]]);
    for (const state of ['pending', 'delivered', 'failed', 'cancelled'] as const) {
      const wanted = ids(state);
      assert.deepEqual(
        (await storage.events({ forwarding: state }, { after: 0 }, 10)).map((row) => row.id),
        wanted,
        `${state} ascending`,
      );
      assert.deepEqual(
        (await storage.events({ forwarding: state }, { before: Number.MAX_SAFE_INTEGER }, 10)).map((row) => row.id),
        [...wanted].reverse(),
        `${state} newest first`,
      );
      const window = { forwarding: state, since: 0 };
      assert.deepEqual((await storage.events(window, { after: 0 }, 10)).map((row) => row.id).sort(), [...wanted].sort(), `${state} in event_at order`);
    }
    // Pages of one: the keyset applies inside the outbox's index range too.
    const pending = ids('pending');
    const paged: number[] = [];
    for (let after = 0; ;) {
      const [row] = await storage.events({ forwarding: 'pending' }, { after }, 1);
      if (row === undefined) break;
      paged.push(row.id);
      after = row.id;
    }
    assert.deepEqual(paged, pending);
    assert.deepEqual(
      (await storage.events({ forwarding: 'pending', event: events[1]!.event }, { after: 0 }, 10)).map((row) => row.id),
      [b],
    );
    assert.deepEqual(await storage.events({ forwarding: 'none' }, { after: 0 }, 10), [], 'every event was queued');
    const replay = await storage.createReplay({ filter: { status: 'all', forwarding: 'pending' }, ratePerSecond: 10, now: 7_000 });
    assert.equal(replay.matched, 2, 'counted by state');
    assert.deepEqual(replay.filter, { status: 'all', forwarding: 'pending' });
  });

  withStorage(
    'forwarding=none lists the events never queued',
    async (storage) => {
      const [event] = lifecycle([{ event: 'created' }]) as [UnknownPassEvent];
      await record(storage, event);
      assert.equal((await storage.events({ forwarding: 'none' }, { after: 0 }, 10)).length, 1);
      assert.equal((await storage.events({ forwarding: 'none', since: 0 }, { before: Number.MAX_SAFE_INTEGER }, 10)).length, 1);
      assert.deepEqual(await storage.events({ forwarding: 'pending' }, { after: 0 }, 10), []);
    },
    false,
  );

  withStorage(
    'retry now: a pending event and those before it in its pass are due at once; any other is queued again as a replay of one, done once settled',
    async (storage) => {
      const events = lifecycle(couponSteps()).slice(0, 2) as UnknownPassEvent[];
      for (const event of events) await record(storage, event);
      const [first, second] = (await storage.events({}, { after: 0 }, 10)).map((row) => row.id) as [number, number];
      const [item] = await claim(storage, 5_000);
      assert.equal(item?.eventId, first);
      await storage.finishAttempt(finish(first, 1, { state: 'pending', retryAt: 60_000 }, 'token-a', 503));
      assert.deepEqual(await claim(storage, 6_000), [], 'backing off');
      const retried = await storage.retryEvent(second, 6_000);
      assert.equal(retried?.state, 'pending');
      assert.equal((await storage.outboxOf(first))?.next_attempt_at, 6_000, 'the event before it in its pass is due now');
      const [now] = await claim(storage, 6_000);
      assert.equal(now?.eventId, first, 'the pass keeps its order');
      await storage.finishAttempt(finish(first, 2, { state: 'failed' }, 'token-a', 500));
      const requeued = await storage.retryEvent(first, 7_000);
      assert.equal(requeued?.state, 'pending');
      assert.equal(requeued?.attempts, 0);
      assert.equal(requeued?.queued_at, 7_000);
      const replayId = requeued?.replay_id;
      assert.ok(typeof replayId === 'number');
      const one = await storage.replay(replayId);
      assert.deepEqual(
        { ...one, id: 0 },
        {
          id: 0,
          created_at: 7_000,
          state: 'queued',
          filter: { status: 'all', event_id: first },
          rate_per_second: 0,
          matched: 1,
          sent: 1,
          succeeded: 0,
          failed: 0,
        },
      );
      const [again] = await claim(storage, 7_000);
      assert.deepEqual([again?.eventId, again?.replayId], [first, replayId]);
      await storage.finishAttempt(finish(first, 1, { state: 'delivered' }));
      assert.equal((await storage.replay(replayId))?.state, 'done');
      assert.equal((await storage.deliveries(first, 10)).length, 3, 'every attempt is kept');
      assert.equal(await storage.retryEvent(second + 1_000, 7_000), undefined, 'no such event');
    },
  );

  withStorage(
    'a replay over a time window queues its events in event_at order, a keyset page at a time, and is done when they are settled',
    async (storage) => {
      // Stored out of event_at order: the window's order is not the ids'.
      const events = lifecycle(couponSteps()).slice(0, 4) as UnknownPassEvent[];
      for (const event of [...events].reverse()) await record(storage, event);
      const rows = await storage.events({ since: 0 }, { after: 0 }, 10);
      for (const item of await claim(storage, 5_000)) await storage.finishAttempt(finish(item.eventId, 1, { state: 'delivered' }));
      for (let i = 0; i < 4; i++)
        for (const item of await claim(storage, 5_001 + i)) await storage.finishAttempt(finish(item.eventId, 1, { state: 'delivered' }));
      assert.equal((await storage.forwardStats()).delivered, 4);
      const replay = await storage.createReplay({ filter: { status: 'all', since: rows[1]!.event_at_ms }, ratePerSecond: 10, now: 6_000 });
      assert.equal(replay.matched, 3);
      const queuedOrder: number[] = [];
      for (let step = 0; step < 4; step++) {
        const before = new Set((await storage.events({ forwarding: 'pending' }, { after: 0 }, 10)).map((row) => row.id));
        await storage.queueReplayed(6_000 + step, 1);
        for (const row of await storage.events({ forwarding: 'pending' }, { after: 0 }, 10)) if (!before.has(row.id)) queuedOrder.push(row.id);
      }
      assert.deepEqual(
        queuedOrder,
        rows.slice(1).map((row) => row.id),
        'one page at a time, in the window order',
      );
      assert.equal((await storage.replay(replay.id))?.state, 'queued');
      for (let i = 0; i < 4; i++)
        for (const item of await claim(storage, 7_000 + i)) await storage.finishAttempt(finish(item.eventId, 1, { state: 'delivered' }));
      assert.deepEqual(await storage.replay(replay.id), { ...replay, state: 'done', sent: 3, succeeded: 3 });
    },
  );

  withStorage('a cancelled replay stops and takes its queued events off', async (storage) => {
    const events = lifecycle(couponSteps()).slice(0, 3) as UnknownPassEvent[];
    for (const event of events) await record(storage, event);
    let now = 5_000;
    for (let i = 0; i < 3; i++) for (const item of await claim(storage, ++now)) await storage.finishAttempt(finish(item.eventId, 1, { state: 'delivered' }));
    assert.equal((await storage.forwardStats()).delivered, 3);
    const [one] = await storage.events({}, { after: 0 }, 1);
    const single = await storage.createReplay({ filter: { status: 'all', event_id: one!.id }, ratePerSecond: 10, now: 6_000 });
    assert.equal(single.matched, 1, 'one event by its id');
    await storage.cancelReplay(single.id, 6_000);
    const replay = await storage.createReplay({ filter: { status: 'all', pass_id: events[0]!.pass_id.toLowerCase() }, ratePerSecond: 10, now: 6_000 });
    assert.equal(replay.matched, 3);
    assert.equal(await storage.queueReplayed(6_000, 2), 2);
    const cancelled = await storage.cancelReplay(replay.id, 6_100);
    assert.equal(cancelled?.state, 'cancelled');
    assert.equal(await storage.queueReplayed(6_200, 5), 0, 'a cancelled replay queues nothing more');
    assert.deepEqual(await claim(storage, 7_000), []);
    assert.equal((await storage.forwardStats()).cancelled, 2);
    assert.equal(await storage.cancelReplay(replay.id + 1_000, 6_000), undefined);
  });

  withStorage('retention keeps a stale pass whose event is still queued within the forwarding maximum age', async (storage) => {
    const [event] = lifecycle([{ event: 'created' }]) as [UnknownPassEvent];
    await record(storage, event);
    const [item] = await claim(storage, 5_000);
    await storage.finishAttempt(finish(item!.eventId, 1, { state: 'pending', retryAt: 6_000 }, 'token-a', 503));
    assert.deepEqual(await storage.pruneStalePasses(Date.now() + 1, 10, { keepQueuedSinceMs: 1_000, now: 9_000 }), {
      passes: 0,
      events: 0,
      gone: 0,
      last: true,
    });
    assert.equal((await storage.outboxOf(item!.eventId))?.state, 'pending');
    assert.equal((await storage.events({}, { after: 0 }, 10)).length, 1);
  });

  withStorage('past that age retention dead-letters a queued event as gone, keeping its attempts; rows done with go with their pass', async (storage) => {
    const [queued, delivered] = [lifecycle([{ event: 'created' }])[0], lifecycle([{ event: 'created' }])[0]] as UnknownPassEvent[];
    await record(storage, queued!);
    await record(storage, delivered!);
    const [a, b] = await storage.events({}, { after: 0 }, 10);
    for (const item of await claim(storage, 5_000)) {
      await storage.finishAttempt(
        item.eventId === a!.id
          ? finish(item.eventId, 1, { state: 'pending', retryAt: 6_000 }, 'token-a', 503)
          : finish(item.eventId, 1, { state: 'delivered' }),
      );
    }
    assert.deepEqual(await storage.pruneStalePasses(Date.now() + 1, 10, { keepQueuedSinceMs: 1_001, now: 9_000 }), {
      passes: 2,
      events: 2,
      gone: 1,
      last: true,
    });
    assert.deepEqual(await storage.outboxOf(a!.id), {
      state: 'failed',
      attempts: 2,
      queued_at: 1_000,
      next_attempt_at: 6_000,
      finished_at: 9_000,
      replay_id: null,
    });
    assert.deepEqual(
      (await storage.deliveries(a!.id, 10)).map((row) => [row.attempt, row.status, row.outcome, row.started_at]),
      [
        [1, 503, 'http_error', 2_000],
        [2, null, 'gone', 9_000],
      ],
    );
    assert.equal(await storage.outboxOf(b!.id), undefined, 'a delivered row goes with its pass');
    assert.deepEqual(await storage.deliveries(b!.id, 10), []);
    assert.deepEqual(await storage.forwardStats(), { pending: 0, delivered: 0, failed: 1, cancelled: 0, oldest_pending_queued_at: null });
    assert.deepEqual(await storage.events({}, { after: 0 }, 10), []);
  });
}
