import type { Response } from 'express';
import { PassworksWebhookError } from '@passworks-webhooks/core';
import { DEFAULTS } from '../common/defaults.js';

/** The one place the read API writes an error: core's status and body shape; a failing database's 503 with `Retry-After`, as on the webhook path. */
export function sendError(res: Response, error: PassworksWebhookError): void {
  if (res.headersSent) {
    res.destroy(error);
    return;
  }
  if (error.code === 'store_unavailable') res.setHeader('retry-after', String(DEFAULTS.retryAfterSeconds));
  res
    .status(error.status ?? 500)
    .type('application/json; charset=utf-8')
    .send(JSON.stringify(error.toBody()));
}

/** A 400 `invalid_request` naming the parameter and the value that failed. */
export function invalidRequest(name: string, expected: string, got: unknown): PassworksWebhookError {
  const shown = typeof got === 'string' ? JSON.stringify(got.length > 80 ? `${got.slice(0, 77)}...` : got) : JSON.stringify(got);
  return new PassworksWebhookError('invalid_request', `${name}: expected ${expected}, got ${shown}`);
}
