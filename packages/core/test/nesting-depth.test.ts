import t from 'tap';
import { MAX_NESTING_DEPTH, createWebhookHandler, findTooDeep, validatePassEvent } from '@passworks-webhooks/core';
import { makePassEvent } from '@passworks-webhooks/core/testing';
import { KEY, delivery } from './helpers.js';

const nested = (levels: number): string => `${'['.repeat(levels)}${']'.repeat(levels)}`;

t.test('metadata nested to the limit is accepted, one level more is 422 at a path beyond it', async (t) => {
  const within = JSON.parse(`{"a":${nested(MAX_NESTING_DEPTH - 1)}}`) as Record<string, unknown>;
  t.equal(validatePassEvent(makePassEvent({ metadata: within })).ok, true);
  const beyond = JSON.parse(`{"a":${nested(MAX_NESTING_DEPTH)}}`) as Record<string, unknown>;
  const result = validatePassEvent(makePassEvent({ metadata: beyond }));
  t.equal(result.ok ? 'accepted' : result.error.code, 'invalid_event');
  t.equal(result.ok ? '' : result.error.issues?.[0]?.path, `$.metadata.a${'[0]'.repeat(MAX_NESTING_DEPTH - 1)}`);
  t.match(result.ok ? '' : result.error.issues?.[0]?.message, /nested deeper than 32 levels/);
});

t.test('event_extra and fields the platform adds have the same limit', async (t) => {
  const deep = JSON.parse(nested(MAX_NESTING_DEPTH + 1)) as unknown;
  for (const overrides of [{ event_extra: { wifi: deep } }, { brand_new: deep }]) {
    const result = validatePassEvent({ ...makePassEvent(), ...overrides });
    t.equal(result.ok ? 'accepted' : result.error.code, 'invalid_event', Object.keys(overrides).join());
  }
});

t.test('tens of thousands of levels, at the root or inside metadata, are 422 and never overflow the stack', async (t) => {
  const webhooks = createWebhookHandler({ apiKey: KEY });
  const event = JSON.stringify(makePassEvent());
  for (const body of [nested(50_000), `${event.slice(0, -1)},"metadata":{"a":${nested(45_000)}}}`]) {
    t.ok(Buffer.byteLength(body) < webhooks.bodyLimitBytes, 'under the body limit');
    const response = await webhooks.handle(delivery(body));
    t.equal(response.status, 422);
    t.equal(response.code, 'invalid_event');
  }
});

t.test('a cyclic value (from a body parser or a caller) is reported, not walked forever', async (t) => {
  const metadata: Record<string, unknown> = {};
  metadata.self = metadata;
  t.equal(findTooDeep({ metadata }), `/metadata${'/self'.repeat(MAX_NESTING_DEPTH)}`);
  t.equal(findTooDeep('text'), undefined);
  t.equal(findTooDeep({ 'a/b': { '~': [[1]] } }, 2), '/a~1b/~0/0');
});
