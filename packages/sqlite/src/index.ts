export { createSqliteStore, type SqliteStore, type SqliteStoreOptions } from './create-sqlite-store.js';
export { startBackgroundCheckpoints, type BackgroundCheckpointOptions, type BackgroundCheckpoints } from './background-checkpoints.js';
export { createGroupCommit, type GroupCommit, type GroupCommitOptions } from './group-commit.js';
export { DURABILITY_MODES, openDatabase, withBusyTimeout, type Durability, type OpenDatabaseOptions } from './open-database.js';
