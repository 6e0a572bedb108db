import t from 'tap';
import { openTestDatabase } from '@passworks-webhooks/postgres/testing';
import { createPostgresStorage, type EventFilters, type EventRange } from '@passworks-webhooks/receiver';
import { eventsSql } from '../src/storage/postgres/create-postgres-storage.js';

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
const pageOf = (plan: PlanNode): PlanNode => nodes(plan).filter((node) => node['Node Type'] === 'Limit').at(-1) ?? plan;
const describe = (node: PlanNode): string => nodes(node).map((n) => `${n['Node Type']}${n['Index Name'] === undefined ? '' : ` on ${n['Index Name']}`}`).join(' > ');

const database = await openTestDatabase();
if ('skip' in database) {
  t.skip(database.skip, () => undefined);
} else {
  t.teardown(() => database.drop());
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
    await storage.pool.query('ANALYZE events');
    const windows: EventFilters[] = [
      { since: start + 20 * day, until: start + 21 * day },
      { since: start + 20 * day },
      { until: start + 40 * day },
      { since: start + 20 * day, until: start + 21 * day, event: 'fetched' },
    ];
    const ranges: EventRange[] = [{ after: 0 }, { after: 25_000, at: start + 20 * day + 3_600_000 }, { before: Number.MAX_SAFE_INTEGER }, { before: 25_000, at: start + 20 * day + 3_600_000 }];
    for (const filters of windows) {
      for (const range of ranges) {
        const { text, values } = eventsSql(filters, range, 101);
        const { rows } = await storage.pool.query<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>(`EXPLAIN (FORMAT JSON) ${text}`, values);
        const page = pageOf(rows[0]!['QUERY PLAN'][0]!.Plan);
        const label = `${JSON.stringify(filters)} ${JSON.stringify(range)}: ${describe(page)}`;
        t.ok(nodes(page).some((node) => node['Index Name'] === 'events_by_event_at_id'), label);
        t.notOk(nodes(page).some((node) => /Sort/.test(node['Node Type'])), `${label}: no sort under the page's LIMIT`);
      }
    }
  });
}
