/**
 * The receiver's defaults, written once: the options of its factories, the
 * configuration variables (and so `--help`), and the docs comments that
 * name them read them from here.
 */
export const DEFAULTS = Object.freeze({
  /** PORT. */
  port: 3000,
  /** HOST. */
  host: '0.0.0.0',
  /** DATABASE_PATH. */
  databasePath: './data/passworks.db',
  /** DATABASE_POOL_SIZE: the most connections of one PostgreSQL instance's pool. */
  poolSize: 10,
  /** How long one PostgreSQL statement (or getting a connection) may take before `store_unavailable`. */
  queryTimeoutMs: 5_000,
  /** RETENTION_DAYS: 0 keeps everything. */
  retentionDays: 0,
  /** LOG_LEVEL. */
  logLevel: 'info' as const,
  /** BODY_LIMIT: the largest webhook body accepted, in bytes. */
  bodyLimitBytes: 102_400,
  /** DURABILITY. */
  durability: 'normal' as const,
  /** The most rejected deliveries kept (anyone can send one); the oldest go first. */
  maxRejections: 100_000,
  /** How long a delivery's claim holds if the process dies mid-delivery. */
  leaseMs: 60_000,
  /** The `Retry-After` of a 503 (a failing database) and a 409, in whole seconds. */
  retryAfterSeconds: 5,
  /** How long a shutdown waits for requests in progress. */
  shutdownGraceMs: 10_000,
  /** HEADERS_TIMEOUT_MS. */
  headersTimeoutMs: 10_000,
  /** REQUEST_TIMEOUT_MS. */
  requestTimeoutMs: 30_000,
  /** KEEP_ALIVE_TIMEOUT_MS: above a load balancer's idle timeout (60 s on AWS ALB). */
  keepAliveTimeoutMs: 65_000,
  /** FORWARD_CONCURRENCY. */
  forwardConcurrency: 8,
  /** FORWARD_TIMEOUT_MS. */
  forwardTimeoutMs: 10_000,
  /** FORWARD_MAX_ATTEMPTS. */
  forwardMaxAttempts: 12,
  /** FORWARD_MAX_AGE_MS. */
  forwardMaxAgeMs: 86_400_000,
  /** FORWARD_BACKOFF_BASE_MS. */
  forwardBackoffBaseMs: 1_000,
  /** FORWARD_BACKOFF_MAX_MS. */
  forwardBackoffMaxMs: 300_000,
  /** The longest `Retry-After` of the forward target honoured. */
  forwardRetryAfterMaxMs: 600_000,
  /** REPLAY_RATE: events per second a replay puts back on the queue. */
  replayRatePerSecond: 50,
} satisfies Record<string, number | string>);
