import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { holdsSecret } from '../common/redact-secrets.js';

const SAFE_ID = /^[\w.:-]{1,128}$/;

/**
 * The caller's `X-Request-Id` when it is a short safe token holding none of
 * `secrets` (it is logged, stored with a rejection and echoed), else a new UUID.
 */
export function requestIdOf(req: IncomingMessage, secrets: readonly string[]): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && SAFE_ID.test(given) && !holdsSecret(given, secrets) ? given : randomUUID();
}
