export { createPostgresStore, type PostgresStore, type PostgresStoreOptions, type Queryable, type RefusalOutcome } from './create-postgres-store.js';
export { migrate, migrationStatements } from './migrate.js';
export { tableName, type TableName } from './table-name.js';
export { toStoreUnavailable } from './to-store-unavailable.js';
export { prepared } from './prepared.js';
export { batchPerTurn, type BatchPerTurn, type BatchPerTurnOptions } from './batch-per-turn.js';
