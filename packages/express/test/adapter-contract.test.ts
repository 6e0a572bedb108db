import t from 'tap';
import { DEFAULT_WEBHOOK_PATH } from '@passworks-webhooks/core/node';
import { adapterContract, listenForContract } from '@passworks-webhooks/core/testing';
import { passworksWebhooks } from '@passworks-webhooks/express';
import { EXPRESS_VERSIONS } from './fixtures/express-versions.js';

// The shared HTTP contract of every adapter, through a real Express app on 127.0.0.1, per Express major.
for (const { name, express } of EXPRESS_VERSIONS) {
  t.test(name, async (t) => {
    adapterContract({
      test: (title, fn) =>
        t.test(title, async (t) => {
          await fn();
          t.pass('the contract holds');
        }),
      mount: (options) => {
        const app = express();
        app.use(passworksWebhooks(options));
        return listenForContract(app, DEFAULT_WEBHOOK_PATH);
      },
    });
  });
}
