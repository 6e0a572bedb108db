import { PassworksWebhookError } from './errors.js';
import { EVENT_NAMES } from './event-names.js';
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

function buildAccepted(event: string, duplicate: boolean): WebhookResponse {
  return Object.freeze({
    status: 200,
    headers: Object.freeze({ 'content-type': JSON_TYPE }),
    body: JSON.stringify({ received: true, duplicate, event }),
    outcome: duplicate ? 'duplicate' : 'processed',
    event,
  });
}

// The answers to known events never change: built once, not per delivery.
const accepted = new Map<string, WebhookResponse>(EVENT_NAMES.flatMap((event) => [[`${event}:false`, buildAccepted(event, false)] as const, [`${event}:true`, buildAccepted(event, true)] as const]));

/** A 200 answer: the event was handled now, or before (`duplicate`). */
export function acceptedResponse(event: string, duplicate: boolean): WebhookResponse {
  return accepted.get(`${event}:${duplicate}`) ?? buildAccepted(event, duplicate);
}
