import t from 'tap';
import { createFetchHandler } from '@passworks-webhooks/core/fetch';
import { adapterContract, fromFetchResponse, toFetchRequest } from '@passworks-webhooks/core/testing';

// The handler is called directly with a `Request`: no server, no port.
adapterContract({
  test: (name, fn) => t.test(name, async (t) => {
    await fn();
    t.pass('the contract holds');
  }),
  mount: async (options) => {
    const handler = createFetchHandler(options);
    return {
      send: async (request) => fromFetchResponse(await handler(toFetchRequest('http://127.0.0.1/webhooks/passworks', request))),
      close: async () => {},
    };
  },
});

t.test('a body stream that breaks mid-way (client gone) answers 400 invalid_json, not 500', async (t) => {
  let calls = 0;
  const handler = createFetchHandler({ apiKey: 'k', onAny: () => void calls++ });
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new TextEncoder().encode('{"event":'));
      controller.error(new Error('client went away'));
    },
  });
  const response = await handler(
    new Request('http://127.0.0.1/webhooks/passworks', { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'k' }, body, duplex: 'half' } as RequestInit),
  );
  t.equal(response.status, 400);
  t.equal(((await response.json()) as { error: { code: string } }).error.code, 'invalid_json');
  t.equal(calls, 0);
});
