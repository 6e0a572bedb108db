import type Database from 'better-sqlite3';
import { Router, type Request, type Response } from 'express';
import { param, readQuery } from '../read-query.js';

const FILTERS = { since: param.instant, until: param.instant, campaign_id: param.uuid };

/** `/stats`: stored events counted per event name, per campaign and per UTC day of `event_at`. */
export function statsRoutes(db: Database.Database): Router {
  const router = Router();
  router.get('/stats', (req: Request, res: Response) => {
    const { since, until, campaign_id } = readQuery(req, FILTERS);
    const clauses = ['1 = 1'];
    const values: unknown[] = [];
    if (since !== undefined) (clauses.push('event_at_ms >= ?'), values.push(since));
    if (until !== undefined) (clauses.push('event_at_ms < ?'), values.push(until));
    if (campaign_id !== undefined) (clauses.push('campaign_id = ?'), values.push(campaign_id));
    const where = clauses.join(' AND ');
    const all = <R>(sql: string): R[] => db.prepare<unknown[], R>(sql).all(...values);
    res.json({
      data: {
        total: all<{ n: number }>(`SELECT count(*) AS n FROM events WHERE ${where}`)[0]?.n ?? 0,
        by_event: all(`SELECT event, count(*) AS count FROM events WHERE ${where} GROUP BY event ORDER BY event`),
        by_campaign: all(
          `SELECT campaign_id, count(*) AS count, count(DISTINCT pass_id) AS passes FROM events WHERE ${where} GROUP BY campaign_id ORDER BY campaign_id`,
        ),
        by_day: all(`SELECT substr(event_at, 1, 10) AS day, count(*) AS count FROM events WHERE ${where} GROUP BY day ORDER BY day`),
      },
    });
  });
  return router;
}
