/**
 * An index built or dropped outside any transaction with `CONCURRENTLY`, so
 * writers of its table go on meanwhile: `create` (its name) `ON` `on` (table
 * and columns), or `drop` (its name). Run with `IF [NOT] EXISTS`, so a step
 * cut short runs again; an index left INVALID by an interrupted build is
 * dropped and built again.
 */
export type ConcurrentIndexChange = { readonly create: string; readonly on: string } | { readonly drop: string };

/** One PostgreSQL schema step. Versions are consecutive from 1; a released step's result is never changed, only followed. */
export interface PostgresMigration {
  readonly version: number;
  readonly description: string;
  /** Index changes made first, one by one, outside any transaction (see {@link ConcurrentIndexChange}). */
  readonly concurrently?: readonly ConcurrentIndexChange[];
  /** Then run in one transaction with the step's version row (may be empty). */
  readonly sql: string;
}

/**
 * The receiver's PostgreSQL schema, in order; `passworks_receiver_migrations`
 * records what was applied. Columns mirror the SQLite schema; ordered text
 * (`pass_id`, `sort_key`) uses the "C" collation, so both databases order
 * pages, timelines and projections byte-wise alike.
 */
export const POSTGRES_MIGRATIONS: readonly PostgresMigration[] = [
  {
    version: 1,
    description: 'events with raw bytes, per-pass projection, rejected deliveries',
    sql: `
      CREATE TABLE events (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        idempotency_key text NOT NULL UNIQUE,
        event text COLLATE "C" NOT NULL,
        pass_id text COLLATE "C" NOT NULL,
        campaign_id text COLLATE "C" NOT NULL,
        distribution_id text NOT NULL,
        serial_number text NOT NULL,
        event_at text COLLATE "C" NOT NULL,
        event_at_ms bigint NOT NULL,
        sort_key text COLLATE "C" NOT NULL,
        registration_id text,
        device_os text,
        wallet text,
        voided boolean NOT NULL,
        redeemed_count integer NOT NULL,
        received_at bigint NOT NULL,
        raw bytea NOT NULL
      );
      CREATE INDEX events_by_pass ON events (pass_id, sort_key);
      CREATE INDEX events_by_event_at ON events (event_at_ms);
      CREATE INDEX events_by_campaign ON events (campaign_id, id);
      CREATE INDEX events_by_name ON events (event, id);
      CREATE TABLE passes (
        pass_id text COLLATE "C" PRIMARY KEY,
        campaign_id text COLLATE "C" NOT NULL,
        distribution_id text NOT NULL,
        serial_number text NOT NULL,
        created_at text NOT NULL,
        updated_at text NOT NULL,
        voided boolean NOT NULL,
        redeemed_count integer NOT NULL,
        redeemed_at text,
        last_fetched_at text,
        last_event text NOT NULL,
        last_event_at text NOT NULL,
        last_sort_key text COLLATE "C" NOT NULL,
        event_count integer NOT NULL,
        installed_devices integer NOT NULL,
        registrations text NOT NULL,
        metadata text NOT NULL,
        last_received_at bigint NOT NULL
      );
      CREATE INDEX passes_by_campaign ON passes (campaign_id, pass_id);
      CREATE INDEX passes_by_last_received ON passes (last_received_at);
      CREATE TABLE rejections (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        received_at bigint NOT NULL,
        status integer NOT NULL,
        code text COLLATE "C" NOT NULL,
        event text,
        client_address text,
        request_id text,
        body_bytes integer NOT NULL,
        body_prefix text NOT NULL
      );
      CREATE INDEX rejections_by_received ON rejections (received_at);
    `,
  },
  {
    version: 2,
    description: 'forwarding: an outbox row per event to forward, every delivery attempt, replays',
    sql: `
      CREATE TABLE outbox (
        event_id bigint PRIMARY KEY,
        pass_id text COLLATE "C" NOT NULL,
        sort_key text COLLATE "C" NOT NULL,
        state text NOT NULL,
        attempts integer NOT NULL,
        queued_at bigint NOT NULL,
        next_attempt_at bigint NOT NULL,
        lease_until bigint,
        lease_token text,
        last_status integer,
        finished_at bigint,
        replay_id bigint
      );
      CREATE INDEX outbox_by_pass ON outbox (pass_id, state, sort_key, event_id);
      CREATE INDEX outbox_by_state ON outbox (state, next_attempt_at);
      CREATE INDEX outbox_by_replay ON outbox (replay_id) WHERE replay_id IS NOT NULL;
      CREATE TABLE delivery_attempts (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        event_id bigint NOT NULL,
        attempt integer NOT NULL,
        started_at bigint NOT NULL,
        duration_ms integer NOT NULL,
        status integer,
        outcome text NOT NULL,
        response_excerpt text NOT NULL,
        replay_id bigint
      );
      CREATE INDEX delivery_attempts_by_event ON delivery_attempts (event_id, id);
      CREATE TABLE replays (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        created_at bigint NOT NULL,
        state text NOT NULL,
        filter jsonb NOT NULL,
        rate_per_second integer NOT NULL,
        matched bigint NOT NULL,
        sent bigint NOT NULL DEFAULT 0,
        succeeded bigint NOT NULL DEFAULT 0,
        failed bigint NOT NULL DEFAULT 0,
        cursor bigint NOT NULL DEFAULT 0
      );
    `,
  },
  {
    version: 3,
    description: 'duplicates seen per event: how many deliveries of a stored event were answered as duplicates',
    sql: `ALTER TABLE events ADD COLUMN duplicates integer NOT NULL DEFAULT 0;`,
  },
  {
    version: 4,
    description:
      'summary tables behind /api/stats: events per UTC hour of event_at, event name and campaign (kept by statement triggers on insert and delete), duplicates and rejections per hour answered; filled from the rows stored',
    // A duplicate counted before this step is placed at the hour its event was received (the hour it was answered is not stored).
    sql: `
      CREATE TABLE event_counts (
        hour bigint NOT NULL,
        event text COLLATE "C" NOT NULL,
        campaign_id text COLLATE "C" NOT NULL,
        count bigint NOT NULL,
        PRIMARY KEY (hour, event, campaign_id)
      );
      CREATE INDEX event_counts_by_campaign ON event_counts (campaign_id, hour);
      INSERT INTO event_counts (hour, event, campaign_id, count)
        SELECT (event_at_ms - ((event_at_ms % 3600000) + 3600000) % 3600000), event, campaign_id, count(*) FROM events GROUP BY 1, 2, 3;
      -- One upsert per (hour, event, campaign) of each INSERT or DELETE statement, rows locked in key order
      -- (after the passes' advisory locks), so two transactions never wait on each other in a cycle.
      CREATE FUNCTION passworks_count_events() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'INSERT' THEN
          INSERT INTO event_counts (hour, event, campaign_id, count)
            SELECT (event_at_ms - ((event_at_ms % 3600000) + 3600000) % 3600000), event, campaign_id, count(*) FROM counted_rows GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
            ON CONFLICT (hour, event, campaign_id) DO UPDATE SET count = event_counts.count + excluded.count;
        ELSE
          PERFORM 1 FROM event_counts c
            WHERE (c.hour, c.event, c.campaign_id) IN (SELECT (event_at_ms - ((event_at_ms % 3600000) + 3600000) % 3600000), event, campaign_id FROM counted_rows)
            ORDER BY c.hour, c.event, c.campaign_id FOR UPDATE;
          UPDATE event_counts c SET count = c.count - gone.n
            FROM (SELECT (event_at_ms - ((event_at_ms % 3600000) + 3600000) % 3600000) AS hour, event, campaign_id, count(*) AS n FROM counted_rows GROUP BY 1, 2, 3) AS gone
            WHERE c.hour = gone.hour AND c.event = gone.event AND c.campaign_id = gone.campaign_id;
          DELETE FROM event_counts c
            WHERE c.count <= 0 AND (c.hour, c.event, c.campaign_id) IN (SELECT (event_at_ms - ((event_at_ms % 3600000) + 3600000) % 3600000), event, campaign_id FROM counted_rows);
        END IF;
        RETURN NULL;
      END $$;
      CREATE TRIGGER events_counted AFTER INSERT ON events REFERENCING NEW TABLE AS counted_rows
        FOR EACH STATEMENT EXECUTE FUNCTION passworks_count_events();
      CREATE TRIGGER events_uncounted AFTER DELETE ON events REFERENCING OLD TABLE AS counted_rows
        FOR EACH STATEMENT EXECUTE FUNCTION passworks_count_events();
      CREATE TABLE duplicate_counts (
        hour bigint NOT NULL,
        campaign_id text COLLATE "C" NOT NULL,
        count bigint NOT NULL,
        PRIMARY KEY (hour, campaign_id)
      );
      INSERT INTO duplicate_counts (hour, campaign_id, count)
        SELECT (received_at - ((received_at % 3600000) + 3600000) % 3600000), campaign_id, sum(duplicates) FROM events WHERE duplicates > 0 GROUP BY 1, 2;
      CREATE TABLE rejection_counts (
        hour bigint NOT NULL,
        code text COLLATE "C" NOT NULL,
        count bigint NOT NULL,
        PRIMARY KEY (hour, code)
      );
      INSERT INTO rejection_counts (hour, code, count) SELECT (received_at - ((received_at % 3600000) + 3600000) % 3600000), code, count(*) FROM rejections GROUP BY 1, 2;
      CREATE FUNCTION passworks_count_rejections() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO rejection_counts (hour, code, count)
          SELECT (received_at - ((received_at % 3600000) + 3600000) % 3600000), code, count(*) FROM counted_rows GROUP BY 1, 2 ORDER BY 1, 2
          ON CONFLICT (hour, code) DO UPDATE SET count = rejection_counts.count + excluded.count;
        RETURN NULL;
      END $$;
      CREATE TRIGGER rejections_counted AFTER INSERT ON rejections REFERENCING NEW TABLE AS counted_rows
        FOR EACH STATEMENT EXECUTE FUNCTION passworks_count_rejections();
    `,
  },
  {
    version: 5,
    description: 'inspector sessions in the database, so every receiver on it accepts one: the SHA-256 of each session id (never the id) and its expiry',
    sql: `
      CREATE TABLE sessions (
        id_hash text PRIMARY KEY,
        expires_at bigint NOT NULL
      );
      CREATE INDEX sessions_by_expiry ON sessions (expires_at);
    `,
  },
  {
    version: 6,
    description:
      'live stream without a gap: each event row records its inserting transaction (xid8), the stream reads in that order up to the oldest transaction still running',
    // Rows stored before this step get 1 (a constant default: no table rewrite); new rows their transaction's id.
    // Its index build stays in the step's transaction (it indexes the column the step adds; moving it out would
    // change what a step cut short leaves): a database still below schema 6 blocks deliveries while it is built.
    sql: `
      ALTER TABLE events ADD COLUMN xact xid8 NOT NULL DEFAULT '1';
      ALTER TABLE events ALTER COLUMN xact SET DEFAULT pg_current_xact_id();
      CREATE INDEX events_by_xact ON events (xact, id);
    `,
  },
  {
    version: 7,
    description:
      'striped summary rows: each connection counts into its own stripe (pg_backend_pid() % 16), so transactions counting the same hour, name and campaign on different connections no longer wait for each other until COMMIT; the reads sum the stripes',
    // Without stripes every transaction of one busy hour took the same summary row lock and held it through its
    // commit flush: commits of all instances ran one at a time. Decrements (retention) land in the deleting
    // connection's stripe after it locks every stripe of the groups it touches; a group summing to zero goes.
    sql: `
      ALTER TABLE event_counts ADD COLUMN stripe smallint NOT NULL DEFAULT 0;
      ALTER TABLE event_counts DROP CONSTRAINT event_counts_pkey, ADD PRIMARY KEY (hour, event, campaign_id, stripe);
      ALTER TABLE duplicate_counts ADD COLUMN stripe smallint NOT NULL DEFAULT 0;
      ALTER TABLE duplicate_counts DROP CONSTRAINT duplicate_counts_pkey, ADD PRIMARY KEY (hour, campaign_id, stripe);
      ALTER TABLE rejection_counts ADD COLUMN stripe smallint NOT NULL DEFAULT 0;
      ALTER TABLE rejection_counts DROP CONSTRAINT rejection_counts_pkey, ADD PRIMARY KEY (hour, code, stripe);
      CREATE OR REPLACE FUNCTION passworks_count_events() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'DELETE' THEN
          PERFORM 1 FROM event_counts c
            WHERE (c.hour, c.event, c.campaign_id) IN (SELECT (event_at_ms - ((event_at_ms % 3600000) + 3600000) % 3600000), event, campaign_id FROM counted_rows)
            ORDER BY c.hour, c.event, c.campaign_id, c.stripe FOR UPDATE;
        END IF;
        INSERT INTO event_counts (hour, event, campaign_id, stripe, count)
          SELECT (event_at_ms - ((event_at_ms % 3600000) + 3600000) % 3600000), event, campaign_id, pg_backend_pid() % 16,
            CASE WHEN TG_OP = 'INSERT' THEN count(*) ELSE -count(*) END
          FROM counted_rows GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
          ON CONFLICT (hour, event, campaign_id, stripe) DO UPDATE SET count = event_counts.count + excluded.count;
        IF TG_OP = 'DELETE' THEN
          DELETE FROM event_counts c WHERE (c.hour, c.event, c.campaign_id) IN (
            SELECT g.hour, g.event, g.campaign_id FROM event_counts g
            WHERE (g.hour, g.event, g.campaign_id) IN (SELECT (event_at_ms - ((event_at_ms % 3600000) + 3600000) % 3600000), event, campaign_id FROM counted_rows)
            GROUP BY 1, 2, 3 HAVING sum(g.count) <= 0);
        END IF;
        RETURN NULL;
      END $$;
      CREATE OR REPLACE FUNCTION passworks_count_rejections() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO rejection_counts (hour, code, stripe, count)
          SELECT (received_at - ((received_at % 3600000) + 3600000) % 3600000), code, pg_backend_pid() % 16, count(*) FROM counted_rows GROUP BY 1, 2 ORDER BY 1, 2
          ON CONFLICT (hour, code, stripe) DO UPDATE SET count = rejection_counts.count + excluded.count;
        RETURN NULL;
      END $$;
    `,
  },
  {
    version: 8,
    description:
      'stored passes per campaign behind /api/stats, striped like the summaries (pg_backend_pid() % 16) and kept by triggers on the passes (new, deleted, campaign changed); filled from the passes stored',
    // Before, stats counted them with a scan of the passes table on every read. A deletion or a change of campaign
    // adds -1 to the connection's own stripe: a stripe may go below zero, the sum of a campaign's stripes is its count.
    sql: `
      CREATE TABLE pass_counts (
        campaign_id text COLLATE "C" NOT NULL,
        stripe smallint NOT NULL,
        count bigint NOT NULL,
        PRIMARY KEY (campaign_id, stripe)
      );
      INSERT INTO pass_counts (campaign_id, stripe, count) SELECT campaign_id, 0, count(*) FROM passes GROUP BY campaign_id;
      CREATE FUNCTION passworks_count_passes() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO pass_counts (campaign_id, stripe, count)
          SELECT campaign_id, pg_backend_pid() % 16, CASE WHEN TG_OP = 'INSERT' THEN count(*) ELSE -count(*) END
          FROM counted_rows GROUP BY 1 ORDER BY 1
          ON CONFLICT (campaign_id, stripe) DO UPDATE SET count = pass_counts.count + excluded.count;
        RETURN NULL;
      END $$;
      CREATE TRIGGER passes_counted AFTER INSERT ON passes REFERENCING NEW TABLE AS counted_rows
        FOR EACH STATEMENT EXECUTE FUNCTION passworks_count_passes();
      CREATE TRIGGER passes_uncounted AFTER DELETE ON passes REFERENCING OLD TABLE AS counted_rows
        FOR EACH STATEMENT EXECUTE FUNCTION passworks_count_passes();
      -- A row trigger whose WHEN is checked without calling the function: an update keeping the campaign costs nothing.
      CREATE FUNCTION passworks_move_pass() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO pass_counts (campaign_id, stripe, count)
          SELECT campaign_id, pg_backend_pid() % 16, n FROM (VALUES (OLD.campaign_id, -1), (NEW.campaign_id, 1)) AS moved (campaign_id, n) ORDER BY 1
          ON CONFLICT (campaign_id, stripe) DO UPDATE SET count = pass_counts.count + excluded.count;
        RETURN NULL;
      END $$;
      CREATE TRIGGER passes_moved AFTER UPDATE OF campaign_id ON passes
        FOR EACH ROW WHEN (OLD.campaign_id IS DISTINCT FROM NEW.campaign_id) EXECUTE FUNCTION passworks_move_pass();
    `,
  },
  {
    version: 9,
    description:
      'time-filtered event lists in (event_at_ms, id) order: the event_at index gets the id after it, so it serves a since/until window and the page order together',
    // Replaces (event_at_ms) alone, whose equal entries follow the heap, not the id: every read the old index served, this one serves.
    // Released as \`CREATE INDEX ...; DROP INDEX ...\` in the step's transaction: on a big events table that build
    // blocked every delivery for its whole length (and ran into the pool's statement timeout). The same two
    // changes are now made CONCURRENTLY: the resulting schema is the same, writers go on meanwhile.
    concurrently: [{ create: 'events_by_event_at_id', on: 'events (event_at_ms, id)' }, { drop: 'events_by_event_at' }],
    sql: '',
  },
  {
    version: 10,
    description:
      'events per UTC day of event_at, event name and campaign behind /api/stats, striped like the hourly counts and kept by statement triggers on insert and delete, so the totals read whole days instead of every hour; filled from the hourly counts',
    // The same upkeep as event_counts (migration 7), a day instead of an hour. Its triggers are named to fire after
    // the hourly ones (PostgreSQL fires them in name order), so inserts and deletes lock summary rows in one order:
    // hours, then days.
    sql: `
      CREATE TABLE event_day_counts (
        day bigint NOT NULL,
        event text COLLATE "C" NOT NULL,
        campaign_id text COLLATE "C" NOT NULL,
        stripe smallint NOT NULL,
        count bigint NOT NULL,
        PRIMARY KEY (day, event, campaign_id, stripe)
      );
      INSERT INTO event_day_counts (day, event, campaign_id, stripe, count)
        SELECT (hour - ((hour % 86400000) + 86400000) % 86400000), event, campaign_id, 0, sum(count) FROM event_counts GROUP BY 1, 2, 3 HAVING sum(count) <> 0;
      CREATE FUNCTION passworks_count_event_days() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'DELETE' THEN
          PERFORM 1 FROM event_day_counts c
            WHERE (c.day, c.event, c.campaign_id) IN (SELECT (event_at_ms - ((event_at_ms % 86400000) + 86400000) % 86400000), event, campaign_id FROM counted_rows)
            ORDER BY c.day, c.event, c.campaign_id, c.stripe FOR UPDATE;
        END IF;
        INSERT INTO event_day_counts (day, event, campaign_id, stripe, count)
          SELECT (event_at_ms - ((event_at_ms % 86400000) + 86400000) % 86400000), event, campaign_id, pg_backend_pid() % 16,
            CASE WHEN TG_OP = 'INSERT' THEN count(*) ELSE -count(*) END
          FROM counted_rows GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
          ON CONFLICT (day, event, campaign_id, stripe) DO UPDATE SET count = event_day_counts.count + excluded.count;
        IF TG_OP = 'DELETE' THEN
          DELETE FROM event_day_counts c WHERE (c.day, c.event, c.campaign_id) IN (
            SELECT g.day, g.event, g.campaign_id FROM event_day_counts g
            WHERE (g.day, g.event, g.campaign_id) IN (SELECT (event_at_ms - ((event_at_ms % 86400000) + 86400000) % 86400000), event, campaign_id FROM counted_rows)
            GROUP BY 1, 2, 3 HAVING sum(g.count) <= 0);
        END IF;
        RETURN NULL;
      END $$;
      CREATE TRIGGER events_counted_by_day AFTER INSERT ON events REFERENCING NEW TABLE AS counted_rows
        FOR EACH STATEMENT EXECUTE FUNCTION passworks_count_event_days();
      CREATE TRIGGER events_uncounted_by_day AFTER DELETE ON events REFERENCING OLD TABLE AS counted_rows
        FOR EACH STATEMENT EXECUTE FUNCTION passworks_count_event_days();
    `,
  },
  {
    version: 11,
    description: 'rejections that say why: the message the sender was told and, for invalid_event, up to 20 issues (JSON text); rows stored before keep NULL',
    // Nullable columns without a default: a catalog change, no table rewrite.
    sql: `
      ALTER TABLE rejections ADD COLUMN message text, ADD COLUMN issues text;
    `,
  },
  {
    version: 12,
    description:
      'events listed by forwarding state: the outbox by (state, event_id) serves ?forwarding= in id order; replays page in their list order with a cursor of (event_at_ms, id)',
    // Built CONCURRENTLY (see version 9): a big outbox keeps taking writes while its index builds.
    concurrently: [{ create: 'outbox_by_state_event', on: 'outbox (state, event_id)' }],
    sql: `
      ALTER TABLE replays ADD COLUMN cursor_at bigint;
    `,
  },
  {
    version: 13,
    description:
      'passes numbered in the order they were first stored (seq, an identity), for the pass list newest first; the passes stored before get numbers in table order',
    // An identity column fills every existing row: the table is rewritten once, under its lock (deliveries wait for it).
    sql: `
      ALTER TABLE passes ADD COLUMN seq bigint GENERATED BY DEFAULT AS IDENTITY;
    `,
  },
  {
    version: 14,
    description: 'the pass list newest first, whole or by campaign: indexes on (seq) and (campaign_id, seq) replace the one on (campaign_id, pass_id)',
    // Built CONCURRENTLY (see version 9): a big passes table keeps taking writes while they build.
    concurrently: [
      { create: 'passes_by_seq', on: 'passes (seq)' },
      { create: 'passes_by_campaign_seq', on: 'passes (campaign_id, seq)' },
      { drop: 'passes_by_campaign' },
    ],
    sql: '',
  },
];
