import type Database from 'better-sqlite3';
import { Router, type Request, type Response } from 'express';
import { decodeCursor, pageOf } from '../cursor.js';
import { param, readQuery } from '../read-query.js';

const LIST = { status: param.integer(100, 599), code: param.text, since: param.instant, until: param.instant, limit: param.integer(1, 1000), cursor: param.string };

interface RejectionRow {
  readonly id: number;
  readonly received_at: number;
  readonly status: number;
  readonly code: string;
  readonly event: string | null;
  readonly client_address: string | null;
  readonly request_id: string | null;
  readonly body_bytes: number;
  readonly body_prefix: string;
}

const view = (row: RejectionRow): Record<string, unknown> => ({ ...row, received_at: new Date(row.received_at).toISOString() });

/** `/rejections`: rejected deliveries, newest first (`since`/`until` on the time received). */
export function rejectionsRoutes(db: Database.Database): Router {
  const router = Router();
  router.get('/rejections', (req: Request, res: Response) => {
    const { limit = 100, cursor, status, code, since, until } = readQuery(req, LIST);
    const clauses = ['id < ?'];
    const values: unknown[] = [cursor === undefined ? Number.MAX_SAFE_INTEGER : decodeCursor(cursor, 'number')];
    if (status !== undefined) (clauses.push('status = ?'), values.push(status));
    if (code !== undefined) (clauses.push('code = ?'), values.push(code));
    if (since !== undefined) (clauses.push('received_at >= ?'), values.push(since));
    if (until !== undefined) (clauses.push('received_at < ?'), values.push(until));
    const rows = db.prepare<unknown[], RejectionRow>(`SELECT * FROM rejections WHERE ${clauses.join(' AND ')} ORDER BY id DESC LIMIT ?`).all(...values, limit + 1);
    res.json(pageOf(rows, limit, view, (row) => row.id));
  });
  return router;
}
