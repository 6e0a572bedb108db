import { createHmac, randomBytes } from 'node:crypto';
import express, { Router, type Request, type RequestHandler, type Response } from 'express';
import type { Logger } from '@passworks-webhooks/core';
import type { Storage } from '../storage/storage.js';
import { tokenMatcher } from './create-admin-auth.js';
import { NO_PARAMETERS, readQuery } from './read-query.js';

/** Options of {@link createSessions}. */
export interface SessionOptions {
  /** The admin token a sign-in must present; without one nobody signs in. */
  readonly adminToken: string | undefined;
  /** Where sessions are kept: the receiver's database, shared by every instance on it. */
  readonly storage: Pick<Storage, 'startSession' | 'sessionExpiry' | 'endSession'>;
  /** How long a session lasts from its sign-in. @default 28_800_000 (8 hours) */
  readonly ttlMs?: number;
  /** The most sessions held; past it the one closest to expiry ends. @default 1_000 */
  readonly maxSessions?: number;
  readonly logger: Logger;
  /** The clock, in epoch ms. */
  readonly now: () => number;
}

/** The inspector's browser sessions. */
export interface Sessions {
  /** `POST /session` (sign in), `GET /session`, `POST /session/end` (sign out); mounted under `/api` before the admin auth. */
  readonly router: Router;
  /** Lets a request with a live session through (a state change only from the same origin, else 403), and hands any other to `bearer` (the admin token check). */
  readonly sessionOr: (bearer: RequestHandler) => RequestHandler;
}

/** The session cookie's name. */
export const SESSION_COOKIE = 'passworks_session';
const SIGNED_IN = '/ui/';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const SIGN_IN_FAILED = '/ui/?signin=failed';

function cookieOf(req: Request, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
  }
  return undefined;
}

/**
 * Whether a browser sent the request from this origin: its `Origin` names the
 * host the browser addressed, or (no `Origin`) `Sec-Fetch-Site` says
 * `same-origin`. The host addressed is `X-Forwarded-Host` when the peer is a
 * proxy `TRUST_PROXY` trusts (Express's `req.host`), else `Host`: behind
 * nginx passing `Host $http_host` either way names the public host. Requests
 * with neither header are refused: a state change comes from the
 * inspector's own pages.
 */
export function isSameOrigin(req: Request): boolean {
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== 'null') {
    try {
      const host = req.host;
      return host !== undefined && new URL(origin).host === new URL(`http://${host}`).host;
    } catch {
      return false;
    }
  }
  return req.headers['sec-fetch-site'] === 'same-origin';
}

function forbidden(res: Response, message: string): void {
  res
    .status(403)
    .type('application/json; charset=utf-8')
    .send(JSON.stringify({ error: { code: 'forbidden', message } }));
}

/**
 * What the database keeps of a session id: its HMAC-SHA256 keyed by the admin
 * token (hex). A read of the table gives no usable cookie, and the stored
 * value binds the session to the token that made it: after a restart with
 * another `ADMIN_TOKEN` the same cookie hashes to another value, which no
 * row holds, so every session made with the old token ends on every
 * instance at once (issue 20, item 2). Neither the token nor a value
 * derived from the token alone is stored.
 */
const sessionKeyer =
  (adminToken: string) =>
  (id: string): string =>
    createHmac('sha256', adminToken).update(id, 'utf8').digest('hex');

/**
 * Server-side sessions for the inspector: signing in with the admin token
 * (a same-origin form POST) makes a random 256-bit id, stored in the
 * database as its HMAC keyed by the admin token, with its expiry (so every
 * receiver on the database with the same token accepts it), and set as an
 * `HttpOnly`, `SameSite=Strict` cookie; the token itself is never stored in
 * the browser. Only the admin token signs in (the webhook key never does).
 * A session lives only while the token that made it is configured: without
 * a token every session is refused, with another one it is unknown. Signing
 * out needs the session and a same-origin request.
 */
export function createSessions({ adminToken, storage, ttlMs = 8 * 3_600_000, maxSessions = 1_000, logger, now }: SessionOptions): Sessions {
  const matches = adminToken === undefined ? () => false : tokenMatcher(adminToken);
  const hashOf = adminToken === undefined ? undefined : sessionKeyer(adminToken);

  /** The request's live session: the keyed hash of its cookie's id, and when it expires. None without an admin token. */
  const sessionOf = async (req: Request): Promise<{ hash: string; expiresAt: number } | undefined> => {
    const id = cookieOf(req, SESSION_COOKIE);
    if (hashOf === undefined || id === undefined || id.length === 0) return undefined;
    const hash = hashOf(id);
    const expiresAt = await storage.sessionExpiry(hash, now());
    return expiresAt === undefined ? undefined : { hash, expiresAt };
  };
  const setCookie = (req: Request, res: Response, value: string, maxAgeSeconds: number): void => {
    const secure = req.secure ? '; Secure' : '';
    res.setHeader('set-cookie', `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${secure}`);
  };
  const start = async (keyOf: (id: string) => string): Promise<string> => {
    const at = now();
    const id = randomBytes(32).toString('base64url');
    await storage.startSession(keyOf(id), at + ttlMs, at, maxSessions);
    return id;
  };

  const router = Router();
  const form = express.urlencoded({ extended: false, limit: '4kb', parameterLimit: 5 });
  // The form parser's own failures (too large, bad charset, too many fields) are the caller's: a 4xx in the API's shape.
  const readForm: RequestHandler = (req, res, next) =>
    form(req, res, (error?: unknown) => {
      if (error === undefined || error === null) return next();
      const status = (error as { status?: unknown }).status;
      const code = status === 413 ? 'payload_too_large' : 'invalid_request';
      res
        .status(status === 413 ? 413 : 400)
        .type('application/json; charset=utf-8')
        .send(JSON.stringify({ error: { code, message: 'the sign-in form must be a small application/x-www-form-urlencoded body with one field, token' } }));
    });
  router.post('/session', readForm, async (req: Request, res: Response) => {
    if (!isSameOrigin(req)) return forbidden(res, 'sign in from the inspector page of this receiver');
    const token: unknown = (req.body as Record<string, unknown> | undefined)?.token;
    if (typeof token !== 'string' || hashOf === undefined || !matches(token)) {
      logger.warn({ reason: adminToken === undefined ? 'ADMIN_TOKEN not set' : 'wrong token' }, 'inspector sign-in refused');
      res.redirect(303, SIGN_IN_FAILED);
      return;
    }
    setCookie(req, res, await start(hashOf), Math.floor(ttlMs / 1000));
    res.redirect(303, SIGNED_IN);
  });
  router.get('/session', async (req: Request, res: Response) => {
    readQuery(req, NO_PARAMETERS);
    const session = await sessionOf(req);
    if (session === undefined) {
      res
        .status(401)
        .type('application/json; charset=utf-8')
        .send(JSON.stringify({ error: { code: 'unauthorized', message: 'no session: sign in at /ui/' } }));
      return;
    }
    res.json({ data: { expires_at: new Date(session.expiresAt).toISOString() } });
  });
  router.post('/session/end', async (req: Request, res: Response) => {
    const session = await sessionOf(req);
    if (session === undefined || !isSameOrigin(req)) return forbidden(res, 'signing out needs a session and a same-origin request');
    await storage.endSession(session.hash);
    setCookie(req, res, '', 0);
    res.redirect(303, SIGNED_IN);
  });

  return {
    router,
    sessionOr: (bearer) => async (req, res, next) => {
      // A request without the cookie (the bearer token) reads nothing from the database here.
      if (cookieOf(req, SESSION_COOKIE) === undefined || (await sessionOf(req)) === undefined) return bearer(req, res, next);
      // A cookie goes with any request the browser makes: a state change on a session must come from this origin.
      if (!SAFE_METHODS.has(req.method) && !isSameOrigin(req))
        return forbidden(res, 'a change made with a session must come from the inspector page of this receiver');
      next();
    },
  };
}
