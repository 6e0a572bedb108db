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
  {
    version: 4,
    description: 'duplicates seen per event: how many deliveries of a stored event were answered as duplicates',
    sql: `ALTER TABLE events ADD COLUMN duplicates INTEGER NOT NULL DEFAULT 0;`,
  },
  {
    version: 5,
    description:
      'summary tables behind /api/stats: events per UTC hour of event_at, event name and campaign (kept by triggers on insert and delete), duplicates and rejections per hour answered; filled from the rows stored',
    // A duplicate counted before this step is placed at the hour its event was received (the hour it was answered is not stored).
    sql: `
      CREATE TABLE event_counts (
        hour INTEGER NOT NULL,
        event TEXT NOT NULL,
        campaign_id TEXT NOT NULL,
        count INTEGER NOT NULL,
        PRIMARY KEY (hour, event, campaign_id)
      ) WITHOUT ROWID;
      CREATE INDEX event_counts_by_campaign ON event_counts (campaign_id, hour);
      INSERT INTO event_counts (hour, event, campaign_id, count)
        SELECT (event_at_ms - ((event_at_ms % 3600000) + 3600000) % 3600000), event, campaign_id, count(*) FROM events GROUP BY 1, 2, 3;
      CREATE TRIGGER events_counted AFTER INSERT ON events BEGIN
        INSERT INTO event_counts (hour, event, campaign_id, count) VALUES ((NEW.event_at_ms - ((NEW.event_at_ms % 3600000) + 3600000) % 3600000), NEW.event, NEW.campaign_id, 1)
          ON CONFLICT (hour, event, campaign_id) DO UPDATE SET count = count + 1;
      END;
      CREATE TRIGGER events_uncounted AFTER DELETE ON events BEGIN
        UPDATE event_counts SET count = count - 1 WHERE hour = (OLD.event_at_ms - ((OLD.event_at_ms % 3600000) + 3600000) % 3600000) AND event = OLD.event AND campaign_id = OLD.campaign_id;
        DELETE FROM event_counts WHERE hour = (OLD.event_at_ms - ((OLD.event_at_ms % 3600000) + 3600000) % 3600000) AND event = OLD.event AND campaign_id = OLD.campaign_id AND count <= 0;
      END;
      CREATE TABLE duplicate_counts (
        hour INTEGER NOT NULL,
        campaign_id TEXT NOT NULL,
        count INTEGER NOT NULL,
        PRIMARY KEY (hour, campaign_id)
      ) WITHOUT ROWID;
      INSERT INTO duplicate_counts (hour, campaign_id, count)
        SELECT (received_at - ((received_at % 3600000) + 3600000) % 3600000), campaign_id, sum(duplicates) FROM events WHERE duplicates > 0 GROUP BY 1, 2;
      CREATE TABLE rejection_counts (
        hour INTEGER NOT NULL,
        code TEXT NOT NULL,
        count INTEGER NOT NULL,
        PRIMARY KEY (hour, code)
      ) WITHOUT ROWID;
      INSERT INTO rejection_counts (hour, code, count) SELECT (received_at - ((received_at % 3600000) + 3600000) % 3600000), code, count(*) FROM rejections GROUP BY 1, 2;
      CREATE TRIGGER rejections_counted AFTER INSERT ON rejections BEGIN
        INSERT INTO rejection_counts (hour, code, count) VALUES ((NEW.received_at - ((NEW.received_at % 3600000) + 3600000) % 3600000), NEW.code, 1)
          ON CONFLICT (hour, code) DO UPDATE SET count = count + 1;
      END;
    `,
  },
  {
    version: 6,
    description: 'inspector sessions in the database, so every receiver on it accepts one: the SHA-256 of each session id (never the id) and its expiry',
    sql: `
      CREATE TABLE sessions (
        id_hash TEXT PRIMARY KEY,
        expires_at INTEGER NOT NULL
      ) WITHOUT ROWID;
      CREATE INDEX sessions_by_expiry ON sessions (expires_at);
    `,
  },
  {
    version: 7,
    description:
      'stored passes per campaign behind /api/stats, kept by triggers on the passes (a new pass, a deleted one, one whose campaign changed); filled from the passes stored',
    // Before, stats counted them with a scan of the passes table on every read.
    sql: `
      CREATE TABLE pass_counts (
        campaign_id TEXT PRIMARY KEY,
        count INTEGER NOT NULL
      ) WITHOUT ROWID;
      INSERT INTO pass_counts (campaign_id, count) SELECT campaign_id, count(*) FROM passes GROUP BY campaign_id;
      CREATE TRIGGER passes_counted AFTER INSERT ON passes BEGIN
        INSERT INTO pass_counts (campaign_id, count) VALUES (NEW.campaign_id, 1) ON CONFLICT (campaign_id) DO UPDATE SET count = count + 1;
      END;
      CREATE TRIGGER passes_uncounted AFTER DELETE ON passes BEGIN
        UPDATE pass_counts SET count = count - 1 WHERE campaign_id = OLD.campaign_id;
      END;
      CREATE TRIGGER passes_moved AFTER UPDATE OF campaign_id ON passes WHEN OLD.campaign_id <> NEW.campaign_id BEGIN
        UPDATE pass_counts SET count = count - 1 WHERE campaign_id = OLD.campaign_id;
        INSERT INTO pass_counts (campaign_id, count) VALUES (NEW.campaign_id, 1) ON CONFLICT (campaign_id) DO UPDATE SET count = count + 1;
      END;
    `,
  },
  {
    version: 8,
    description:
      'events per UTC day of event_at, event name and campaign behind /api/stats (kept by triggers on insert and delete), so the totals read whole days instead of every hour; filled from the hourly counts',
    sql: `
      CREATE TABLE event_day_counts (
        day INTEGER NOT NULL,
        event TEXT NOT NULL,
        campaign_id TEXT NOT NULL,
        count INTEGER NOT NULL,
        PRIMARY KEY (day, event, campaign_id)
      ) WITHOUT ROWID;
      INSERT INTO event_day_counts (day, event, campaign_id, count)
        SELECT (hour - ((hour % 86400000) + 86400000) % 86400000), event, campaign_id, sum(count) FROM event_counts GROUP BY 1, 2, 3;
      CREATE TRIGGER events_counted_by_day AFTER INSERT ON events BEGIN
        INSERT INTO event_day_counts (day, event, campaign_id, count) VALUES ((NEW.event_at_ms - ((NEW.event_at_ms % 86400000) + 86400000) % 86400000), NEW.event, NEW.campaign_id, 1)
          ON CONFLICT (day, event, campaign_id) DO UPDATE SET count = count + 1;
      END;
      CREATE TRIGGER events_uncounted_by_day AFTER DELETE ON events BEGIN
        UPDATE event_day_counts SET count = count - 1 WHERE day = (OLD.event_at_ms - ((OLD.event_at_ms % 86400000) + 86400000) % 86400000) AND event = OLD.event AND campaign_id = OLD.campaign_id;
        DELETE FROM event_day_counts WHERE day = (OLD.event_at_ms - ((OLD.event_at_ms % 86400000) + 86400000) % 86400000) AND event = OLD.event AND campaign_id = OLD.campaign_id AND count <= 0;
      END;
    `,
  },
  {
    version: 9,
    description: 'rejections that say why: the message the sender was told and, for invalid_event, up to 20 issues (JSON); rows stored before keep NULL',
    sql: `
      ALTER TABLE rejections ADD COLUMN message TEXT;
      ALTER TABLE rejections ADD COLUMN issues TEXT;
    `,
  },
  {
    version: 10,
    description:
      'events listed by forwarding state: the outbox by (state, event_id) serves ?forwarding= in id order; replays page in their list order with a cursor of (event_at_ms, id)',
    sql: `
      CREATE INDEX outbox_by_state_event ON outbox (state, event_id);
      ALTER TABLE replays ADD COLUMN cursor_at INTEGER;
    `,
  },
  {
    version: 11,
    description:
      "a pass's events found by the unique key index (every key starts with its pass_id): the index on (pass_id, sort_key) goes, one random-key index fewer written per event",
    sql: `
      DROP INDEX events_by_pass;
    `,
  },
  {
    version: 12,
    description:
      'events counted per write transaction instead of per row: the hourly and daily counts add the events past a stored position (event ids only grow), and a deleted event is uncounted only if it was counted',
    // SQLite has no statement-level trigger: two upserts per event were a sixth of the receiver's write. See storage/sqlite/event-counts.ts.
    sql: `
      CREATE TABLE event_counts_position (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        counted_through INTEGER NOT NULL
      );
      INSERT INTO event_counts_position (id, counted_through) VALUES (1, coalesce((SELECT max(id) FROM events), 0));
      DROP TRIGGER events_counted;
      DROP TRIGGER events_counted_by_day;
      DROP TRIGGER events_uncounted;
      DROP TRIGGER events_uncounted_by_day;
      CREATE TRIGGER events_uncounted AFTER DELETE ON events WHEN OLD.id <= (SELECT counted_through FROM event_counts_position) BEGIN
        UPDATE event_counts SET count = count - 1 WHERE hour = (OLD.event_at_ms - ((OLD.event_at_ms % 3600000) + 3600000) % 3600000) AND event = OLD.event AND campaign_id = OLD.campaign_id;
        DELETE FROM event_counts WHERE hour = (OLD.event_at_ms - ((OLD.event_at_ms % 3600000) + 3600000) % 3600000) AND event = OLD.event AND campaign_id = OLD.campaign_id AND count <= 0;
      END;
      CREATE TRIGGER events_uncounted_by_day AFTER DELETE ON events WHEN OLD.id <= (SELECT counted_through FROM event_counts_position) BEGIN
        UPDATE event_day_counts SET count = count - 1 WHERE day = (OLD.event_at_ms - ((OLD.event_at_ms % 86400000) + 86400000) % 86400000) AND event = OLD.event AND campaign_id = OLD.campaign_id;
        DELETE FROM event_day_counts WHERE day = (OLD.event_at_ms - ((OLD.event_at_ms % 86400000) + 86400000) % 86400000) AND event = OLD.event AND campaign_id = OLD.campaign_id AND count <= 0;
      END;
    `,
  },
  {
    version: 13,
    description:
      'passes in a rowid table with pass_id a unique key: a new pass appends its wide row (registrations, metadata) and adds a short key to the index, where the WITHOUT ROWID table split pages of whole rows at random places',
    // SQLite advises WITHOUT ROWID only for rows under about a twentieth of a page; a pass row is several hundred bytes.
    // Copied in pass_id order, so the new key index fills in order (about half the time of a random order).
    sql: `
      CREATE TABLE passes_v2 (
        pass_id TEXT NOT NULL PRIMARY KEY,
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
      );
      INSERT INTO passes_v2 (pass_id, campaign_id, distribution_id, serial_number, created_at, updated_at, voided, redeemed_count, redeemed_at, last_fetched_at,
          last_event, last_event_at, last_sort_key, event_count, installed_devices, registrations, metadata, last_received_at)
        SELECT pass_id, campaign_id, distribution_id, serial_number, created_at, updated_at, voided, redeemed_count, redeemed_at, last_fetched_at,
          last_event, last_event_at, last_sort_key, event_count, installed_devices, registrations, metadata, last_received_at FROM passes ORDER BY pass_id;
      DROP TABLE passes;
      ALTER TABLE passes_v2 RENAME TO passes;
      CREATE INDEX passes_by_campaign ON passes (campaign_id, pass_id);
      CREATE INDEX passes_by_last_received ON passes (last_received_at);
      CREATE TRIGGER passes_counted AFTER INSERT ON passes BEGIN
        INSERT INTO pass_counts (campaign_id, count) VALUES (NEW.campaign_id, 1) ON CONFLICT (campaign_id) DO UPDATE SET count = count + 1;
      END;
      CREATE TRIGGER passes_uncounted AFTER DELETE ON passes BEGIN
        UPDATE pass_counts SET count = count - 1 WHERE campaign_id = OLD.campaign_id;
      END;
      CREATE TRIGGER passes_moved AFTER UPDATE OF campaign_id ON passes WHEN OLD.campaign_id <> NEW.campaign_id BEGIN
        UPDATE pass_counts SET count = count - 1 WHERE campaign_id = OLD.campaign_id;
        INSERT INTO pass_counts (campaign_id, count) VALUES (NEW.campaign_id, 1) ON CONFLICT (campaign_id) DO UPDATE SET count = count + 1;
      END;
    `,
  },
  {
    version: 14,
    description:
      "passes numbered in the order they were first stored (seq), listed newest first: the campaign index follows each campaign_id with that number, so a new pass appends to its campaign's entries where (campaign_id, pass_id) wrote a random page",
    // The rowid becomes a declared INTEGER PRIMARY KEY, which VACUUM keeps (an undeclared rowid it may renumber):
    // a list cursor holds it. AUTOINCREMENT, as the events' ids (step 2): a number retention freed is never given again. Passes keep their order (the rowid order: pass_id order for those copied by step 13, then
    // arrival). An index on (campaign_id) ends each entry with the rowid, so it serves campaign_id = ? ORDER BY seq.
    sql: `
      CREATE TABLE passes_v3 (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        pass_id TEXT NOT NULL UNIQUE,
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
      );
      INSERT INTO passes_v3 (seq, pass_id, campaign_id, distribution_id, serial_number, created_at, updated_at, voided, redeemed_count, redeemed_at,
          last_fetched_at, last_event, last_event_at, last_sort_key, event_count, installed_devices, registrations, metadata, last_received_at)
        SELECT rowid, pass_id, campaign_id, distribution_id, serial_number, created_at, updated_at, voided, redeemed_count, redeemed_at,
          last_fetched_at, last_event, last_event_at, last_sort_key, event_count, installed_devices, registrations, metadata, last_received_at
        FROM passes ORDER BY rowid;
      DROP TABLE passes;
      ALTER TABLE passes_v3 RENAME TO passes;
      CREATE INDEX passes_by_campaign ON passes (campaign_id);
      CREATE INDEX passes_by_last_received ON passes (last_received_at);
      CREATE TRIGGER passes_counted AFTER INSERT ON passes BEGIN
        INSERT INTO pass_counts (campaign_id, count) VALUES (NEW.campaign_id, 1) ON CONFLICT (campaign_id) DO UPDATE SET count = count + 1;
      END;
      CREATE TRIGGER passes_uncounted AFTER DELETE ON passes BEGIN
        UPDATE pass_counts SET count = count - 1 WHERE campaign_id = OLD.campaign_id;
      END;
      CREATE TRIGGER passes_moved AFTER UPDATE OF campaign_id ON passes WHEN OLD.campaign_id <> NEW.campaign_id BEGIN
        UPDATE pass_counts SET count = count - 1 WHERE campaign_id = OLD.campaign_id;
        INSERT INTO pass_counts (campaign_id, count) VALUES (NEW.campaign_id, 1) ON CONFLICT (campaign_id) DO UPDATE SET count = count + 1;
      END;
    `,
  },
];

/** The schema version this build writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;
