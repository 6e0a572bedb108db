import { PassworksWebhookError } from './errors.js';
import type { WebhookResponse } from './webhook-http.js';

const JSON_TYPE = 'application/json; charset=utf-8';

/** The one place an error becomes a response: the documented body, its status, and any extra headers. */
export function errorResponse(error: PassworksWebhookError, headers: Record<string, string> = {}, event?: string): WebhookResponse {
  const status = error.status ?? 500;
  return {
    status,
    headers: { 'content-type': JSON_TYPE, ...headers },
    body: JSON.stringify(error.toBody()),
    outcome: status >= 500 ? 'failed' : 'rejected',
    code: error.code,
    ...(event === undefined ? {} : { event }),
  };
}

/** A 200 answer: the event was handled now, or before (`duplicate`). */
export function acceptedResponse(event: string, duplicate: boolean): WebhookResponse {
  return {
    status: 200,
    headers: { 'content-type': JSON_TYPE },
    body: JSON.stringify({ received: true, duplicate, event }),
    outcome: duplicate ? 'duplicate' : 'processed',
    event,
  };
}
