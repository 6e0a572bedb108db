export { createApp, type ReceiverApp } from './app.js';
export type { AppOptions } from './app-options.js';
export { startReceiver, type RunningReceiver, type StartReceiverOptions } from './start-receiver.js';
export { main, type MainIo } from './main.js';
export { loadConfig, helpText, type LoadedConfig, type ReceiverConfig } from './config/load-config.js';
export { CONFIG_VARIABLES, LOG_LEVELS, type ConfigVariable } from './config/config-variables.js';
export { SCHEMA_VERSION, migrate } from './storage/sqlite/migrate.js';
export { MIGRATIONS, type Migration } from './storage/sqlite/migrations.js';
export { createEventRecorder, recordedKeys, type EventRecorder, type RecordOutcome } from './storage/sqlite/create-event-recorder.js';
export { createEventCounts } from './storage/sqlite/event-counts.js';
export { applyEvent, projectPass, type PassState, type Registration } from './projection/pass-state.js';
export { sortKeyOf, instantOf, type EventInstant } from './projection/sort-key.js';
export type {
  EventFilters,
  EventRange,
  EventToRecord,
  ListedPass,
  PassFilters,
  PrunedChunk,
  RejectionFilters,
  RejectionRow,
  Stats,
  StatsFilters,
  Storage,
} from './storage/storage.js';
export type { EventRow, StoredEvent } from './storage/storage.js';
export { createSqliteStorage, receiverStore, type SqliteStorage, type SqliteStorageOptions } from './storage/sqlite/create-sqlite-storage.js';
export { createPostgresStorage, type PostgresStorage, type PostgresStorageOptions } from './storage/postgres/create-postgres-storage.js';
export { POSTGRES_MIGRATIONS, type PostgresMigration } from './storage/postgres/migrations.js';
export type { EventStream, EventStreamOptions } from './api/create-event-stream.js';
export { CONTENT_SECURITY_POLICY } from './api/security-headers.js';
export { countingDuplicates } from './webhook/counting-duplicates.js';
export { createLogOutput, type LogOutput, type LogOutputOptions } from './ops/create-log-output.js';
export type {
  AttemptOutcome,
  AttemptRecord,
  DeliveryAttemptRow,
  FinishedAttempt,
  ForwardStats,
  ForwardStorage,
  OutboxItem,
  OutboxRow,
  ReplayFilter,
  ReplayRow,
} from './storage/forward-storage.js';
export type { OutboxState } from './storage/event-filters.js';
export { createForwarder, type ForwardOptions, type Forwarder, type ForwarderOptions } from './forward/create-forwarder.js';
export { retryAfterMs, retryDelayMs, type BackoffOptions } from './common/backoff.js';
