import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { PassworksWebhookError } from '@passworks-webhooks/core';
import { sendError } from './send-error.js';

const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

/** Whether a candidate equals the admin token, compared in constant time over fixed-length digests. */
export function tokenMatcher(adminToken: string): (candidate: string) => boolean {
  const expected = digest(adminToken);
  return (candidate) => timingSafeEqual(digest(candidate), expected);
}

/**
 * Guards the read API with `Authorization: Bearer <ADMIN_TOKEN>`, compared in
 * constant time over fixed-length digests. Without a token configured, the
 * read API is off: every call answers 401 saying how to turn it on.
 */
export function createAdminAuth(adminToken: string | undefined): RequestHandler {
  if (adminToken === undefined) {
    return (_req, res) => sendError(res, new PassworksWebhookError('unauthorized', 'the read API is disabled: set ADMIN_TOKEN to enable it'));
  }
  const matches = tokenMatcher(adminToken);
  return (req, res, next) => {
    const header = req.headers.authorization;
    const match = header === undefined ? undefined : /^Bearer (.+)$/i.exec(header);
    if (match?.[1] === undefined || !matches(match[1])) {
      res.setHeader('www-authenticate', 'Bearer');
      return sendError(res, new PassworksWebhookError('unauthorized', 'the Authorization header must be "Bearer <ADMIN_TOKEN>"'));
    }
    next();
  };
}
