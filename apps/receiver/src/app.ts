import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Express } from 'express';
import { pino, type Logger as PinoLogger } from 'pino';
import {
  PassworksWebhookError,
  createWebhookHandler,
  defaultIdempotencyKey,
  refuseEvent,
  type HandlerContext,
  type Logger,
  type UnknownPassEvent,
} from '@passworks-webhooks/core';
import { continueIfExpected, DEFAULT_WEBHOOK_PATH, pathOf } from '@passworks-webhooks/core/node';
import type { AppOptions } from './app-options.js';
import { createApi } from './api/create-api.js';
import { createEventStream, type EventStream } from './api/create-event-stream.js';
import { createSessions } from './api/create-sessions.js';
import { asStoreUnavailable } from './storage/sqlite/store-unavailable.js';
import { createMetrics, type ReceiverMetrics } from './ops/create-metrics.js';
import { createStreamMetrics } from './api/create-stream-metrics.js';
import { createRetention, type Retention } from './ops/create-retention.js';
import { createForwarding } from './create-forwarding.js';
import { checkForwardOptions } from './forward/create-forwarder.js';
import type { Forwarder } from './forward/create-forwarder.js';
import { createClientAddress } from './webhook/client-address.js';
import { createRejectionBudget } from './webhook/create-rejection-budget.js';
import { createClientErrorListener, type ClientErrorListener } from './webhook/create-client-error-listener.js';
import type { Storage } from './storage/storage.js';
import { createPostgresStorage } from './storage/postgres/create-postgres-storage.js';
import type { SqliteStorage } from './storage/sqlite/create-sqlite-storage.js';
import { openSqliteStorage } from './storage/sqlite/open-sqlite-storage.js';
import type { Rejection } from './storage/rejection.js';
import { createWebhookListener } from './webhook/create-webhook-listener.js';
import { countingDuplicates } from './webhook/counting-duplicates.js';
import { DEFAULTS } from './common/defaults.js';
import { MIN_SECRET_LENGTH, holdsSecret, rawHoldsSecret, redactSecrets } from './common/redact-secrets.js';
import { redactedRejection } from './webhook/redacted-rejection.js';

/** A built receiver: a request listener to serve, and what it holds. */
export interface ReceiverApp {
  /**
   * The node request listener: the webhook path to core's node pipeline, the
   * rest to Express. Serve `checkContinue` with it too: a delivery refused
   * on its head then gets its answer instead of `100 Continue`.
   */
  readonly listener: (req: IncomingMessage, res: ServerResponse) => void;
  /**
   * The server's `clientError` listener (parser errors and timeouts answered in JSON and recorded), with its
   * `connect` listener (a `CONNECT`: 405) beside it.
   */
  readonly clientError: ClientErrorListener;
  /** The Express app serving health, metrics and `/api`. */
  readonly api: Express;
  /** Where everything is stored: SQLite or PostgreSQL. */
  readonly storage: Storage;
  /** The SQLite database (throws `invalid_config` on PostgreSQL: use `storage`). */
  readonly db: SqliteStorage['db'];
  /** The SQLite idempotency store (throws `invalid_config` on PostgreSQL: use `storage.store`). */
  readonly store: SqliteStorage['store'];
  readonly metrics: ReceiverMetrics;
  readonly logger: PinoLogger;
  readonly retention: Retention;
  /** The live feed of `/api/events/stream` (connected and dropped clients). */
  readonly stream: EventStream;
  /** Deliveries being answered right now. */
  readonly inFlight: number;
  /** The forwarder, when `forward` is set. */
  readonly forwarder: Forwarder | undefined;
  /**
   * Opens the database for serving: on PostgreSQL connects and migrates (its
   * own connection, no timeouts, retried with backoff), failing with one line
   * naming the URL (password hidden) and the cause; on SQLite that was done
   * by {@link createApp}. Start-up awaits it before listening.
   */
  open(): Promise<void>;
  /** Commits pending writes, stops pruning and closes the database. Idempotent. */
  close(): Promise<void>;
}

function checkOptions({
  apiKeys,
  databasePath,
  databaseUrl,
  retentionDays = DEFAULTS.retentionDays,
  bodyLimitBytes = DEFAULTS.bodyLimitBytes,
  maxRejections = DEFAULTS.maxRejections,
  forward,
}: AppOptions): void {
  // Before any database is opened: a bad forward option would otherwise leave the database open behind the thrown error.
  if (forward !== undefined) checkForwardOptions(forward);
  if (!Number.isSafeInteger(maxRejections) || maxRejections <= 0)
    throw new PassworksWebhookError('invalid_config', `maxRejections: expected a positive integer, got ${String(maxRejections)}`);
  if (!Array.isArray(apiKeys) || apiKeys.length === 0 || apiKeys.some((key) => typeof key !== 'string' || key.length === 0)) {
    throw new PassworksWebhookError('invalid_config', 'apiKeys: expected a non-empty list of non-empty API keys');
  }
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\/./.test(databaseUrl))
    throw new PassworksWebhookError('invalid_config', 'databaseUrl: expected a postgres:// URL');
  if (typeof databasePath !== 'string' || databasePath.length === 0)
    throw new PassworksWebhookError('invalid_config', `databasePath: expected a file path, got ${JSON.stringify(databasePath)}`);
  if (!Number.isSafeInteger(retentionDays) || retentionDays < 0)
    throw new PassworksWebhookError('invalid_config', `retentionDays: expected an integer >= 0, got ${String(retentionDays)}`);
  if (!Number.isSafeInteger(bodyLimitBytes) || bodyLimitBytes <= 0)
    throw new PassworksWebhookError('invalid_config', `bodyLimitBytes: expected a positive integer, got ${String(bodyLimitBytes)}`);
}

/**
 * The pipeline logs server-side failures; rejections are logged per request by the listener, with its request id.
 * Its fields and message name the event the sender wrote: logged with the secrets redacted.
 */
const pipelineLogger = (logger: PinoLogger, secrets: readonly string[]): Logger => ({
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: (fields, message) =>
    logger.error(
      Object.fromEntries(Object.entries(fields).map(([name, value]) => [name, typeof value === 'string' ? redactSecrets(value, secrets) : value])),
      redactSecrets(message, secrets),
    ),
});

/**
 * Builds the reference receiver on one SQLite file, or on PostgreSQL with
 * `databaseUrl` (any number of instances on one database): opens and migrates the
 * database, and wires the webhook pipeline (each accepted event stored with
 * its raw bytes and its pass projection in one transaction (the row is its key's done mark),
 * shared by the events of one event-loop turn, answered 2xx after the commit) beside the Express read API.
 * @example
 * const app = createApp({ apiKeys: ['key'], databasePath: './data/passworks.db', adminToken: 'a-long-admin-token' });
 * http.createServer(app.listener).listen(3000);
 */
export function createApp(options: AppOptions): ReceiverApp {
  checkOptions(options);
  const {
    apiKeys,
    databasePath,
    adminToken,
    retentionDays = DEFAULTS.retentionDays,
    bodyLimitBytes = DEFAULTS.bodyLimitBytes,
    durability = DEFAULTS.durability,
    leaseMs = DEFAULTS.leaseMs,
    now = Date.now,
  } = options;
  const logger = options.logger ?? pino({ level: 'info' });
  // What no log line, stored row or error may hold, whatever a sender writes into a request id, a path or an event.
  const secrets = [...apiKeys, ...(adminToken === undefined ? [] : [adminToken]), ...(options.forward === undefined ? [] : [options.forward.apiKey])];
  if (secrets.some((secret) => secret.length < MIN_SECRET_LENGTH)) {
    logger.warn(
      `a webhook key, the admin token or the forward key is shorter than ${MIN_SECRET_LENGTH} characters: a sender writing it into a logged or stored field is not redacted (such a short string occurs in ordinary text); use a longer one`,
    );
  }
  const trustProxy = options.trustProxy ?? false;
  let storage: Storage;
  let sqlite: SqliteStorage | undefined;
  let open = (): Promise<void> => Promise.resolve();
  // Set once the storage exists: the metrics are created first, and report its commits.
  const metrics = createMetrics(() => storage.sizeBytes());
  const onCommit = (size: number): void => metrics.batch(size);
  if (options.databaseUrl !== undefined) {
    const postgres = createPostgresStorage({
      connectionString: options.databaseUrl,
      onCommit,
      // With forwarding, each stored event's outbox row is written in the event's transaction.
      outbox: options.forward !== undefined,
      ...(options.poolSize === undefined ? {} : { poolSize: options.poolSize }),
      ...(options.maxRejections === undefined ? {} : { maxRejections: options.maxRejections }),
      // Leases on the database clock (one clock for every instance), unless a test injects one.
      ...(options.now === undefined ? {} : { now: options.now }),
    });
    storage = postgres;
    // Started now, before anything (the forwarder's first claim) uses the storage: every use waits for this migration.
    const opening = postgres.migrate({ ...options.migration, log: logger });
    opening.catch(() => undefined); // reported by open(); a use before then fails with store_unavailable
    open = () => opening;
  } else {
    sqlite = openSqliteStorage({
      path: databasePath,
      durability,
      onCommit,
      lockWaitMs: options.lockWaitMs,
      now,
      maxRejections: options.maxRejections,
      outbox: options.forward !== undefined,
      onCheckpointError: (message) => logger.warn({ err: message }, 'a background WAL checkpoint failed; the next one tries again'),
    });
    storage = sqlite;
  }
  const forwarding = createForwarding({ storage, forward: options.forward, registry: metrics.registry, logger, now });
  const sqliteOnly = (name: string): SqliteStorage => {
    if (sqlite === undefined) throw new PassworksWebhookError('invalid_config', `${name}: the receiver runs on PostgreSQL; use app.storage`);
    return sqlite;
  };
  // Resolves once the event (its own done mark) and its projection are committed: the pipeline answers 2xx after that.
  // Any database failure is thrown as store_unavailable: 503 with Retry-After, never a 500 or a 2xx for an uncommitted event.
  const save = async (event: UnknownPassEvent, { idempotencyKey, rawBody, reportDuplicate }: HandlerContext): Promise<void> => {
    // Its raw bytes (or, written with JSON escapes, its columns) would keep the key: only a sender holding it can send one.
    // Refused for good, under a redacted idempotency key.
    if ((rawBody !== undefined && rawHoldsSecret(rawBody, secrets)) || holdsSecret(event.event, secrets) || holdsSecret(event.pass_id, secrets))
      throw refuseEvent('the event holds the webhook key or another secret of this receiver: such an event is not stored');
    let outcome;
    try {
      outcome = await storage.recordEvent({ event, idempotencyKey, raw: rawBody, receivedAt: now() });
    } catch (error) {
      logger.error({ idempotency_key: idempotencyKey, err: error instanceof Error ? error.message : String(error) }, 'the event could not be stored');
      throw asStoreUnavailable(error);
    }
    // Stored already (another process had it): answered as a duplicate, and counted as one by the listener.
    if (outcome === 'duplicate') reportDuplicate();
    else forwarding.stored();
  };
  const webhooks = createWebhookHandler({
    apiKey: [...apiKeys],
    // A refused event's key is stored with its answer: a secret in its event name or pass_id is stored redacted.
    idempotencyKey: (event) => redactSecrets(defaultIdempotencyKey(event), secrets),
    // A delivery answered as a duplicate is counted on its stored event.
    store: countingDuplicates(storage.store, (key) => storage.countDuplicate(key, now()), logger),
    bodyLimitBytes,
    leaseMs,
    // The same Retry-After as the read API's 503s.
    retryAfterSeconds: DEFAULTS.retryAfterSeconds,
    logger: pipelineLogger(logger, secrets),
    onUnknown: save,
    onAny: save,
  });
  // Rows for unauthenticated rejections are budgeted per client address; every rejection is counted (issue 20, item 12).
  const rejections = createRejectionBudget({ storage, logger });
  const reject = (rejection: Rejection): void => rejections.record(redactedRejection(rejection, secrets));
  const clientError = createClientErrorListener({ logger, now, reject });
  const webhookListener = createWebhookListener({
    webhooks,
    metrics,
    logger,
    secrets,
    now,
    reject,
    clientAddress: createClientAddress(trustProxy),
    answeredByServer: clientError.answeredOn,
  });
  const stream = createEventStream(storage, logger, options.eventStream);
  createStreamMetrics(metrics.registry, stream);
  const sessions = createSessions({ adminToken, storage, logger, now, ...(options.sessionTtlMs === undefined ? {} : { ttlMs: options.sessionTtlMs }) });
  const api = createApi({ storage, adminToken, secrets, metrics, logger, sessions, stream, uiDirectory: options.uiDirectory, forward: forwarding.router });
  // The same TRUST_PROXY as the client address: Express believes X-Forwarded-Proto, -Host and -For (req.secure for the
  // session cookie's Secure, req.host for sign-in's origin check, req.ip) from those proxies only (issue 20, item 9).
  api.set('trust proxy', trustProxy === false ? false : typeof trustProxy === 'number' ? trustProxy : [...trustProxy]);
  const retention = createRetention({ storage, retentionDays, now, logger, forwardMaxAgeMs: options.forward?.maxAgeMs, hooks: forwarding.hooks });
  let closing: Promise<void> | undefined;
  return {
    listener: (req, res) => {
      // Reached only from a server made with requireHostHeader: false (startReceiver's): Node's own 400 has no body.
      if (clientError.refusedWithoutHost(req, res)) return;
      if (pathOf(req.url) === DEFAULT_WEBHOOK_PATH) return webhookListener(req, res);
      // The read API has no reason to refuse a body unseen: it lets a client waiting for 100 Continue go on.
      continueIfExpected(req, res);
      return api(req, res);
    },
    clientError,
    api,
    storage,
    get db() {
      return sqliteOnly('app.db').db;
    },
    get store() {
      return sqliteOnly('app.store').store;
    },
    metrics,
    logger,
    retention,
    stream,
    get inFlight() {
      return webhookListener.inFlight;
    },
    forwarder: forwarding.forwarder,
    open,
    close() {
      closing ??= (async () => {
        retention.stop();
        stream.close();
        await forwarding.stop();
        await rejections.flush();
        await storage.close();
      })();
      return closing;
    },
  };
}
