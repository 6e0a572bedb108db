import assert from 'node:assert/strict';
import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WebhookHandlerOptions } from '../create-webhook-handler.js';
import { PassworksWebhookError } from '../errors.js';
import type { IdempotencyStore } from '../idempotency-store.js';
import { refuseEvent } from '../refuse-event.js';
import { makePassEvent } from './make-pass-event.js';

/** A request the contract sends to the adapter's webhook path. */
export interface ContractRequest {
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | Uint8Array;
  /** Send the body as a stream without `Content-Length` (chunked), so only the adapter's reading can enforce the limit. */
  readonly chunked?: boolean;
}

/** What came back. */
export interface ContractResponse {
  readonly status: number;
  /** Header value by lower-case name. */
  header(name: string): string | undefined;
  readonly body: string;
}

/** An adapter mounted for one test. */
export interface MountedAdapter {
  send(request: ContractRequest): Promise<ContractResponse>;
  close(): Promise<void>;
}

/** Options of {@link adapterContract}. */
export interface AdapterContractOptions {
  readonly test: (name: string, fn: () => Promise<void>) => unknown;
  /** Mounts the adapter with these pipeline options at the path `send` targets. */
  readonly mount: (options: WebhookHandlerOptions) => Promise<MountedAdapter>;
}

const KEY = 'contract-test-key';
const JSON_TYPE = 'application/json; charset=utf-8';

const post = (body: unknown, headers: Record<string, string> = {}): ContractRequest => ({
  method: 'POST',
  headers: { 'content-type': JSON_TYPE, authorization: KEY, ...headers },
  body: typeof body === 'string' ? body : JSON.stringify(body),
});

function assertError(response: ContractResponse, status: number, code: string): { message: string; issues?: { path: string; message: string }[] } {
  assert.equal(response.status, status, `expected ${status} ${code}, got ${response.status}: ${response.body}`);
  const parsed = JSON.parse(response.body) as { error: { code: string; message: string; issues?: { path: string; message: string }[] } };
  assert.equal(parsed.error.code, code);
  assert.equal(typeof parsed.error.message, 'string');
  assert.ok(!response.body.includes(KEY), 'the body must never carry the API key');
  return parsed.error;
}

/**
 * A fetch `Request` for a contract request sent to `url`; `chunked` bodies
 * become a stream, so no `Content-Length` is sent.
 */
export function toFetchRequest(url: string, { method = 'POST', headers = {}, body, chunked = false }: ContractRequest): Request {
  if (body === undefined) return new Request(url, { method, headers });
  if (!chunked) return new Request(url, { method, headers, body });
  const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body;
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      // Several chunks, so a limit is crossed in the middle of the stream rather than at its first read.
      for (let offset = 0; offset < bytes.byteLength; offset += 1024) controller.enqueue(bytes.slice(offset, offset + 1024));
      controller.close();
    },
  });
  return new Request(url, { method, headers, body: stream, duplex: 'half' });
}

/** A contract response read from a fetch `Response`. */
export async function fromFetchResponse(response: Response): Promise<ContractResponse> {
  const body = await response.text();
  return { status: response.status, header: (name) => response.headers.get(name) ?? undefined, body };
}

/**
 * Serves `listener` on 127.0.0.1 (a free port) and sends contract requests
 * to `path` over real HTTP; `close()` stops the server and its connections.
 * @example adapterContract({ test, mount: (options) => listenForContract(createNodeMiddleware(options), '/webhooks/passworks') });
 */
export async function listenForContract(listener: RequestListener, path: string): Promise<MountedAdapter> {
  const server = createServer(listener);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject).listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}${path}`;
  return {
    send: async (request) => fromFetchResponse(await fetch(toFetchRequest(url, request))),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error === undefined ? resolve() : reject(error)));
        server.closeAllConnections();
      }),
  };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The HTTP contract every adapter keeps (design.md steps 1-7, status codes,
 * error shape, concurrency), run against an adapter through `mount`.
 * Assertions use `node:assert`, so any test runner works.
 */
export function adapterContract({ test, mount }: AdapterContractOptions): void {
  /** Runs `fn` on an adapter mounted with `options` (and the contract's key), closing it afterwards. */
  const mounted = async (options: WebhookHandlerOptions, fn: (adapter: MountedAdapter) => Promise<void>): Promise<void> => {
    const adapter = await mount({ apiKey: KEY, ...options });
    try {
      await fn(adapter);
    } finally {
      await adapter.close();
    }
  };
  const withAdapter = (name: string, options: WebhookHandlerOptions, fn: (adapter: MountedAdapter) => Promise<void>): void => {
    test(name, () => mounted(options, fn));
  };

  let calls: string[] = [];
  const counting: WebhookHandlerOptions = {
    onAny: (event) => {
      calls.push(`${event.event}:${event.pass_id}:${event.event_at}`);
    },
  };

  withAdapter('accepts a valid event with 200, then answers the same event as a duplicate without calling the handler', counting, async (adapter) => {
    calls = [];
    const event = makePassEvent();
    const first = await adapter.send(post(event));
    assert.equal(first.status, 200, first.body);
    assert.deepEqual(JSON.parse(first.body), { received: true, duplicate: false, event: 'installed' });
    const again = await adapter.send(post(event));
    assert.equal(again.status, 200);
    assert.equal(JSON.parse(again.body).duplicate, true);
    const otherSpelling = await adapter.send(post({ ...event, event_at: event.event_at.replace('Z', '.000+00:00') }));
    assert.equal(JSON.parse(otherSpelling.body).duplicate, true);
    assert.equal(calls.length, 1);
  });

  withAdapter('answers 405 with Allow: POST to other methods', {}, async (adapter) => {
    const response = await adapter.send({ method: 'GET', headers: { authorization: KEY } });
    assertError(response, 405, 'method_not_allowed');
    assert.equal(response.header('allow'), 'POST');
  });

  withAdapter('answers 415 to a body that is not JSON by content type', {}, async (adapter) => {
    assertError(await adapter.send(post(makePassEvent(), { 'content-type': 'text/plain' })), 415, 'unsupported_media_type');
  });

  withAdapter(
    'answers 415 to JSON in a charset other than UTF-8, and accepts utf-8, utf8 and us-ascii in any case, quoted or not, past a quoted parameter holding ;',
    {},
    async (adapter) => {
      for (const type of [
        'application/json; charset=iso-8859-1',
        'application/json;charset="utf-16"',
        'application/vnd.passworks+json; charset=latin1',
        'application/json; profile="a;b=c"; charset=latin1',
      ]) {
        const response = await adapter.send(post(makePassEvent(), { 'content-type': type }));
        assertError(response, 415, 'unsupported_media_type');
        assert.match(JSON.parse(response.body).error.message, /charset/, type);
      }
      for (const type of [
        'application/json; charset=UTF-8',
        'application/json;charset="utf-8"',
        'application/json; Charset=Utf-8',
        'application/json; charset=utf8',
        'application/json; charset=US-ASCII',
        'application/json; profile="a;charset=latin1"; charset=utf-8',
      ]) {
        assert.equal((await adapter.send(post(makePassEvent(), { 'content-type': type }))).status, 200, type);
      }
    },
  );

  withAdapter('answers 413 to a body over the limit', { bodyLimitBytes: 1024 }, async (adapter) => {
    const event = makePassEvent({ metadata: { padding: 'x'.repeat(4096) } });
    assertError(await adapter.send(post(event)), 413, 'payload_too_large');
  });

  withAdapter('answers 413 to a streamed body without Content-Length once it passes the limit', { bodyLimitBytes: 1024 }, async (adapter) => {
    const event = makePassEvent({ metadata: { padding: 'x'.repeat(8192) } });
    assertError(await adapter.send({ ...post(event), chunked: true }), 413, 'payload_too_large');
  });

  withAdapter('accepts a body of exactly the limit, streamed or not', { bodyLimitBytes: 2048 }, async (adapter) => {
    for (const chunked of [false, true]) {
      const base = makePassEvent({ metadata: { padding: '' } });
      const padding = 'x'.repeat(2048 - Buffer.byteLength(JSON.stringify(base)));
      const body = JSON.stringify({ ...base, metadata: { padding } });
      assert.equal(Buffer.byteLength(body), 2048);
      const response = await adapter.send({ ...post(body), chunked });
      assert.equal(response.status, 200, response.body);
    }
  });

  withAdapter('answers 401 to a missing key and to a wrong key', counting, async (adapter) => {
    calls = [];
    const request = post(makePassEvent());
    const { authorization: _, ...withoutKey } = request.headers ?? {};
    assertError(await adapter.send({ ...request, headers: withoutKey }), 401, 'unauthorized');
    assertError(await adapter.send(post(makePassEvent(), { authorization: `${KEY}x` })), 401, 'unauthorized');
    assert.equal(calls.length, 0);
  });

  withAdapter('answers 400 to malformed JSON and to an empty body', {}, async (adapter) => {
    assertError(await adapter.send(post('{"event": "installed",')), 400, 'invalid_json');
    assertError(await adapter.send(post('')), 400, 'invalid_json');
  });

  withAdapter('answers 422 with issues naming each path to an invalid event', {}, async (adapter) => {
    const error = assertError(await adapter.send(post(makePassEvent({ pass_id: 'nope', redeemed_count: -1 }))), 422, 'invalid_event');
    assert.deepEqual(error.issues?.map((issue) => issue.path).sort(), ['$.pass_id', '$.redeemed_count']);
  });

  withAdapter('answers 422 legacy_payload to the 2016 document shape', {}, async (adapter) => {
    const { event_at: eventAt, ...legacy } = makePassEvent();
    assertError(await adapter.send(post({ ...legacy, action_at: eventAt })), 422, 'legacy_payload');
  });

  test('accepts an unknown event name with 200 and routes it to the unknown-event handler', async () => {
    const unknown: string[] = [];
    await mounted({ onUnknown: (event) => void unknown.push(event.event) }, async (adapter) => {
      const response = await adapter.send(post(makePassEvent({ event: 'archived' })));
      assert.equal(response.status, 200, response.body);
      assert.deepEqual(unknown, ['archived']);
    });
  });

  test('answers 409 with Retry-After while the same event is in flight', async () => {
    let unblock = (): void => {};
    const blocked = new Promise<void>((resolve) => (unblock = resolve));
    await mounted({ onAny: () => blocked }, async (adapter) => {
      try {
        const event = makePassEvent();
        const first = adapter.send(post(event));
        await sleep(50);
        const second = await adapter.send(post(event));
        assertError(second, 409, 'in_flight');
        assert.ok(Number(second.header('retry-after')) > 0);
        unblock();
        assert.equal((await first).status, 200);
      } finally {
        unblock();
      }
    });
  });

  test('answers 500 when a handler throws, and processes the retry', async () => {
    let attempts = 0;
    const onAny = (): void => {
      attempts += 1;
      if (attempts === 1) throw new Error('database down');
    };
    await mounted({ onAny }, async (adapter) => {
      const event = makePassEvent();
      assertError(await adapter.send(post(event)), 500, 'handler_failed');
      const retry = await adapter.send(post(event));
      assert.equal(retry.status, 200);
      assert.equal(JSON.parse(retry.body).duplicate, false);
      assert.equal(attempts, 2);
    });
  });

  withAdapter(
    'a 500 carries a code and a generic message, never the cause (SQL, driver errors)',
    {
      onAny: () => {
        throw new Error('SQLITE_IOERR: disk I/O error at /var/lib/secret.db');
      },
    },
    async (adapter) => {
      const error = assertError(await adapter.send(post(makePassEvent())), 500, 'handler_failed');
      assert.equal(error.message, 'the installed handler failed');
    },
  );

  test('a refused event answers its 4xx event_refused, and every retry gets it again without the handler running', async () => {
    let attempts = 0;
    const onAny = (): void => {
      attempts += 1;
      throw refuseEvent('this pass belongs to no account here', { status: 404 });
    };
    await mounted({ onAny }, async (adapter) => {
      const event = makePassEvent();
      for (let delivery = 0; delivery < 3; delivery++) {
        const error = assertError(await adapter.send(post(event)), 404, 'event_refused');
        assert.equal(error.message, 'this pass belongs to no account here');
      }
      assert.equal(attempts, 1);
    });
  });

  test('a handler throwing store_unavailable answers 503 with Retry-After and releases the key for the retry', async () => {
    let attempts = 0;
    const onAny = (): void => {
      attempts += 1;
      if (attempts === 1) throw new PassworksWebhookError('store_unavailable', 'SQLITE_FULL: database or disk is full');
    };
    await mounted({ onAny }, async (adapter) => {
      const event = makePassEvent();
      const failed = await adapter.send(post(event));
      const error = assertError(failed, 503, 'store_unavailable');
      assert.ok(Number(failed.header('retry-after')) > 0);
      assert.ok(!error.message.includes('SQLITE'), 'no driver text reaches the sender');
      const retry = await adapter.send(post(event));
      assert.equal(retry.status, 200);
      assert.equal(JSON.parse(retry.body).duplicate, false);
      assert.equal(attempts, 2);
    });
  });

  test('answers 503 with Retry-After past the handler budget; a retry after it finished is a duplicate', async () => {
    let finished = 0;
    const onAny = async (): Promise<void> => {
      await sleep(200);
      finished += 1;
    };
    await mounted({ handlerTimeoutMs: 50, onAny }, async (adapter) => {
      const event = makePassEvent();
      const slow = await adapter.send(post(event));
      assertError(slow, 503, 'handler_timeout');
      assert.ok(Number(slow.header('retry-after')) > 0);
      await sleep(300);
      const retry = await adapter.send(post(event));
      assert.equal(retry.status, 200);
      assert.equal(JSON.parse(retry.body).duplicate, true);
      assert.equal(finished, 1);
    });
  });

  test('answers 503 store_unavailable with Retry-After when the store fails, without calling the handler', async () => {
    let handled = 0;
    const failing: IdempotencyStore = {
      claim: () => Promise.reject(new Error('database unreachable')),
      renew: () => Promise.resolve(false),
      complete: () => Promise.resolve(false),
      release: () => Promise.resolve(false),
    };
    await mounted({ store: failing, onAny: () => void (handled += 1) }, async (adapter) => {
      const response = await adapter.send(post(makePassEvent()));
      assertError(response, 503, 'store_unavailable');
      assert.ok(Number(response.header('retry-after')) > 0);
      assert.equal(handled, 0);
    });
  });

  withAdapter(
    '200 concurrent deliveries of 20 events (10 copies each) call each handler exactly once, answering only 200 or 409',
    counting,
    async (adapter) => {
      calls = [];
      const events = Array.from({ length: 20 }, () => makePassEvent());
      const requests = events.flatMap((event) => Array.from({ length: 10 }, () => post(event)));
      const responses = await Promise.all(requests.map((request) => adapter.send(request)));
      const statuses = new Set(responses.map((response) => response.status));
      assert.deepEqual(
        [...statuses].filter((status) => status !== 200 && status !== 409),
        [],
      );
      assert.equal(calls.length, 20);
      assert.equal(new Set(calls).size, 20);
    },
  );
}
