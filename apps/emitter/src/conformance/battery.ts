import type { PassEvent } from '@passworks-webhooks/core';
import type { EmitterRequest, EmitterResponse } from '../delivery/transport.js';
import { formatInstant, parseInstant } from '../simulator/timestamps.js';

/** What a case accepts: the statuses (as a test) and how to say it. */
export interface Expectation {
  readonly description: string;
  readonly accepts: (status: number) => boolean;
}

/** One case of the conformance battery. */
export interface ConformanceCase {
  readonly id: string;
  readonly name: string;
  readonly expected: Expectation;
  readonly request: EmitterRequest;
  /** A further check of a passing status; returns why it fails, if it does. */
  readonly check?: (response: EmitterResponse) => string | undefined;
}

const is2xx: Expectation = { description: '2xx', accepts: (status) => status >= 200 && status < 300 };
const oneOf = (...statuses: number[]): Expectation => ({ description: statuses.join(' or '), accepts: (status) => statuses.includes(status) });

/** A 2xx answer to a repeat must not claim it was new, when the body says either way. */
function mustBeDuplicate(response: EmitterResponse): string | undefined {
  try {
    const body: unknown = JSON.parse(response.body);
    if (body !== null && typeof body === 'object' && 'duplicate' in body && (body as { duplicate: unknown }).duplicate === false) {
      return 'answered duplicate: false for an event already accepted';
    }
  } catch {
    // A body that is not JSON says nothing about duplicates: any 2xx is right.
  }
  return undefined;
}

/** The largest body a receiver is expected to refuse with 413 (past 1 MiB). */
export const OVERSIZED_BYTES = 1_100_000;

/**
 * The battery, in the order it runs (the duplicate cases follow the valid
 * one). Statuses follow design.md, widened to what a user's own endpoint may
 * reasonably answer: 2xx for valid, duplicate and unknown events; 401 or 403
 * for a wrong or missing key; 400 for malformed JSON; 400 or 422 for a
 * schema-invalid event; 400 or 415 for a wrong content type; 413 for an
 * oversized body; 404 or 405 for GET.
 */
export function conformanceBattery(event: PassEvent, apiKey: string, path: string): ConformanceCase[] {
  const json = 'application/json; charset=utf-8';
  const post = (body: string | Buffer, headers: Record<string, string | undefined> = {}): EmitterRequest => {
    const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    const all: Record<string, string> = {};
    for (const [name, value] of Object.entries({ 'content-type': json, authorization: apiKey, 'user-agent': 'passworks-emitter/0.1', ...headers })) {
      if (value !== undefined) all[name] = value;
    }
    all['content-length'] = String(bytes.length);
    return { method: 'POST', path, headers: all, body: bytes };
  };
  const body = JSON.stringify(event);
  const otherSpelling = JSON.stringify({ ...event, event_at: formatInstant(parseInstant(event.event_at), 'offset') });
  const { event_at: _dropped, ...withoutEventAt } = event;
  const schemaInvalid = JSON.stringify({ ...withoutEventAt, redeemed_count: 'many' });
  const unknown = JSON.stringify({ ...event, event: 'pass_shared', event_at: formatInstant(parseInstant(event.event_at) + 1000) });
  const padding = 'x'.repeat(OVERSIZED_BYTES);
  const oversized = JSON.stringify({ ...event, metadata: { ...event.metadata, padding } });
  return [
    { id: 'valid', name: 'valid event', expected: is2xx, request: post(body) },
    { id: 'duplicate', name: 'same event again', expected: is2xx, request: post(body), check: mustBeDuplicate },
    { id: 'other-spelling', name: 'same event, event_at spelt ...+00:00', expected: is2xx, request: post(otherSpelling), check: mustBeDuplicate },
    { id: 'wrong-key', name: 'wrong API key', expected: oneOf(401, 403), request: post(body, { authorization: 'pk_wrong_0000000000000000000000000000' }) },
    { id: 'missing-key', name: 'no Authorization header', expected: oneOf(401, 403), request: post(body, { authorization: undefined }) },
    { id: 'malformed-json', name: 'malformed JSON', expected: oneOf(400), request: post(body.slice(0, Math.floor(body.length / 2))) },
    { id: 'schema-invalid', name: 'schema-invalid event', expected: oneOf(400, 422), request: post(schemaInvalid) },
    { id: 'unknown-event', name: 'unknown event name', expected: is2xx, request: post(unknown) },
    { id: 'wrong-content-type', name: 'Content-Type text/plain', expected: oneOf(400, 415), request: post(body, { 'content-type': 'text/plain' }) },
    { id: 'oversized', name: `body over 1 MiB (${OVERSIZED_BYTES} bytes of padding)`, expected: oneOf(413), request: post(oversized) },
    {
      id: 'get',
      name: 'GET instead of POST',
      expected: oneOf(404, 405),
      request: { method: 'GET', path, headers: { authorization: apiKey }, body: new Uint8Array(0) },
    },
  ];
}
