import Type, { type TSchema } from 'typebox';
import { DURABILITY_MODES } from '@passworks-webhooks/sqlite';
import { DEFAULTS } from '../common/defaults.js';
import { LOG_FORMATS } from '../ops/log-formats.js';

/** The pino levels LOG_LEVEL accepts. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export { LOG_FORMATS, type LogFormat } from '../ops/log-formats.js';

/** One configuration variable: its env name, its flag (secrets have none: argv is visible to other users), schema and help. */
export interface ConfigVariable {
  readonly env: string;
  readonly flag?: string;
  readonly schema: TSchema;
  /** What a valid value is, for error messages and `--help`. */
  readonly expected: string;
  readonly help: string;
  readonly default?: string;
}

const oneOf = (values: readonly string[]): TSchema => Type.Union(values.map((value) => Type.Literal(value)));

/** Every setting of the receiver, in `--help` order. */
export const CONFIG_VARIABLES = [
  {
    env: 'PASSWORKS_API_KEY',
    schema: Type.String({ pattern: '\\S' }),
    expected: 'a comma-separated list of API keys',
    help: 'The organization API key(s) the platform sends in Authorization; several, comma-separated, during rotation. Required. Env only.',
  },
  {
    env: 'PORT',
    flag: 'port',
    schema: Type.Integer({ minimum: 0, maximum: 65_535 }),
    expected: 'an integer from 0 to 65535',
    help: 'The TCP port to listen on.',
    default: String(DEFAULTS.port),
  },
  {
    env: 'HOST',
    flag: 'host',
    schema: Type.String({ minLength: 1 }),
    expected: 'a host name or IP address',
    help: 'The address to listen on.',
    default: String(DEFAULTS.host),
  },
  {
    env: 'DATABASE_PATH',
    flag: 'database-path',
    schema: Type.String({ minLength: 1 }),
    expected: 'a file path',
    help: 'The SQLite database file; its folder is created. Several receivers on one machine may share it.',
    default: String(DEFAULTS.databasePath),
  },
  {
    env: 'DATABASE_URL',
    flag: 'database-url',
    schema: Type.String({ pattern: '^postgres(ql)?://.' }),
    expected: 'a postgres:// URL such as postgres://user@db.internal:5432/passworks',
    help: 'Store everything in this PostgreSQL database instead of the SQLite file; any number of receivers may share it. Connected and migrated before listening: exits 1 with one line naming the cause when it cannot be opened. Prefer the env var (or PGPASSWORD / ~/.pgpass) when the URL holds a password: argv is visible to other users.',
  },
  {
    env: 'DATABASE_POOL_SIZE',
    flag: 'database-pool-size',
    schema: Type.Integer({ minimum: 1, maximum: 1_000 }),
    expected: 'an integer from 1 to 1000',
    help: 'With DATABASE_URL: the most PostgreSQL connections of this instance.',
    default: String(DEFAULTS.poolSize),
  },
  {
    env: 'ADMIN_TOKEN',
    schema: Type.String({ minLength: 16 }),
    expected: 'a token of at least 16 characters',
    help: 'Bearer token of the read API (/api) and the inspector sign-in (/ui/). Unset on SQLite: generated at the first start and kept in admin-token beside the database file (mode 0600; its path is printed at start). Unset with DATABASE_URL: the read API answers 401. Setting it ends the sessions of the previous token. Env only.',
  },
  {
    env: 'RETENTION_DAYS',
    flag: 'retention-days',
    schema: Type.Integer({ minimum: 0, maximum: 36_500 }),
    expected: 'an integer from 0 to 36500',
    help: 'Prune passes silent for this many days (with their events) and older rejections, at start and hourly. 0 keeps everything.',
    default: String(DEFAULTS.retentionDays),
  },
  {
    env: 'LOG_LEVEL',
    flag: 'log-level',
    schema: oneOf(LOG_LEVELS),
    expected: `one of ${LOG_LEVELS.join(', ')}`,
    help: 'The pino log level.',
    default: String(DEFAULTS.logLevel),
  },
  {
    env: 'LOG_FORMAT',
    flag: 'log-format',
    schema: oneOf(LOG_FORMATS),
    expected: `one of ${LOG_FORMATS.join(', ')}`,
    help: 'json: one pino JSON object a line. pretty: readable lines, one a delivery (time, event, pass, answer, ms). Unset: pretty when stdout is a terminal, json otherwise.',
  },
  {
    env: 'BODY_LIMIT',
    flag: 'body-limit',
    schema: Type.Integer({ minimum: 1, maximum: 10_485_760 }),
    expected: 'a number of bytes from 1 to 10485760',
    help: 'The largest webhook body accepted, in bytes (larger: 413).',
    default: String(DEFAULTS.bodyLimitBytes),
  },
  {
    env: 'DURABILITY',
    flag: 'durability',
    schema: oneOf(DURABILITY_MODES),
    expected: `one of ${DURABILITY_MODES.join(', ')}`,
    help: 'normal: WAL, synchronous=NORMAL (survives a process crash). full: synchronous=FULL, an fsync per group commit (survives power loss).',
    default: String(DEFAULTS.durability),
  },
  {
    env: 'TRUST_PROXY',
    flag: 'trust-proxy',
    schema: Type.String(),
    expected: 'false, a number of proxy hops, or a comma-separated list of proxy addresses and CIDR subnets (loopback = 127.0.0.1/8,::1)',
    help: 'Whose X-Forwarded-* headers to believe: X-Forwarded-For for the client address in logs and rejection rows, X-Forwarded-Proto for the Secure session cookie, X-Forwarded-Host for the sign-in origin check. false: the socket peer is the client.',
    default: 'false',
  },
  {
    env: 'HEADERS_TIMEOUT_MS',
    flag: 'headers-timeout-ms',
    schema: Type.Integer({ minimum: 1_000, maximum: 300_000 }),
    expected: 'milliseconds from 1000 to 300000, at most REQUEST_TIMEOUT_MS',
    help: 'How long a client may take to send the request headers (then 408).',
    default: String(DEFAULTS.headersTimeoutMs),
  },
  {
    env: 'REQUEST_TIMEOUT_MS',
    flag: 'request-timeout-ms',
    schema: Type.Integer({ minimum: 1_000, maximum: 300_000 }),
    expected: 'milliseconds from 1000 to 300000',
    help: 'How long a client may take to send the whole request, body included (then 408 and the connection is closed).',
    default: String(DEFAULTS.requestTimeoutMs),
  },
  {
    env: 'KEEP_ALIVE_TIMEOUT_MS',
    flag: 'keep-alive-timeout-ms',
    schema: Type.Integer({ minimum: 1_000, maximum: 300_000 }),
    expected: 'milliseconds from 1000 to 300000',
    help: 'How long an idle keep-alive connection stays open; longer than the idle timeout of a load balancer in front.',
    default: String(DEFAULTS.keepAliveTimeoutMs),
  },
  {
    env: 'FORWARD_URL',
    flag: 'forward-url',
    schema: Type.String({ pattern: '^https?://' }),
    expected: 'an http:// or https:// URL',
    help: "Forward each stored event to this URL (your app's webhook route), queued in the event's own transaction: the exact raw bytes, Authorization: FORWARD_API_KEY, X-Passworks-Event-Id. No user or password in it (refused at start: your app's key goes in FORWARD_API_KEY). Unset: no forwarding.",
  },
  {
    env: 'FORWARD_API_KEY',
    schema: Type.String({ pattern: '\\S' }),
    expected: 'the API key your app expects',
    help: 'Sent as Authorization to FORWARD_URL (the key your passworksWebhooks() checks). Required with FORWARD_URL. Env only; never logged or stored.',
  },
  {
    env: 'FORWARD_CONCURRENCY',
    flag: 'forward-concurrency',
    schema: Type.Integer({ minimum: 1, maximum: 256 }),
    expected: 'an integer from 1 to 256',
    help: 'Forwarding attempts in flight at once; one pass never has two (its events go in event_at order).',
    default: String(DEFAULTS.forwardConcurrency),
  },
  {
    env: 'FORWARD_TIMEOUT_MS',
    flag: 'forward-timeout-ms',
    schema: Type.Integer({ minimum: 100, maximum: 300_000 }),
    expected: 'milliseconds from 100 to 300000',
    help: 'How long one forwarding attempt may take (then it counts as failed and is retried).',
    default: String(DEFAULTS.forwardTimeoutMs),
  },
  {
    env: 'FORWARD_MAX_ATTEMPTS',
    flag: 'forward-max-attempts',
    schema: Type.Integer({ minimum: 1, maximum: 1_000 }),
    expected: 'an integer from 1 to 1000',
    help: 'Attempts before an event is dead-lettered (state failed; replay it with POST /api/replays).',
    default: String(DEFAULTS.forwardMaxAttempts),
  },
  {
    env: 'FORWARD_MAX_AGE_MS',
    flag: 'forward-max-age-ms',
    schema: Type.Integer({ minimum: 1_000, maximum: 2_592_000_000 }),
    expected: 'milliseconds from 1000 to 2592000000 (30 days)',
    help: 'Age since queued after which a failing event is dead-lettered, whatever its attempt count.',
    default: String(DEFAULTS.forwardMaxAgeMs),
  },
  {
    env: 'FORWARD_BACKOFF_BASE_MS',
    flag: 'forward-backoff-base-ms',
    schema: Type.Integer({ minimum: 1, maximum: 3_600_000 }),
    expected: 'milliseconds from 1 to 3600000',
    help: 'The delay before the second attempt, doubled after each failure, with jitter; a longer Retry-After is honoured.',
    default: String(DEFAULTS.forwardBackoffBaseMs),
  },
  {
    env: 'FORWARD_BACKOFF_MAX_MS',
    flag: 'forward-backoff-max-ms',
    schema: Type.Integer({ minimum: 1, maximum: 86_400_000 }),
    expected: 'milliseconds from 1 to 86400000',
    help: 'The longest delay between attempts; Retry-After is honoured up to 10 minutes.',
    default: String(DEFAULTS.forwardBackoffMaxMs),
  },
  {
    env: 'REPLAY_RATE',
    flag: 'replay-rate',
    schema: Type.Integer({ minimum: 1, maximum: 10_000 }),
    expected: 'events per second from 1 to 10000',
    help: 'How many events per second a replay (POST /api/replays) puts back on the forwarding queue.',
    default: String(DEFAULTS.replayRatePerSecond),
  },
] as const satisfies readonly ConfigVariable[];
