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
