import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import express, { Router, type NextFunction, type Request, type Response } from 'express';

/** Where `npm run build` puts the inspector's static files: `dist/ui` of this package (from `src/api` and `dist/api` alike). */
export const DEFAULT_UI_DIRECTORY = fileURLToPath(new URL('../../dist/ui/', import.meta.url));

/**
 * Serves the built inspector at `/ui/`: hashed assets cached for a year,
 * `index.html` never cached. While the UI is not built, `/ui/` says how to build it.
 */
export function serveUi(directory: string = DEFAULT_UI_DIRECTORY): Router {
  const router = Router();
  router.get('/', (_req: Request, res: Response) => res.redirect(302, '/ui/'));
  router.use(
    '/ui',
    express.static(directory, {
      index: 'index.html',
      // The build holds no dot files; 'allow' keeps it served when the package sits under a dot folder (npx's ~/.npm/_npx).
      dotfiles: 'allow',
      setHeaders: (res, path) => res.setHeader('cache-control', path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache'),
    }),
    (_req: Request, res: Response, next: NextFunction) => {
      if (existsSync(join(directory, 'index.html'))) return next();
      res
        .status(404)
        .type('text/plain; charset=utf-8')
        .send('The inspector UI is not built: run `npm run build -w @passworks-webhooks/receiver` (npm start does).\n');
    },
  );
  return router;
}
