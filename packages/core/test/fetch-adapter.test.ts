import t from 'tap';
import { createFetchHandler } from '@passworks-webhooks/core/fetch';
import { adapterContract, fromFetchResponse, toFetchRequest } from '@passworks-webhooks/core/testing';

// The handler is called directly with a `Request`: no server, no port.
adapterContract({
  test: (name, fn) =>
    t.test(name, async (t) => {
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

t.test('a body stream that breaks mid-way (client gone) answers 400 malformed_request, not 500', async (t) => {
  let calls = 0;
  const handler = createFetchHandler({ apiKey: 'k', onAny: () => void calls++ });
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new TextEncoder().encode('{"event":'));
      controller.error(new Error('client went away'));
    },
  });
  const response = await handler(
    new Request('http://127.0.0.1/webhooks/passworks', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'k' },
      body,
      duplex: 'half',
    } as RequestInit),
  );
  t.equal(response.status, 400);
  t.equal(((await response.json()) as { error: { code: string } }).error.code, 'malformed_request');
  t.equal(calls, 0);
});

t.test('refuses a wrong key, a coded body and a declared length over the limit without reading the body stream', async (t) => {
  const handler = createFetchHandler({ apiKey: 'k', bodyLimitBytes: 1024 });
  const cases: [Record<string, string>, number, string][] = [
    [{ authorization: 'wrong' }, 401, 'unauthorized'],
    [{ authorization: 'k', 'content-encoding': 'gzip' }, 415, 'unsupported_media_type'],
    [{ authorization: 'k', 'content-length': '4096' }, 413, 'payload_too_large'],
  ];
  for (const [headers, status, code] of cases) {
    let pulls = 0;
    const body = new ReadableStream<Uint8Array>(
      {
        pull(controller) {
          pulls += 1;
          controller.enqueue(new TextEncoder().encode('{}'));
          controller.close();
        },
      },
      { highWaterMark: 0 },
    );
    const response = await handler(
      new Request('http://127.0.0.1/webhooks/passworks', {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
        duplex: 'half',
      } as RequestInit),
    );
    t.equal(response.status, status);
    t.equal(((await response.json()) as { error: { code: string } }).error.code, code);
    if (code === 'unsupported_media_type') t.equal(response.headers.get('accept-encoding'), 'identity');
    t.equal(pulls, 0, `${code}: the body was never read`);
  }
});
