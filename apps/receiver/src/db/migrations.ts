/** One schema step. Versions are consecutive from 1; a released step is never edited, only followed. */
export interface Migration {
  readonly version: number;
  readonly description: string;
  readonly sql: string;
}

/** The receiver's schema, in order. `PRAGMA user_version` records the last one applied. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'events with raw bytes, per-pass projection, rejected deliveries',
    sql: `
      CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        idempotency_key TEXT NOT NULL UNIQUE,
        event TEXT NOT NULL,
        pass_id TEXT NOT NULL,
        campaign_id TEXT NOT NULL,
        distribution_id TEXT NOT NULL,
        serial_number TEXT NOT NULL,
        event_at TEXT NOT NULL,
        event_at_ms INTEGER NOT NULL,
        sort_key TEXT NOT NULL,
        registration_id TEXT,
        device_os TEXT,
        wallet TEXT,
        voided INTEGER NOT NULL,
        redeemed_count INTEGER NOT NULL,
        received_at INTEGER NOT NULL,
        raw BLOB NOT NULL
      );
      CREATE INDEX events_by_pass ON events (pass_id, sort_key);
      CREATE INDEX events_by_event_at ON events (event_at_ms);
      CREATE INDEX events_by_campaign ON events (campaign_id, id);
      CREATE INDEX events_by_name ON events (event, id);
      CREATE TABLE passes (
        pass_id TEXT PRIMARY KEY,
        campaign_id TEXT NOT NULL,
        distribution_id TEXT NOT NULL,
        serial_number TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        voided INTEGER NOT NULL,
        redeemed_count INTEGER NOT NULL,
        redeemed_at TEXT,
        last_fetched_at TEXT,
        last_event TEXT NOT NULL,
        last_event_at TEXT NOT NULL,
        last_sort_key TEXT NOT NULL,
        event_count INTEGER NOT NULL,
        installed_devices INTEGER NOT NULL,
        registrations TEXT NOT NULL,
        metadata TEXT NOT NULL,
        last_received_at INTEGER NOT NULL
      ) WITHOUT ROWID;
      CREATE INDEX passes_by_campaign ON passes (campaign_id, pass_id);
      CREATE INDEX passes_by_last_received ON passes (last_received_at);
      CREATE TABLE rejections (
        id INTEGER PRIMARY KEY,
        received_at INTEGER NOT NULL,
        status INTEGER NOT NULL,
        code TEXT NOT NULL,
        event TEXT,
        client_address TEXT,
        request_id TEXT,
        body_bytes INTEGER NOT NULL,
        body_prefix TEXT NOT NULL
      );
      CREATE INDEX rejections_by_received ON rejections (received_at);
    `,
  },
  {
    version: 2,
    description: 'stable ids: events and rejections use AUTOINCREMENT, so an id deleted by retention is never given to a new row',
    // SQLite cannot add AUTOINCREMENT to a column: each table is rebuilt with its rows and ids,
    // which also sets sqlite_sequence to the largest id kept (issue 8, item 8).
    sql: `
      CREATE TABLE events_v2 (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        idempotency_key TEXT NOT NULL UNIQUE,
        event TEXT NOT NULL,
        pass_id TEXT NOT NULL,
        campaign_id TEXT NOT NULL,
        distribution_id TEXT NOT NULL,
        serial_number TEXT NOT NULL,
        event_at TEXT NOT NULL,
        event_at_ms INTEGER NOT NULL,
        sort_key TEXT NOT NULL,
        registration_id TEXT,
        device_os TEXT,
        wallet TEXT,
        voided INTEGER NOT NULL,
        redeemed_count INTEGER NOT NULL,
        received_at INTEGER NOT NULL,
        raw BLOB NOT NULL
      );
      INSERT INTO events_v2 (id, idempotency_key, event, pass_id, campaign_id, distribution_id, serial_number, event_at, event_at_ms,
          sort_key, registration_id, device_os, wallet, voided, redeemed_count, received_at, raw)
        SELECT id, idempotency_key, event, pass_id, campaign_id, distribution_id, serial_number, event_at, event_at_ms,
          sort_key, registration_id, device_os, wallet, voided, redeemed_count, received_at, raw
        FROM events ORDER BY id;
      DROP TABLE events;
      ALTER TABLE events_v2 RENAME TO events;
      CREATE INDEX events_by_pass ON events (pass_id, sort_key);
      CREATE INDEX events_by_event_at ON events (event_at_ms);
      CREATE INDEX events_by_campaign ON events (campaign_id, id);
      CREATE INDEX events_by_name ON events (event, id);
      CREATE TABLE rejections_v2 (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        received_at INTEGER NOT NULL,
        status INTEGER NOT NULL,
        code TEXT NOT NULL,
        event TEXT,
        client_address TEXT,
        request_id TEXT,
        body_bytes INTEGER NOT NULL,
        body_prefix TEXT NOT NULL
      );
      INSERT INTO rejections_v2 (id, received_at, status, code, event, client_address, request_id, body_bytes, body_prefix)
        SELECT id, received_at, status, code, event, client_address, request_id, body_bytes, body_prefix FROM rejections ORDER BY id;
      DROP TABLE rejections;
      ALTER TABLE rejections_v2 RENAME TO rejections;
      CREATE INDEX rejections_by_received ON rejections (received_at);
    `,
  },
  {
    version: 3,
    description: 'forwarding: an outbox row per event to forward, every delivery attempt, replays',
    sql: `
      CREATE TABLE outbox (
        event_id INTEGER PRIMARY KEY,
        pass_id TEXT NOT NULL,
        sort_key TEXT NOT NULL,
        state TEXT NOT NULL,
        attempts INTEGER NOT NULL,
        queued_at INTEGER NOT NULL,
        next_attempt_at INTEGER NOT NULL,
        lease_until INTEGER,
        lease_token TEXT,
        last_status INTEGER,
        finished_at INTEGER,
        replay_id INTEGER
      );
      CREATE INDEX outbox_by_pass ON outbox (pass_id, state, sort_key, event_id);
      CREATE INDEX outbox_by_state ON outbox (state, next_attempt_at);
      CREATE INDEX outbox_by_replay ON outbox (replay_id) WHERE replay_id IS NOT NULL;
      CREATE TABLE delivery_attempts (
        id INTEGER PRIMARY KEY,
        event_id INTEGER NOT NULL,
        attempt INTEGER NOT NULL,
        started_at INTEGER NOT NULL,
        duration_ms INTEGER NOT NULL,
        status INTEGER,
        outcome TEXT NOT NULL,
        response_excerpt TEXT NOT NULL,
        replay_id INTEGER
      );
      CREATE INDEX delivery_attempts_by_event ON delivery_attempts (event_id, id);
      CREATE TABLE replays (
        id INTEGER PRIMARY KEY,
        created_at INTEGER NOT NULL,
        state TEXT NOT NULL,
        filter TEXT NOT NULL,
        rate_per_second INTEGER NOT NULL,
        matched INTEGER NOT NULL,
        sent INTEGER NOT NULL DEFAULT 0,
        succeeded INTEGER NOT NULL DEFAULT 0,
        failed INTEGER NOT NULL DEFAULT 0,
        cursor INTEGER NOT NULL DEFAULT 0
      );
    `,
  },
];

/** The schema version this build writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;
