/** One PostgreSQL schema step. Versions are consecutive from 1; a released step is never edited, only followed. */
export interface PostgresMigration {
  readonly version: number;
  readonly description: string;
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
];
