import t from 'tap';
import fc from 'fast-check';
import { ERROR_CODES, createWebhookHandler, type WebhookResponse } from '@passworks-webhooks/core';
import { makePassEvent } from '@passworks-webhooks/core/testing';
import { KEY } from './helpers.js';

const codes = new Set(Object.keys(ERROR_CODES));

/** Every non-2xx answer has exactly the documented shape. */
function checkShape(response: WebhookResponse): void {
  if (response.status >= 200 && response.status < 300) return;
  const parsed: unknown = JSON.parse(response.body);
  if (parsed === null || typeof parsed !== 'object' || Object.keys(parsed).join() !== 'error') throw new Error(`not the error shape: ${response.body}`);
  const error = (parsed as { error: Record<string, unknown> }).error;
  if (typeof error.code !== 'string' || !codes.has(error.code)) throw new Error(`unknown code: ${response.body}`);
  if (typeof error.message !== 'string' || error.message === '') throw new Error(`no message: ${response.body}`);
  if (error.issues !== undefined && !Array.isArray(error.issues)) throw new Error(`issues not a list: ${response.body}`);
  if (ERROR_CODES[error.code as keyof typeof ERROR_CODES] !== response.status) throw new Error(`status ${response.status} does not match ${error.code}`);
}

const webhooks = createWebhookHandler({ apiKey: KEY, bodyLimitBytes: 4096 });
const contentTypes = fc.constantFrom('application/json', 'application/json; charset=utf-8', 'text/plain', 'application/problem+json', '', ';;;');
const auth = fc.oneof(fc.constant(KEY), fc.string(), fc.constant(undefined));
const methods = fc.constantFrom('POST', 'POST', 'POST', 'GET', 'PUT', 'DELETE', 'post');

/** A valid event with some fields replaced by arbitrary JSON values. */
const mutatedEvent = fc
  .tuple(fc.dictionary(fc.constantFrom(...Object.keys(makePassEvent()), 'action_at', 'extra'), fc.jsonValue()), fc.boolean())
  .map(([changes, dropEventAt]) => {
    const event: Record<string, unknown> = { ...makePassEvent(), ...changes };
    if (dropEventAt) delete event.event_at;
    return JSON.stringify(event);
  });

const bodies = fc.oneof(
  fc.uint8Array({ maxLength: 5000 }),
  fc.string({ maxLength: 300 }),
  fc.jsonValue().map((value) => JSON.stringify(value) ?? ''),
  mutatedEvent,
  mutatedEvent.map((text) => Buffer.from(text)),
);

t.test('no input makes the pipeline throw or answer 5xx, and every non-2xx has the documented error shape', async (t) => {
  let runs = 0;
  await fc.assert(
    fc.asyncProperty(methods, contentTypes, auth, bodies, async (method, type, key, body) => {
      runs++;
      const headers: Record<string, string> = { 'content-type': type };
      if (key !== undefined) headers.authorization = key;
      const response = await webhooks.handle({ method, headers, body });
      if (response.status >= 500) throw new Error(`5xx: ${response.body}`);
      checkShape(response);
    }),
    { numRuns: 2000 },
  );
  t.equal(runs, 2000);
});

t.test('the same event in any order with any duplicates is handled exactly once per key', async (t) => {
  await fc.assert(
    fc.asyncProperty(fc.array(fc.nat({ max: 4 }), { minLength: 1, maxLength: 40 }), async (order) => {
      const events = Array.from({ length: 5 }, () => JSON.stringify(makePassEvent()));
      const handled: string[] = [];
      const handler = createWebhookHandler({ apiKey: KEY, onAny: (event) => void handled.push(event.pass_id) });
      await Promise.all(
        order.map((index) => handler.handle({ method: 'POST', headers: { 'content-type': 'application/json', authorization: KEY }, body: events[index] })),
      );
      if (handled.length !== new Set(order).size) throw new Error(`handled ${handled.length} for ${new Set(order).size} distinct events`);
    }),
    { numRuns: 200 },
  );
  t.pass('held for 200 orders');
});
