import { randomUUID } from 'node:crypto';
import { createClient } from 'redis';
import { PassworksWebhookError, type ClaimOptions, type ClaimResult, type IdempotencyStore, type StoredOutcome } from '@passworks-webhooks/core';
import type { RedisClientLike, RedisScript } from './redis-script.js';
import { storeScripts } from './store-scripts.js';
import { toStoreUnavailable } from './to-store-unavailable.js';
import { withinTimeout } from './within-timeout.js';

/** The defaults of {@link RedisStoreOptions}: the one place their values are written. */
export const redisStoreDefaults: {
  readonly prefix: string;
  readonly doneTtlMs: number;
  readonly commandTimeoutMs: number;
  readonly connectTimeoutMs: number;
} = Object.freeze({
  prefix: 'passworks:',
  // 7 days, as the memory, SQLite and PostgreSQL stores.
  doneTtlMs: 604_800_000,
  commandTimeoutMs: 5_000,
  connectTimeoutMs: 5_000,
});

interface CommonOptions {
  /** Put before every key the store writes, so it shares a server with other data. @default 'passworks:' ({@link redisStoreDefaults}) */
  readonly prefix?: string;
  /** How long a done key is remembered. @default 7 days ({@link redisStoreDefaults}) */
  readonly doneTtlMs?: number;
  /**
   * How long one call may wait for Redis's answer before it fails with
   * `store_unavailable` (never a hang). @default 5_000 ({@link redisStoreDefaults})
   */
  readonly commandTimeoutMs?: number;
  /**
   * The clock, in epoch milliseconds (tests pass a fake one). Without it the
   * Redis server's clock (`TIME`, read inside each script) decides every
   * lease and TTL, so processes on hosts whose clocks disagree still agree.
   * @default the server's clock
   */
  readonly now?: () => number;
}

/** Options of {@link createRedisStore}: a URL (the store owns its client), or a connected client you own. */
export type RedisStoreOptions = CommonOptions &
  (
    | {
        /** `redis://[[user]:password@]host[:port][/db]` or `rediss://` (TLS): the store opens a client and closes it on `close()`. */
        readonly url: string;
        /** How long the first connection may take before calls fail with `store_unavailable`. @default 5_000 ({@link redisStoreDefaults}) */
        readonly connectTimeoutMs?: number;
        readonly client?: never;
      }
    | {
        /** A connected node-redis 5 client you set up and close (the store never closes it). */
        readonly client: RedisClientLike;
        readonly url?: never;
        readonly connectTimeoutMs?: never;
      }
  );

/** An {@link IdempotencyStore} on Redis, shared by every process that uses the same server and prefix. */
export interface RedisStore extends IdempotencyStore {
  claim(key: string, options: ClaimOptions): Promise<ClaimResult>;
  renew(key: string, token: string, options: ClaimOptions): Promise<boolean>;
  complete(key: string, token: string, outcome?: StoredOutcome): Promise<boolean>;
  release(key: string, token: string): Promise<boolean>;
  /** The client the store sends its commands through (yours, or the one it opened). */
  readonly client: RedisClientLike;
  /** The prefix of every key the store writes. */
  readonly prefix: string;
  /** How long a done key is remembered (the option). */
  readonly doneTtlMs: number;
  /** Closes the client if the store opened it; later calls reject with `store_unavailable`. */
  close(): Promise<void>;
}

function positiveInteger(name: string, value: unknown): number {
  if (!Number.isSafeInteger(value) || (value as number) <= 0) {
    throw new PassworksWebhookError('invalid_config', `${name}: expected a positive integer, got ${String(value)}`);
  }
  return value as number;
}

/** A reply of the claim script as a {@link ClaimResult}; the outcome JSON holds only the three documented fields. */
function claimResult(reply: unknown, token: string): ClaimResult {
  const [answer, stored] = Array.isArray(reply) ? (reply as unknown[]) : [];
  if (answer === 'claimed') return { status: 'claimed', token };
  if (answer === 'in_flight') return { status: 'in_flight' };
  if (answer === 'done') {
    if (typeof stored !== 'string' || stored === '') return { status: 'done' };
    const { status, code, message } = JSON.parse(stored) as StoredOutcome;
    return { status: 'done', outcome: { status, code, message } };
  }
  throw new Error(`unexpected reply to a claim: ${JSON.stringify(reply)}`);
}

/** The store's own client: rejects commands while disconnected instead of queueing them, reconnects by itself. */
function openClient(url: unknown, connectTimeoutMs: number): ReturnType<typeof createClient> {
  // The URL may hold a password: it never goes into a message.
  if (typeof url !== 'string' || !/^rediss?:\/\/./.test(url)) {
    throw new PassworksWebhookError(
      'invalid_config',
      `url: expected a redis:// or rediss:// URL, got ${typeof url === 'string' ? 'another string' : typeof url}`,
    );
  }
  let client: ReturnType<typeof createClient>;
  try {
    client = createClient({ url, disableOfflineQueue: true, socket: { connectTimeout: connectTimeoutMs } });
  } catch {
    throw new PassworksWebhookError('invalid_config', 'url: not a valid redis:// or rediss:// URL');
  }
  // A lost connection is retried by the client (backing off to 2 s); each call meanwhile fails on its own.
  // Without a listener, the client's 'error' event would end the process.
  client.on('error', () => undefined);
  return client;
}

/**
 * An idempotency store on Redis (node-redis 5). A claim, a renewal, a
 * completion and a release are each one Lua script, so each is atomic on the
 * server for every process and host sharing it; leases and TTLs run on the
 * server's clock. Every Redis failure, and a server that does not answer
 * within `commandTimeoutMs`, rejects with `store_unavailable`.
 * @example
 * const store = createRedisStore({ url: process.env.REDIS_URL });
 * const webhooks = createWebhookHandler({ store });
 */
export function createRedisStore(options: RedisStoreOptions): RedisStore {
  const { prefix = redisStoreDefaults.prefix, doneTtlMs = redisStoreDefaults.doneTtlMs, commandTimeoutMs = redisStoreDefaults.commandTimeoutMs, now } = options;
  if (typeof prefix !== 'string' || prefix.length === 0) {
    throw new PassworksWebhookError(
      'invalid_config',
      `prefix: expected a non-empty string, got ${typeof prefix === 'string' ? 'an empty string' : typeof prefix}`,
    );
  }
  positiveInteger('doneTtlMs', doneTtlMs);
  positiveInteger('commandTimeoutMs', commandTimeoutMs);
  if (now !== undefined && typeof now !== 'function') throw new PassworksWebhookError('invalid_config', `now: expected a function, got ${typeof now}`);

  let client: RedisClientLike;
  let owned: ReturnType<typeof createClient> | undefined;
  /** The owned client's first connection, awaited by calls (bounded) until it is made. */
  let firstConnection: Promise<void> | undefined;
  let connectTimeoutMs = 0;
  if (options.client === undefined) {
    connectTimeoutMs = positiveInteger('connectTimeoutMs', options.connectTimeoutMs ?? redisStoreDefaults.connectTimeoutMs);
    owned = openClient(options.url, connectTimeoutMs);
    client = owned;
    firstConnection = owned.connect().then(() => {
      firstConnection = undefined;
    });
    // Never an unhandled rejection; the calls waiting on it report the failure.
    firstConnection.catch(() => undefined);
  } else {
    if (typeof options.client !== 'object' || options.client === null || typeof options.client.sendCommand !== 'function') {
      throw new PassworksWebhookError(
        'invalid_config',
        `client: expected a node-redis client, got ${options.client === null ? 'null' : typeof options.client}`,
      );
    }
    client = options.client;
  }
  let closed = false;

  const clockArgument = (): string => (now === undefined ? '' : String(Math.floor(now())));
  const run = async (script: RedisScript, key: string, args: readonly string[], doing: string): Promise<unknown> => {
    if (closed) throw new PassworksWebhookError('store_unavailable', 'the Redis store is closed');
    try {
      if (firstConnection !== undefined) await withinTimeout(firstConnection, connectTimeoutMs, 'connecting to Redis');
      return await script.run(client, prefix + key, args, commandTimeoutMs);
    } catch (cause) {
      throw toStoreUnavailable(cause, doing);
    }
  };
  const leaseOf = ({ leaseMs }: ClaimOptions): string => String(Math.ceil(leaseMs));

  return {
    client,
    prefix,
    doneTtlMs,
    async claim(key, claimOptions) {
      const token = randomUUID();
      const reply = await run(storeScripts.claim, key, [token, leaseOf(claimOptions), clockArgument()], 'claiming a key');
      try {
        return claimResult(reply, token);
      } catch (cause) {
        throw toStoreUnavailable(cause, 'claiming a key');
      }
    },
    async renew(key, token, claimOptions) {
      return (await run(storeScripts.renew, key, [token, leaseOf(claimOptions), clockArgument()], 'renewing a claim')) === 1;
    },
    async complete(key, token, outcome) {
      const stored = outcome === undefined ? '' : JSON.stringify({ status: outcome.status, code: outcome.code, message: outcome.message });
      return (await run(storeScripts.complete, key, [token, String(doneTtlMs), clockArgument(), stored], 'marking a key done')) === 1;
    },
    async release(key, token) {
      return (await run(storeScripts.release, key, [token], 'releasing a claim')) === 1;
    },
    async close() {
      if (closed) return;
      closed = true;
      if (owned === undefined || !owned.isOpen) return;
      // A client still reconnecting has nothing to flush: stop it at once.
      if (owned.isReady) await owned.close();
      else owned.destroy();
    },
  };
}
