import type Database from 'better-sqlite3';
import type { SqliteStore } from '@passworks-webhooks/sqlite';
import type { Storage } from '../storage.js';

/** The inspector's sessions on SQLite, shared by every process on the file. */
export type SqliteSessions = Pick<Storage, 'startSession' | 'sessionExpiry' | 'endSession'>;

/** {@link SqliteSessions}: writes through the store's group commit, the expiry read on `reader`. */
export function createSqliteSessions(db: Database.Database, reader: Database.Database, store: SqliteStore): SqliteSessions {
  const insertSession = db.prepare<[string, number]>('INSERT OR REPLACE INTO sessions (id_hash, expires_at) VALUES (?, ?)');
  const expireSessions = db.prepare<[number]>('DELETE FROM sessions WHERE expires_at <= ?');
  const capSessions = db.prepare<[number]>(
    'DELETE FROM sessions WHERE id_hash IN (SELECT id_hash FROM sessions ORDER BY expires_at LIMIT max(0, (SELECT count(*) FROM sessions) - ?))',
  );
  const sessionExpiry = reader.prepare<[string, number], number>('SELECT expires_at FROM sessions WHERE id_hash = ? AND expires_at > ?').pluck();
  const deleteSession = db.prepare<[string]>('DELETE FROM sessions WHERE id_hash = ?');
  return {
    startSession(idHash, expiresAt, now, maxSessions) {
      return store.groupCommit.run(() => {
        expireSessions.run(now);
        capSessions.run(maxSessions - 1);
        insertSession.run(idHash, expiresAt);
      });
    },
    async sessionExpiry(idHash, now) {
      return sessionExpiry.get(idHash, now);
    },
    async endSession(idHash) {
      await store.groupCommit.run(() => deleteSession.run(idHash));
    },
  };
}
