import { Router, type Request, type Response } from 'express';
import type { RejectionRow, Storage } from '../../storage/storage.js';
import { decodeCursor, pageOf } from '../cursor.js';
import { param, readQuery } from '../read-query.js';

const LIST = { status: param.integer(100, 599), code: param.text, since: param.instant, until: param.instant, limit: param.integer(1, 1000), cursor: param.string };

const view = (row: RejectionRow): Record<string, unknown> => ({ ...row, received_at: new Date(row.received_at).toISOString() });

/** `/rejections`: rejected deliveries, newest first (`since`/`until` on the time received). */
export function rejectionsRoutes(storage: Storage): Router {
  const router = Router();
  router.get('/rejections', async (req: Request, res: Response) => {
    const { limit = 100, cursor, ...filters } = readQuery(req, LIST);
    const rows = await storage.rejections(filters, cursor === undefined ? Number.MAX_SAFE_INTEGER : decodeCursor(cursor, 'number'), limit + 1);
    res.json(pageOf(rows, limit, view, (row) => row.id));
  });
  return router;
}
