import type Database from 'better-sqlite3';
import { DEFAULT_MAX_REJECTIONS, rejectionColumns, type Rejection } from '../rejection.js';

/** Writes one rejection row: synchronous, inside a transaction. */
export type RejectionRecorder = (rejection: Rejection) => void;

/**
 * Prepares the insert of {@link RejectionRecorder}. Anyone can send a
 * rejected request, so the table is capped: every tenth of `maxRejections`
 * inserts, the oldest rows past the newest `maxRejections` are deleted.
 */
export function createRejectionRecorder(db: Database.Database, maxRejections = DEFAULT_MAX_REJECTIONS): RejectionRecorder {
  const insert = db.prepare(
    `INSERT INTO rejections (received_at, status, code, event, client_address, request_id, body_bytes, body_prefix, message, issues)
     VALUES (@received_at, @status, @code, @event, @client_address, @request_id, @body_bytes, @body_prefix, @message, @issues)`,
  );
  const trim = db.prepare('DELETE FROM rejections WHERE id <= (SELECT id FROM rejections ORDER BY id DESC LIMIT 1 OFFSET ?)');
  const every = Math.max(1, Math.floor(maxRejections / 10));
  let sinceTrim = every; // trim on the first insert: the table may come from an earlier run
  return (rejection) => {
    insert.run(rejectionColumns(rejection));
    if (++sinceTrim >= every) {
      sinceTrim = 0;
      trim.run(maxRejections);
    }
  };
}
