import { Router, type Request, type Response } from 'express';
import { ERROR_CODES } from '@passworks-webhooks/core';
import type { RejectionRow, Storage } from '../../storage/storage.js';
import { decodeCursor, pageOf } from '../cursor.js';
import { param, readQuery, type ParamParser } from '../read-query.js';
import { invalidRequest } from '../send-error.js';
import type { RejectionView } from '../wire-types.js';

/** The codes a rejection can carry: every documented code answered with an HTTP status. */
const REJECTION_CODES: ReadonlySet<string> = new Set(Object.entries(ERROR_CODES).flatMap(([code, status]) => (status === undefined ? [] : [code])));

const rejectionCode: ParamParser<string> = (name, value) => {
  if (!REJECTION_CODES.has(value)) throw invalidRequest(name, `an error code (${[...REJECTION_CODES].join(', ')})`, value);
  return value;
};

const LIST = {
  status: param.integer(100, 599),
  code: rejectionCode,
  event: param.text,
  since: param.instant,
  until: param.instant,
  limit: param.integer(1, 1000),
  cursor: param.string,
};

const view = (row: RejectionRow): RejectionView => ({ ...row, received_at: new Date(row.received_at).toISOString() });

/** `/rejections`: rejected deliveries, newest first (`since`/`until` on the time received; `code` one of the documented codes, `event` the name the body gave). */
export function rejectionsRoutes(storage: Storage): Router {
  const router = Router();
  router.get('/rejections', async (req: Request, res: Response) => {
    const { limit = 100, cursor, ...filters } = readQuery(req, LIST);
    const rows = await storage.rejections(filters, cursor === undefined ? Number.MAX_SAFE_INTEGER : decodeCursor(cursor, 'number'), limit + 1);
    res.json(pageOf(rows, limit, view, (row) => row.id));
  });
  return router;
}
