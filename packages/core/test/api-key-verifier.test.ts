import t from 'tap';
import { inspect } from 'node:util';
import { apiKeysFromEnv, createApiKeyVerifier } from '@passworks-webhooks/core';

const KEY = 'sk_live_abcdef0123456789';

t.test('accepts the exact key and rejects one differing only in length or last character', async (t) => {
  const verifier = createApiKeyVerifier(KEY);
  t.equal(await verifier.verify(KEY), true);
  t.equal(await verifier.verify(KEY.slice(0, -1)), false, 'one character shorter');
  t.equal(await verifier.verify(`${KEY}9`), false, 'one character longer');
  t.equal(await verifier.verify(`${KEY.slice(0, -1)}8`), false, 'last character differs');
  t.equal(await verifier.verify(`Bearer ${KEY}`), false, 'a scheme word is not the raw key');
  t.equal(await verifier.verify(undefined), false);
  t.equal(await verifier.verify(''), false);
});

t.test('several live keys (rotation) each verify', async (t) => {
  const verifier = createApiKeyVerifier(['new-key', 'old-key']);
  t.equal(await verifier.verify('new-key'), true);
  t.equal(await verifier.verify('old-key'), true);
  t.equal(await verifier.verify('other'), false);
});

t.test('keys from an async function are read per request (hot swap)', async (t) => {
  let current = 'first';
  const verifier = createApiKeyVerifier(async () => current);
  t.equal(await verifier.verify('first'), true);
  current = 'second';
  t.equal(await verifier.verify('first'), false);
  t.equal(await verifier.verify('second'), true);
});

t.test('a key function that yields no key rejects instead of opening up', async (t) => {
  await t.rejects(async () => createApiKeyVerifier(() => []).verify('anything'), { code: 'invalid_config' });
  await t.rejects(async () => createApiKeyVerifier(() => Promise.reject(new Error('vault down'))).verify('anything'), { message: 'vault down' });
});

t.test('an empty key list or an empty key fails at creation', async (t) => {
  t.throws(() => createApiKeyVerifier([]), { code: 'invalid_config' });
  t.throws(() => createApiKeyVerifier(['ok', '']), { code: 'invalid_config', message: /key #2/ });
});

t.test('the verifier never shows a key in inspect, toString or JSON', async (t) => {
  const verifier = createApiKeyVerifier(KEY);
  t.notMatch(inspect(verifier, { depth: 10, showHidden: true }), KEY);
  t.notMatch(JSON.stringify(verifier), KEY);
  t.notMatch(String(verifier), KEY);
});

t.test('PASSWORKS_API_KEY is read as a comma-separated list, blanks ignored', async (t) => {
  t.same(apiKeysFromEnv({ PASSWORKS_API_KEY: ' a, b ,,c ' }), ['a', 'b', 'c']);
  t.equal(apiKeysFromEnv({ PASSWORKS_API_KEY: ' , ' }), undefined);
  t.equal(apiKeysFromEnv({}), undefined);
});
