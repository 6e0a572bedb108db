import t from 'tap';
import request from 'supertest';
import { createMemoryStore, defaultIdempotencyKey, type PassEvent, type UnknownPassEvent } from '@passworks-webhooks/core';
import { makePassEvent } from '@passworks-webhooks/core/testing';
import { passworksWebhooks, type VerifiedDelivery } from '@passworks-webhooks/express';
import { DELIVERY_HEADERS, EXPRESS_VERSIONS, KEY } from './fixtures/express-versions.js';

const errorCode = (body: unknown): unknown => (body as { error?: { code?: unknown } }).error?.code;

t.test('rejects options that only make sense with handlers, naming the option', async (t) => {
  // As a JavaScript caller (or a wider options object) would pass them.
  const withHandlers = { apiKey: KEY, on: { installed: () => {} } };
  const withStore = { apiKey: KEY, store: createMemoryStore() };
  t.throws(() => passworksWebhooks.verify(withHandlers), { code: 'invalid_config', message: /^on:/ });
  t.throws(() => passworksWebhooks.verify(withStore), { code: 'invalid_config', message: /^store:/ });
});

t.test('throws at creation, naming PASSWORKS_API_KEY, when no key is configured and auth is not off', async (t) => {
  const saved = process.env.PASSWORKS_API_KEY;
  t.teardown(() => {
    if (saved !== undefined) process.env.PASSWORKS_API_KEY = saved;
  });
  delete process.env.PASSWORKS_API_KEY;
  t.throws(() => passworksWebhooks.verify(), { code: 'invalid_config', message: /PASSWORKS_API_KEY/ });
});

for (const { name, express } of EXPRESS_VERSIONS) {
  t.test(name, async (t) => {
    /** A route that records what verify() handed over; the types here are what users get, with no cast. */
    const recordingApp = (withJsonParser: boolean) => {
      const seen: { body: PassEvent | UnknownPassEvent; delivery: VerifiedDelivery; passId: string; redeemedCount: number | undefined }[] = [];
      const app = express();
      if (withJsonParser) app.use(express.json());
      app.post('/hook', passworksWebhooks.verify({ apiKey: KEY }), (req, res) => {
        const delivery = res.locals.passworks;
        const passId: string = req.body.pass_id;
        // `known` narrows the event to the documented names.
        const redeemedCount = delivery.known && delivery.event.event === 'redeemed' ? delivery.event.redeemed_count : undefined;
        seen.push({ body: req.body, delivery, passId, redeemedCount });
        res.status(204).end();
      });
      return { app, seen };
    };

    for (const withJsonParser of [false, true]) {
      t.test(
        `puts the validated event on req.body and the delivery on res.locals.passworks, then calls next()${withJsonParser ? ', after express.json()' : ''}`,
        async (t) => {
          const { app, seen } = recordingApp(withJsonParser);
          const event = makePassEvent({ event: 'redeemed', redeemed_count: 2, redeemed_at: '2026-03-01T09:05:00Z' });
          const body = JSON.stringify(event);
          const response = await request(app).post('/hook').set(DELIVERY_HEADERS).send(body);
          t.equal(response.status, 204);
          t.equal(seen.length, 1);
          const [first] = seen;
          t.same(first?.body, event);
          t.equal(first?.passId, event.pass_id);
          t.equal(first?.redeemedCount, 2);
          t.equal(first?.delivery.known, true);
          t.equal(first?.delivery.idempotencyKey, defaultIdempotencyKey(event));
          t.same(first?.delivery.rawBody === undefined ? undefined : Buffer.from(first.delivery.rawBody).toString('utf8'), withJsonParser ? undefined : body);
        },
      );
    }

    t.test('passes an event with an undocumented name on as known: false', async (t) => {
      const { app, seen } = recordingApp(false);
      t.equal(
        (
          await request(app)
            .post('/hook')
            .set(DELIVERY_HEADERS)
            .send(JSON.stringify(makePassEvent({ event: 'archived' })))
        ).status,
        204,
      );
      t.equal(seen[0]?.delivery.known, false);
      t.equal(seen[0]?.body.event, 'archived');
    });

    t.test('answers 401 unauthorized to a wrong or missing key without calling the route', async (t) => {
      const { app, seen } = recordingApp(false);
      const wrong = await request(app)
        .post('/hook')
        .set({ ...DELIVERY_HEADERS, authorization: `${KEY}x` })
        .send(JSON.stringify(makePassEvent()));
      t.equal(wrong.status, 401);
      t.equal(errorCode(wrong.body), 'unauthorized');
      const missing = await request(app).post('/hook').set('content-type', 'application/json').send(JSON.stringify(makePassEvent()));
      t.equal(missing.status, 401);
      t.equal(seen.length, 0);
    });

    t.test('answers 422 invalid_event with issues naming each path without calling the route', async (t) => {
      for (const withJsonParser of [false, true]) {
        const { app, seen } = recordingApp(withJsonParser);
        const response = await request(app)
          .post('/hook')
          .set(DELIVERY_HEADERS)
          .send(JSON.stringify(makePassEvent({ event_at: '2016-13-45', voided: 'no' })));
        t.equal(response.status, 422);
        t.equal(errorCode(response.body), 'invalid_event');
        t.same((response.body as { error: { issues: { path: string }[] } }).error.issues.map((issue) => issue.path).sort(), ['$.event_at', '$.voided']);
        t.equal(seen.length, 0);
      }
    });

    t.test('answers 415, 400 and 413 in the core error shape', async (t) => {
      const app = express();
      let reached = 0;
      app.post('/hook', passworksWebhooks.verify({ apiKey: KEY, bodyLimitBytes: 1024 }), (_req, res) => {
        reached += 1;
        res.status(204).end();
      });
      const send = (body: string, contentType: string = DELIVERY_HEADERS['content-type']) =>
        request(app)
          .post('/hook')
          .set({ ...DELIVERY_HEADERS, 'content-type': contentType })
          .send(body);
      const cases = [
        [await send(JSON.stringify(makePassEvent()), 'text/plain'), 415, 'unsupported_media_type'],
        [await send('{"event":'), 400, 'invalid_json'],
        [await send(JSON.stringify(makePassEvent({ metadata: { padding: 'x'.repeat(2048) } }))), 413, 'payload_too_large'],
      ] as const;
      for (const [response, status, code] of cases) {
        t.equal(response.status, status, code);
        t.equal(errorCode(response.body), code);
      }
      t.equal(reached, 0);
    });

    t.test('mounted with app.use, answers other methods with 405', async (t) => {
      const app = express().use('/hook', passworksWebhooks.verify({ apiKey: KEY }));
      const response = await request(app).get('/hook');
      t.equal(response.status, 405);
      t.equal(response.headers.allow, 'POST');
    });
  });
}
