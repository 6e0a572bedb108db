import { Router, type Request, type Response } from 'express';
import type { Storage } from '../../storage/storage.js';
import { param, readQuery } from '../read-query.js';
import type { StatsView } from '../wire-types.js';

const FILTERS = { since: param.instant, until: param.instant, campaign_id: param.uuid };

/**
 * `/stats`: stored events counted per event name, per campaign and per UTC day of `event_at`,
 * and the forwarding outbox by state (`forwarding`, the whole outbox whatever the filters).
 */
export function statsRoutes(storage: Storage): Router {
  const router = Router();
  router.get('/stats', async (req: Request, res: Response) => {
    const [stats, forwarding] = await Promise.all([storage.stats(readQuery(req, FILTERS)), storage.forwardStats()]);
    const data: StatsView = { ...stats, forwarding };
    res.json({ data });
  });
  return router;
}
