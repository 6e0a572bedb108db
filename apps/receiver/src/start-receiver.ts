import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassworksWebhookError } from '@passworks-webhooks/core';
import { createApp, type ReceiverApp } from './app.js';
import type { AppOptions } from './app-options.js';
import { DEFAULTS } from './common/defaults.js';

/** Options of {@link startReceiver}: the app's, and where to listen. */
export interface StartReceiverOptions extends AppOptions {
  /** 0 picks a free port. @default 3000 */
  readonly port?: number;
  /** @default '0.0.0.0' */
  readonly host?: string;
  /** How long `close()` waits for deliveries in flight before cutting connections. @default 10_000 */
  readonly shutdownGraceMs?: number;
  /** How long a client may take to send the request headers (then 408); at most `requestTimeoutMs`. @default 10_000 */
  readonly headersTimeoutMs?: number;
  /** How long a client may take to send the whole request (then 408, connection closed): Node's own default is 300 s. @default 30_000 */
  readonly requestTimeoutMs?: number;
  /** How long an idle keep-alive connection stays open; above a load balancer's idle timeout (60 s on AWS ALB). @default 65_000 */
  readonly keepAliveTimeoutMs?: number;
}

/** A listening receiver. */
export interface RunningReceiver {
  readonly app: ReceiverApp;
  readonly server: Server;
  readonly port: number;
  /** `http://host:port`, with 127.0.0.1 for a wildcard host. */
  readonly url: string;
  /**
   * Graceful shutdown: stops accepting connections, lets deliveries in
   * flight finish (and commit), then closes the database. Idempotent.
   */
  close(): Promise<void>;
}

function checkTimeouts(headersTimeoutMs: number, requestTimeoutMs: number, keepAliveTimeoutMs: number): void {
  for (const [name, value] of Object.entries({ headersTimeoutMs, requestTimeoutMs, keepAliveTimeoutMs })) {
    if (!Number.isSafeInteger(value) || value <= 0)
      throw new PassworksWebhookError('invalid_config', `${name}: expected a positive number of milliseconds, got ${String(value)}`);
  }
  if (headersTimeoutMs > requestTimeoutMs)
    throw new PassworksWebhookError('invalid_config', `headersTimeoutMs (${headersTimeoutMs}) must be at most requestTimeoutMs (${requestTimeoutMs})`);
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Builds the receiver with {@link createApp} and listens: what `main` runs,
 * and what a benchmark or a test starts from code.
 * @example
 * const receiver = await startReceiver({ apiKeys: ['key'], databasePath: 'bench.db', port: 0, host: '127.0.0.1', durability: 'full' });
 * console.log(receiver.url); // ... await receiver.close();
 */
export async function startReceiver({
  port = DEFAULTS.port,
  host = '0.0.0.0',
  shutdownGraceMs = DEFAULTS.shutdownGraceMs,
  headersTimeoutMs = DEFAULTS.headersTimeoutMs,
  requestTimeoutMs = DEFAULTS.requestTimeoutMs,
  keepAliveTimeoutMs = DEFAULTS.keepAliveTimeoutMs,
  ...options
}: StartReceiverOptions): Promise<RunningReceiver> {
  checkTimeouts(headersTimeoutMs, requestTimeoutMs, keepAliveTimeoutMs);
  const app = createApp(options);
  const server = createServer(
    {
      headersTimeout: headersTimeoutMs,
      requestTimeout: requestTimeoutMs,
      keepAliveTimeout: keepAliveTimeoutMs,
      // Node checks the two timeouts above only this often (30 s by default), which would stretch a 30 s limit to 60 s.
      connectionsCheckingInterval: Math.min(1_000, headersTimeoutMs),
      // Node keeps the first of two Authorization (or Content-Type) headers and drops the second, so the order chose between 200
      // and 401. Joined ("a, b") they match no key and name no JSON type: a request carrying two is refused whatever their order,
      // as the fetch adapter's Headers already do.
      joinDuplicateHeaders: true,
      // Node answers an HTTP/1.1 request without Host with a bare 400 (no body): the app's listener answers it in the JSON shape.
      requireHostHeader: false,
    },
    app.listener,
  );
  // A delivery waiting for 100 Continue goes through the head checks first (issue 8, item 12).
  server.on('checkContinue', app.listener);
  // An Expect other than 100-continue: served as if absent (RFC 9110 lets a server ignore what it does not know), not Node's bare 417 without a body.
  server.on('checkExpectation', app.listener);
  // Requests the parser refuses, and timeouts: answered in JSON and recorded (issue 8, item 17).
  server.on('clientError', app.clientError);
  // Node closes a CONNECT's connection without a word unless the server listens for it: 405 in the JSON shape (not a proxy).
  server.on('connect', app.clientError.connect);
  try {
    // Connected and migrated before listening: a bad DATABASE_URL ends start-up, and no delivery is answered 503 meanwhile.
    await app.open();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    await app.close();
    throw error;
  }
  const bound = (server.address() as AddressInfo).port;
  const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  let closing: Promise<void> | undefined;
  return {
    app,
    server,
    port: bound,
    url: `http://${shown}:${bound}`,
    close() {
      closing ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        const deadline = Date.now() + shutdownGraceMs;
        while (app.inFlight > 0 && Date.now() < deadline) await sleep(10);
        server.closeAllConnections();
        await closed;
        await app.close();
      })();
      return closing;
    },
  };
}
