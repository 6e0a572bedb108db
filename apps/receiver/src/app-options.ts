import type { Logger as PinoLogger } from 'pino';
import type { Durability } from '@passworks-webhooks/sqlite';
import type { ForwardOptions } from './forward/create-forwarder.js';
import type { TrustProxy } from './webhook/client-address.js';
import type { EventStreamOptions } from './api/create-event-stream.js';
import type { MigrateAtStartOptions } from './storage/postgres/migrate-at-start.js';

/** Options of {@link createApp}. */
export interface AppOptions {
  /** The organization's API keys; any of them is accepted (rotation). Required, non-empty. */
  readonly apiKeys: readonly string[];
  /** The SQLite database file (its folder is created). Several processes may share it. Unused with `databaseUrl`. */
  readonly databasePath: string;
  /**
   * A PostgreSQL URL (`postgres://user@host:port/database`): the receiver
   * stores everything there instead of the SQLite file, and any number of
   * receivers may share the database. @default undefined (SQLite)
   */
  readonly databaseUrl?: string | undefined;
  /** With `databaseUrl`: the most connections of this instance's pool. @default 10 */
  readonly poolSize?: number;
  /** The read API's bearer token; without one the read API answers 401. @default undefined (read API off) */
  readonly adminToken?: string | undefined;
  /** Passes silent for this many days are pruned with their events, and older rejections; 0 keeps all. @default 0 */
  readonly retentionDays?: number;
  /** The most rejected deliveries kept (anyone can send one); the oldest go first. @default 100_000 */
  readonly maxRejections?: number;
  /** The largest webhook body accepted, in bytes. @default 102_400 */
  readonly bodyLimitBytes?: number;
  /** `normal` (WAL, synchronous=NORMAL) or `full` (synchronous=FULL: an fsync per commit). @default 'normal' */
  readonly durability?: Durability;
  /** The pino logger. @default a pino logger at `info` on stdout */
  readonly logger?: PinoLogger;
  /** How long a delivery's claim holds if the process dies mid-delivery. @default 60_000 */
  readonly leaseMs?: number;
  /**
   * Whose `X-Forwarded-For` to believe for the client address in logs and
   * rejection rows: `false` (the socket's peer), a number of proxy hops, or
   * the proxies' addresses and CIDR subnets.
   * @default false
   */
  readonly trustProxy?: TrustProxy;
  /** The built inspector's folder, served at `/ui/`. @default the package's `dist/ui` */
  readonly uiDirectory?: string;
  /** How long an inspector session lasts from its sign-in. @default 28_800_000 (8 hours) */
  readonly sessionTtlMs?: number;
  /** Polling, heartbeat and buffering of `/api/events/stream`. */
  readonly eventStream?: EventStreamOptions;
  /**
   * How long a delivery's writes wait, in total, for the write lock another
   * process holds (a second receiver, a backup, an open `sqlite3` shell),
   * retrying on timers so the event loop keeps serving; past it the answer is
   * `503 store_unavailable` with `Retry-After`.
   * @default 2_000
   */
  readonly lockWaitMs?: number;
  /**
   * Forward each stored event to the user's app (FORWARD_URL and friends):
   * queued in the event's transaction, sent with retries, replayable.
   * @default undefined (no forwarding)
   */
  readonly forward?: ForwardOptions | undefined;
  /**
   * With `databaseUrl`: how {@link ReceiverApp.open} migrates (attempts,
   * backoff, the wait for a table lock). @default 5 attempts, 1 s doubling to 8 s, 10 s lock wait
   */
  readonly migration?: Pick<MigrateAtStartOptions, 'attempts' | 'backoffBaseMs' | 'backoffMaxMs' | 'lockTimeoutMs' | 'connectTimeoutMs'>;
  /** The clock, in epoch ms (tests). @default Date.now */
  readonly now?: () => number;
}
