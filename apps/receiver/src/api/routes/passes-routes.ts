import { Router, type Request, type Response } from 'express';
import { PassworksWebhookError } from '@passworks-webhooks/core';
import type { PassState } from '../../projection/pass-state.js';
import type { Storage } from '../../storage/storage.js';
import { decodeCursor, pageOf } from '../cursor.js';
import { timelineView } from '../event-view.js';
import type { PassDetailView, PassView } from '../wire-types.js';
import { param, readQuery } from '../read-query.js';

const LIST = { campaign_id: param.uuid, installed: param.boolean, limit: param.integer(1, 1000), cursor: param.string };
const ONE = { timeline_limit: param.integer(1, 10_000) };

/** A pass as the API shows it (the internal sort key left out). */
function passView(state: PassState): PassView {
  const { last_sort_key: _internal, ...view } = state;
  return view;
}

/** `/passes` and `/passes/:pass_id`. */
export function passesRoutes(storage: Storage): Router {
  const router = Router();

  router.get('/passes', async (req: Request, res: Response) => {
    const { limit = 100, cursor, campaign_id, installed } = readQuery(req, LIST);
    const before = cursor === undefined ? Number.MAX_SAFE_INTEGER : decodeCursor(cursor, 'number');
    const rows = await storage.passes({ campaign_id, installed }, before, limit + 1);
    res.json(
      pageOf(
        rows,
        limit,
        (row) => passView(row.state),
        (row) => row.seq,
      ),
    );
  });
  router.get('/passes/:pass_id', async (req: Request, res: Response) => {
    const passId = param.uuid('pass_id', String(req.params.pass_id));
    const { timeline_limit = 1_000 } = readQuery(req, ONE);
    const state = await storage.pass(passId);
    if (state === undefined) throw new PassworksWebhookError('not_found', `no event stored for pass ${passId}`);
    const events = await storage.timeline(passId, timeline_limit + 1);
    const data: PassDetailView = {
      ...passView(state),
      timeline: events.slice(0, timeline_limit).map(timelineView),
      timeline_truncated: events.length > timeline_limit,
    };
    res.json({ data });
  });
  return router;
}
