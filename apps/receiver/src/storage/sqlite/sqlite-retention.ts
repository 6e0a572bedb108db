import type Database from 'better-sqlite3';
import type { SqliteStore } from '@passworks-webhooks/sqlite';
import { deletePrunedAttemptsSql, deletePrunedOutboxSql, stalePassesSql } from '../sql/outbox-retention-sql.js';
import { HOUR_MS } from '../sql/stats-queries.js';
import type { Storage } from '../storage.js';
import { passEventsSql } from './pass-events-sql.js';

/** The SQLite storage's retention: stale passes with their events and outbox rows, old rejections, old hourly counts, expired keys. */
export type SqliteRetention = Pick<Storage, 'pruneStalePasses' | 'pruneRejections' | 'pruneCounts' | 'pruneKeys'>;

/** {@link SqliteRetention} through the store's group commit; `deadLetterPruned` dead-letters a pruned pass's pending outbox rows. */
export function createSqliteRetention(db: Database.Database, store: SqliteStore, deadLetterPruned: (passId: string, now: number) => number): SqliteRetention {
  const stalePasses = db.prepare<[number, number, number], string>(stalePassesSql({ cutoff: '?', keepQueuedSince: '?', limit: '?' })).pluck();
  const deleteEvents = db.prepare<{ pass: string }>(`DELETE FROM events WHERE ${passEventsSql('@pass')}`);
  const recentKeys = db.prepare<{ pass: string; after: number }, { idempotency_key: string; received_at: number }>(
    `SELECT idempotency_key, received_at FROM events WHERE ${passEventsSql('@pass')} AND received_at > @after`,
  );
  const deleteAttempts = db.prepare<{ pass: string }>(deletePrunedAttemptsSql('= @pass', passEventsSql('@pass')));
  const deleteOutbox = db.prepare<{ pass: string }>(deletePrunedOutboxSql('= @pass'));
  const deletePass = db.prepare<[string]>('DELETE FROM passes WHERE pass_id = ?');
  const deleteRejections = db.prepare<[number, number]>('DELETE FROM rejections WHERE id IN (SELECT id FROM rejections WHERE received_at < ? LIMIT ?)');
  // An hour's counts go once the whole hour is before the cutoff.
  const deleteDuplicateCounts = db.prepare<[number]>('DELETE FROM duplicate_counts WHERE hour <= ?');
  const deleteRejectionCounts = db.prepare<[number]>('DELETE FROM rejection_counts WHERE hour <= ?');
  return {
    pruneStalePasses(cutoffMs, chunk, { keepQueuedSinceMs, now }) {
      // The work returns its counts instead of adding to ours: group commit may run it twice (see GroupCommit.run).
      return store.groupCommit.run(() => {
        const ids = stalePasses.all(cutoffMs, keepQueuedSinceMs, chunk);
        const deleted = { passes: 0, events: 0, gone: 0, last: ids.length < chunk };
        for (const id of ids) {
          deleteAttempts.run({ pass: id });
          deleteOutbox.run({ pass: id });
          deleted.gone += deadLetterPruned(id, now);
          // The rows were the done marks (isHandled): a key received within the store's TTL keeps a mark of its own, so a late copy is
          // still a duplicate, not a pass brought back from one old event (the cutoff is at most now, so this reads a superset).
          store.keepDone(recentKeys.all({ pass: id, after: cutoffMs - store.doneTtlMs }).map((row) => ({ key: row.idempotency_key, doneAt: row.received_at })));
          deleted.events += deleteEvents.run({ pass: id }).changes;
          deleted.passes += deletePass.run(id).changes;
        }
        return deleted;
      });
    },
    pruneRejections(cutoffMs, chunk) {
      return store.groupCommit.run(() => deleteRejections.run(cutoffMs, chunk).changes);
    },
    pruneCounts(cutoffMs) {
      return store.groupCommit.run(() => deleteDuplicateCounts.run(cutoffMs - HOUR_MS).changes + deleteRejectionCounts.run(cutoffMs - HOUR_MS).changes);
    },
    pruneKeys() {
      return store.prune();
    },
  };
}
