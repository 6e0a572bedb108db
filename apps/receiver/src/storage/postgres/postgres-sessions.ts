import type { Storage } from '../storage.js';
import type { PostgresQuery } from './postgres-query.js';

const SQL = {
  // Expired sessions go, then the ones closest to expiry past the cap, then the new one is stored.
  startSession: `WITH expired AS (DELETE FROM sessions WHERE expires_at <= $3),
    capped AS (DELETE FROM sessions WHERE id_hash IN (SELECT id_hash FROM sessions WHERE expires_at > $3 ORDER BY expires_at
      LIMIT GREATEST(0, (SELECT count(*) FROM sessions WHERE expires_at > $3) - $4)))
    INSERT INTO sessions (id_hash, expires_at) VALUES ($1, $2) ON CONFLICT (id_hash) DO UPDATE SET expires_at = excluded.expires_at`,
};

/** The inspector's sessions on PostgreSQL, shared by every instance on the database. */
export type PostgresSessions = Pick<Storage, 'startSession' | 'sessionExpiry' | 'endSession'>;

/** {@link PostgresSessions} through `query`. */
export function createPostgresSessions(query: PostgresQuery): PostgresSessions {
  return {
    async startSession(idHash, expiresAt, now, maxSessions) {
      await query('starting a session', SQL.startSession, [idHash, expiresAt, now, maxSessions - 1]);
    },
    async sessionExpiry(idHash, now) {
      const { rows } = await query<{ expires_at: string }>('reading a session', 'SELECT expires_at FROM sessions WHERE id_hash = $1 AND expires_at > $2', [
        idHash,
        now,
      ]);
      return rows[0] === undefined ? undefined : Number(rows[0].expires_at);
    },
    async endSession(idHash) {
      await query('ending a session', 'DELETE FROM sessions WHERE id_hash = $1', [idHash]);
    },
  };
}
