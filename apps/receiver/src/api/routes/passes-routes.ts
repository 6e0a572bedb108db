import type Database from 'better-sqlite3';
import { Router, type Request, type Response } from 'express';
import { PassworksWebhookError } from '@passworks-webhooks/core';
import { passStateOf, type PassRow } from '../../projection/pass-rows.js';
import type { PassState } from '../../projection/pass-state.js';
import { decodeCursor, pageOf } from '../cursor.js';
import { timelineView, type EventRow } from '../event-view.js';
import { param, readQuery } from '../read-query.js';

const LIST = { campaign_id: param.uuid, installed: param.boolean, limit: param.integer(1, 1000), cursor: param.string };
const ONE = { timeline_limit: param.integer(1, 10_000) };

/** A pass as the API shows it (the internal sort key left out). */
function passView(state: PassState): Record<string, unknown> {
  const { last_sort_key: _internal, ...view } = state;
  return view;
}

/** `/passes` and `/passes/:pass_id`. */
export function passesRoutes(db: Database.Database): Router {
  const router = Router();
  const one = db.prepare<[string], PassRow>('SELECT * FROM passes WHERE pass_id = ?');
  const timeline = db.prepare<[string, number], EventRow>('SELECT * FROM events WHERE pass_id = ? ORDER BY sort_key, idempotency_key LIMIT ?');

  router.get('/passes', (req: Request, res: Response) => {
    const { limit = 100, cursor, campaign_id, installed } = readQuery(req, LIST);
    const clauses = ['pass_id > ?'];
    const values: unknown[] = [cursor === undefined ? '' : decodeCursor(cursor, 'string')];
    if (campaign_id !== undefined) {
      clauses.push('campaign_id = ?');
      values.push(campaign_id);
    }
    if (installed !== undefined) clauses.push(installed ? 'installed_devices > 0' : 'installed_devices = 0');
    const rows = db.prepare<unknown[], PassRow>(`SELECT * FROM passes WHERE ${clauses.join(' AND ')} ORDER BY pass_id LIMIT ?`).all(...values, limit + 1);
    res.json(pageOf(rows, limit, (row) => passView(passStateOf(row)), (row) => row.pass_id));
  });
  router.get('/passes/:pass_id', (req: Request, res: Response) => {
    const passId = param.uuid('pass_id', String(req.params.pass_id));
    const { timeline_limit = 1_000 } = readQuery(req, ONE);
    const row = one.get(passId);
    if (row === undefined) throw new PassworksWebhookError('not_found', `no event stored for pass ${passId}`);
    const events = timeline.all(passId, timeline_limit + 1);
    res.json({
      data: { ...passView(passStateOf(row)), timeline: events.slice(0, timeline_limit).map(timelineView), timeline_truncated: events.length > timeline_limit },
    });
  });
  return router;
}
