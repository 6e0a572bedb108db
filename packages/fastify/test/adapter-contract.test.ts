import t from 'tap';
import Fastify from 'fastify';
import { DEFAULT_WEBHOOK_PATH } from '@passworks-webhooks/core/node';
import { adapterContract, fromFetchResponse, toFetchRequest } from '@passworks-webhooks/core/testing';
import { passworksWebhooks } from '@passworks-webhooks/fastify';

// The shared HTTP contract of every adapter, through a real Fastify app on 127.0.0.1.
adapterContract({
  test: (title, fn) =>
    t.test(title, async (t) => {
      await fn();
      t.pass('the contract holds');
    }),
  mount: async (options) => {
    const app = Fastify();
    await app.register(passworksWebhooks(options));
    const address = await app.listen({ host: '127.0.0.1', port: 0 });
    return {
      send: async (request) => fromFetchResponse(await fetch(toFetchRequest(`${address}${DEFAULT_WEBHOOK_PATH}`, request))),
      close: () => app.close(),
    };
  },
});
