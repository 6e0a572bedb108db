import t from 'tap';
import { createPostgresStorage, type EventFilters, type EventRange } from '@passworks-webhooks/receiver';
import { POSTGRES_DIALECT } from '../../src/storage/postgres/postgres-dialect.js';
import { eventCountQuery, eventPageQuery, eventsQuery } from '../../src/storage/sql/query-builder.js';
import { testDatabase } from '../test-database.js';

// PostgreSQL's plans for a page of a time-filtered event list, on 60 days of events with statistics: the page is
// read from an index that gives the window and the order together (no sort below the LIMIT: it never sorts the
// window), so a page costs its own rows whatever the window holds.
interface PlanNode {
  readonly 'Node Type': string;
  readonly 'Index Name'?: string;
  readonly Plans?: readonly PlanNode[];
}
const nodes = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(nodes)];
/** The plan under the innermost LIMIT: the events page itself (the outbox join above it orders only the page). */
const pageOf = (plan: PlanNode): PlanNode =>
  nodes(plan)
    .filter((node) => node['Node Type'] === 'Limit')
    .at(-1) ?? plan;
const describe = (node: PlanNode): string =>
  nodes(node)
    .map((n) => `${n['Node Type']}${n['Index Name'] === undefined ? '' : ` on ${n['Index Name']}`}`)
    .join(' > ');

const database = await testDatabase();
if (database !== undefined) {
  t.test('a time-filtered page reads events_by_event_at_id in its order, never sorting the window', async (t) => {
    const storage = createPostgresStorage({ connectionString: database.connectionString, poolSize: 1 });
    t.teardown(() => storage.close());
    await storage.ping(); // migrated
    const start = Date.UTC(2026, 2, 1);
    const day = 86_400_000;
    // 60,000 events over 60 days (about 1,000 a day), names and campaigns round robin.
    await storage.pool.query(
      `INSERT INTO events (idempotency_key, event, pass_id, campaign_id, distribution_id, serial_number, event_at, event_at_ms, sort_key, voided, redeemed_count, received_at, raw)
       SELECT 'k' || n, (ARRAY['created', 'installed', 'fetched', 'redeemed'])[1 + n % 4], 'p' || (n / 10), 'c' || (n % 12), 'd', 's', 't', $1::bigint + n::bigint * 86400, 'k', false, 0, $1::bigint + n::bigint * 86400, '\\x7b7d'
       FROM generate_series(1, 60000) AS n`,
      [start],
    );
    // An outbox row for most events: delivered mostly, a few failed, pending and cancelled; every 50th never queued.
    await storage.pool.query(
      `INSERT INTO outbox (event_id, pass_id, sort_key, state, attempts, queued_at, next_attempt_at)
       SELECT id, pass_id, sort_key, CASE WHEN id % 97 = 0 THEN 'failed' WHEN id % 89 = 0 THEN 'pending' WHEN id % 83 = 0 THEN 'cancelled' ELSE 'delivered' END, 1, 0, 0
       FROM events WHERE id % 50 <> 0`,
    );
    // ANALYZE samples 300 rows per statistics-target unit: at the default (100) it reads a random 30,000 of the 60,000
    // events, so estimates and the plans asserted below changed from run to run (a rare forwarding state over a time
    // window flipped to a sort in one CI run). At 1,000 it reads every row: the same statistics, the same plans, each run.
    await storage.pool.query('SET default_statistics_target = 1000');
    await storage.pool.query('ANALYZE events');
    await storage.pool.query('ANALYZE outbox');
    const windows: EventFilters[] = [
      { since: start + 20 * day, until: start + 21 * day },
      { since: start + 20 * day },
      { until: start + 40 * day },
      { since: start + 20 * day, until: start + 21 * day, event: 'fetched' },
    ];
    const ranges: EventRange[] = [
      { after: 0 },
      { after: 25_000, at: start + 20 * day + 3_600_000 },
      { before: Number.MAX_SAFE_INTEGER },
      { before: 25_000, at: start + 20 * day + 3_600_000 },
    ];
    for (const filters of windows) {
      for (const range of ranges) {
        const { sql: text, values } = eventsQuery(POSTGRES_DIALECT, filters, range, 101);
        const { rows } = await storage.pool.query<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>(`EXPLAIN (FORMAT JSON) ${text}`, values);
        const page = pageOf(rows[0]!['QUERY PLAN'][0]!.Plan);
        const label = `${JSON.stringify(filters)} ${JSON.stringify(range)}: ${describe(page)}`;
        t.ok(
          nodes(page).some((node) => node['Index Name'] === 'events_by_event_at_id'),
          label,
        );
        t.notOk(
          nodes(page).some((node) => /Sort/.test(node['Node Type'])),
          `${label}: no sort under the page's LIMIT`,
        );
      }
    }
    const planOf = async (text: string, values: unknown[]): Promise<PlanNode> =>
      (await storage.pool.query<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>(`EXPLAIN (FORMAT JSON) ${text}`, values)).rows[0]!['QUERY PLAN'][0]!.Plan;
    // A rare state in id order: the outbox's (state, event_id) index from the cursor on, in order; no sort.
    for (const state of ['failed', 'pending', 'cancelled'] as const) {
      for (const range of [{ after: 0 }, { after: 30_000 }, { before: Number.MAX_SAFE_INTEGER }, { before: 30_000 }] as EventRange[]) {
        const { sql: text, values } = eventsQuery(POSTGRES_DIALECT, { forwarding: state }, range, 101);
        const page = pageOf(await planOf(text, values));
        const label = `forwarding=${state} ${JSON.stringify(range)}: ${describe(page)}`;
        t.ok(
          nodes(page).some((node) => node['Index Name'] === 'outbox_by_state_event'),
          label,
        );
        t.notOk(
          nodes(page).some((node) => /Sort|Seq Scan/.test(node['Node Type'])),
          `${label}: no sort, no scan`,
        );
      }
    }
    // A replay's step: a keyset page of ids in its list's order, from the index that gives it; never a sort of the window.
    for (const filter of [
      { since: start + 20 * day, until: start + 30 * day },
      { since: start + 20 * day, forwarding: 'failed' as const },
      {},
      { forwarding: 'failed' as const },
    ]) {
      for (const range of [{ after: 0 }, { after: 25_000, at: start + 25 * day }]) {
        const { sql: text, values } = eventPageQuery(POSTGRES_DIALECT, filter, range, 50, 'id, event_at_ms');
        const plan = await planOf(text, values);
        const label = `replay step ${JSON.stringify(filter)} ${JSON.stringify(range)}: ${describe(plan)}`;
        t.notOk(
          nodes(plan).some((node) => /Sort/.test(node['Node Type'])),
          label,
        );
        t.notOk(
          nodes(plan).some((node) => node['Node Type'] === 'Seq Scan' && node['Index Name'] === undefined && /events/.test(JSON.stringify(node))),
          `${label}: no scan of events`,
        );
      }
      const count = eventCountQuery(POSTGRES_DIALECT, filter);
      t.match(count.sql, /^SELECT count\(\*\) AS n FROM events/, 'one count(*)');
    }
    // Creation runs that count(*), never the id page of the steps.
    const sent: string[] = [];
    const connect = storage.pool.connect.bind(storage.pool);
    storage.pool.connect = (async () => {
      const client = await connect();
      const query = client.query.bind(client);
      client.query = ((text: unknown, ...rest: unknown[]) => {
        sent.push(typeof text === 'string' ? text : String((text as { text?: string }).text));
        return (query as (...args: unknown[]) => unknown)(text, ...rest);
      }) as typeof client.query;
      return client;
    }) as typeof storage.pool.connect;
    const replay = await storage.createReplay({ filter: { status: 'all', since: start + 20 * day }, ratePerSecond: 10, now: 1 });
    t.equal(replay.matched, 40_001, 'counted: events 20,000 to 60,000');
    t.ok(
      sent.some((text) => /^SELECT count\(\*\) AS n FROM events/.test(text)),
      'one count(*)',
    );
    t.notOk(
      sent.some((text) => /^SELECT id, event_at_ms FROM events/.test(text)),
      'no id loaded',
    );
    storage.pool.connect = connect as typeof storage.pool.connect;
  });
}
