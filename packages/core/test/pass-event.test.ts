import t from 'tap';
import { EVENT_NAMES, isEventName, passEventJsonSchema, type PassEventOf } from '@passworks-webhooks/core';
import { Compile } from 'typebox/compile';
import { platformExample } from './helpers.js';

t.test('the six documented event names, in lifecycle order', async (t) => {
  t.same([...EVENT_NAMES], ['created', 'downloaded', 'installed', 'fetched', 'redeemed', 'uninstalled']);
  t.equal(isEventName('redeemed'), true);
  t.equal(isEventName('archived'), false);
});

t.test('the exported JSON Schema accepts the platform example and rejects an unknown event name', async (t) => {
  const schema = passEventJsonSchema();
  t.equal(schema.$schema, 'https://json-schema.org/draft/2020-12/schema');
  t.same((schema.required as string[]).includes('event_at'), true);
  const validator = Compile(schema as never);
  const example = JSON.parse(platformExample.toString('utf8'));
  t.equal(validator.Check(example), true);
  t.equal(validator.Check({ ...example, event: 'archived' }), false);
  t.equal(JSON.stringify(schema).includes('"format":"uuid"'), true);
});

t.test('PassEventOf narrows the event name', async (t) => {
  const redeemed = { event: 'redeemed' } as PassEventOf<'redeemed'>;
  // @ts-expect-error a redeemed event cannot be an installed one
  const wrong: PassEventOf<'installed'> = redeemed;
  t.equal(wrong.event, 'redeemed');
});
