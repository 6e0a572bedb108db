import { ERROR_CODES, requestError, type ErrorCode, type PassworksWebhookError } from './errors.js';
import { EVENT_NAMES } from './event-names.js';
import type { StoredOutcome } from './idempotency-store.js';
import type { WebhookResponse } from './webhook-http.js';

const JSON_TYPE = 'application/json; charset=utf-8';

/** The one place an error becomes a response: the documented body, its status, and any extra headers. */
export function errorResponse(error: PassworksWebhookError, headers: Record<string, string> = {}, event?: string): WebhookResponse {
  const status = error.status ?? 500;
  const body = JSON.stringify(error.toBody());
  return {
    status,
    headers: { 'content-type': JSON_TYPE, 'content-length': String(Buffer.byteLength(body)), ...headers },
    body,
    outcome: status >= 500 ? 'failed' : 'rejected',
    code: error.code,
    ...(event === undefined ? {} : { event }),
  };
}

/** The answer a refused event's key was stored with, given again to a retry (the handlers do not run). */
export function refusedResponse(outcome: StoredOutcome, event?: string): WebhookResponse {
  const code: ErrorCode = Object.hasOwn(ERROR_CODES, outcome.code) ? (outcome.code as ErrorCode) : 'event_refused';
  return errorResponse(requestError(code, outcome.message, { status: outcome.status }), {}, event);
}

function buildAccepted(event: string, duplicate: boolean): WebhookResponse {
  const body = JSON.stringify({ received: true, duplicate, event });
  return Object.freeze({
    status: 200,
    headers: Object.freeze({ 'content-type': JSON_TYPE, 'content-length': String(Buffer.byteLength(body)) }),
    body,
    outcome: duplicate ? 'duplicate' : 'processed',
    event,
  });
}

// The answers to known events never change: built once, not per delivery.
const processed = new Map<string, WebhookResponse>(EVENT_NAMES.map((event) => [event, buildAccepted(event, false)]));
const duplicates = new Map<string, WebhookResponse>(EVENT_NAMES.map((event) => [event, buildAccepted(event, true)]));

/** A 200 answer: the event was handled now, or before (`duplicate`); with `passId`, the answer names its pass for the caller's log (not in the body). */
export function acceptedResponse(event: string, duplicate: boolean, passId?: string): WebhookResponse {
  const answer = (duplicate ? duplicates : processed).get(event) ?? buildAccepted(event, duplicate);
  return passId === undefined ? answer : { ...answer, passId };
}
