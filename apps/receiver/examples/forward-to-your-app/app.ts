import express from 'express';
import { passworksWebhooks } from '@passworks-webhooks/express';
import { createSqliteStore } from '@passworks-webhooks/sqlite';

// The receiver delivers at least once: a durable store keeps a re-sent event a duplicate, across restarts of this app too.
const store = createSqliteStore({ path: './data/app-webhooks.db' });

const app = express();
app.use(
  passworksWebhooks({ store }) // its key from PASSWORKS_API_KEY: the receiver's FORWARD_API_KEY
    .on('installed', async (event) => console.log(`installed ${event.pass_id} on ${event.event_extra.registration_id}`))
    .on('redeemed', async (event) => console.log(`redeemed ${event.pass_id} at ${event.event_at}`)),
);
const port = Number(process.env.PORT ?? 4000);
app.listen(port, '127.0.0.1', () => console.log(`your app on http://127.0.0.1:${port}`));
