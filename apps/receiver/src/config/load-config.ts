import { parseArgs } from 'node:util';
import Type from 'typebox';
import Value from 'typebox/value';
import { PassworksWebhookError, unknownOptionMessage } from '@passworks-webhooks/core';
import type { Durability } from '@passworks-webhooks/sqlite';
import { forwardUrlProblem, type ForwardOptions } from '../forward/create-forwarder.js';
import { parseTrustProxy, type TrustProxy } from '../webhook/client-address.js';
import { CONFIG_VARIABLES, type ConfigVariable, type LOG_LEVELS, type LogFormat } from './config-variables.js';
import { redactedUrl } from '../common/redacted-url.js';

/** The receiver's validated configuration. */
export interface ReceiverConfig {
  readonly apiKeys: readonly string[];
  readonly port: number;
  readonly host: string;
  readonly databasePath: string;
  /** PostgreSQL instead of the SQLite file, when set. */
  readonly databaseUrl: string | undefined;
  readonly poolSize: number;
  readonly adminToken: string | undefined;
  readonly retentionDays: number;
  readonly logLevel: (typeof LOG_LEVELS)[number];
  /** `json` or `pretty`; undefined: pretty on a terminal, json elsewhere. */
  readonly logFormat: LogFormat | undefined;
  readonly bodyLimitBytes: number;
  readonly durability: Durability;
  readonly trustProxy: TrustProxy;
  readonly headersTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly keepAliveTimeoutMs: number;
  /** Forwarding, when FORWARD_URL is set. */
  readonly forward: ForwardOptions | undefined;
}

/** What `loadConfig` read: a configuration, or a request for help. */
export type LoadedConfig = { readonly help: true } | { readonly help: false; readonly config: ReceiverConfig };

const variables: readonly ConfigVariable[] = CONFIG_VARIABLES;
const Schema = Type.Object(Object.fromEntries(variables.map((v) => [v.env, v.default === undefined ? Type.Optional(v.schema) : v.schema])));

/** The flag-like names a user may try for a setting that has no flag: `ADMIN_TOKEN` -> `admin-token`; `PASSWORKS_API_KEY` -> `passworks-api-key`, `api-key`. */
const ENV_ONLY: Readonly<Record<string, string>> = Object.fromEntries(
  variables.flatMap((v) =>
    v.flag === undefined ? [v.env, v.env.replace(/^PASSWORKS_/, '')].map((name) => [name.toLowerCase().replaceAll('_', '-'), v.env]) : [],
  ),
);

function argsOf(argv: readonly string[]): { help: boolean; values: Record<string, string | undefined> } {
  const options = {
    ...Object.fromEntries(variables.flatMap((v) => (v.flag === undefined ? [] : [[v.flag, { type: 'string' as const }]]))),
    help: { type: 'boolean' as const, short: 'h' },
  };
  try {
    const { values } = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false });
    const { help, ...rest } = values as Record<string, string | boolean | undefined>;
    return { help: help === true, values: rest as Record<string, string | undefined> };
  } catch (cause) {
    // A stray argument is often a secret whose flag was forgotten (secrets are env-only): never echo it.
    if ((cause as { code?: unknown }).code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
      throw new PassworksWebhookError(
        'invalid_config',
        'unexpected positional argument (not shown); this command takes only flags, and secrets are env-only (see --help)',
      );
    }
    if ((cause as { code?: unknown }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      // Named from the parsed tokens, without any value typed with it (`--api-key=secret`).
      const unknown = parseArgs({ args: [...argv], options, strict: false, tokens: true }).tokens.find(
        (token) => token.kind === 'option' && !(token.name in options),
      );
      const rawName = unknown?.kind === 'option' ? unknown.rawName : '';
      throw new PassworksWebhookError('invalid_config', `${unknownOptionMessage(rawName, { flags: Object.keys(options), envOnly: ENV_ONLY })} (see --help)`, {
        cause,
      });
    }
    throw new PassworksWebhookError('invalid_config', `${cause instanceof Error ? cause.message : String(cause)} (see --help)`, { cause });
  }
}

/**
 * Reads the configuration from flags (first) and env vars, validates it
 * against the TypeBox schema of {@link CONFIG_VARIABLES}, and throws
 * `invalid_config` naming the first bad variable and its value (never the
 * value of a secret).
 */
export function loadConfig(env: Readonly<Record<string, string | undefined>>, argv: readonly string[] = []): LoadedConfig {
  const args = argsOf(argv);
  if (args.help) return { help: true };
  const raw: Record<string, string> = {};
  for (const v of variables) {
    const given = (v.flag === undefined ? undefined : args.values[v.flag]) ?? env[v.env];
    const value = given === undefined || given.trim() === '' ? v.default : given.trim();
    if (value !== undefined) raw[v.env] = value;
  }
  if (raw.PASSWORKS_API_KEY === undefined) {
    throw new PassworksWebhookError(
      'invalid_config',
      'PASSWORKS_API_KEY is not set: expected a comma-separated list of API keys (the key the platform sends in Authorization)',
    );
  }
  const converted = Value.Convert(Schema, { ...raw }) as Record<string, unknown>;
  for (const error of Value.Errors(Schema, converted)) {
    const name = error.instancePath.slice(1);
    const variable = variables.find((v) => v.env === name);
    const secret = variable?.flag === undefined;
    // A URL's password is never echoed, whatever its scheme (mysql://u:PASSWORD@host is refused, not shown).
    const shown = secret ? '(hidden)' : JSON.stringify(redactedUrl(raw[name] ?? ''));
    throw new PassworksWebhookError(
      'invalid_config',
      `${name}${variable?.flag === undefined ? '' : ` (--${variable.flag})`}: expected ${variable?.expected ?? error.message}, got ${shown}`,
    );
  }
  if (raw.DATABASE_URL !== undefined && !URL.canParse(raw.DATABASE_URL)) {
    // A password holding '/', '?', '#' or '@' must be percent-encoded; the value is shown without anything before its last '@'.
    throw new PassworksWebhookError(
      'invalid_config',
      `DATABASE_URL (--database-url): expected a URL (percent-encode special characters of the user and password), got ${JSON.stringify(redactedUrl(raw.DATABASE_URL))}`,
    );
  }
  let trustProxy: TrustProxy;
  try {
    trustProxy = parseTrustProxy(converted.TRUST_PROXY as string);
  } catch {
    throw new PassworksWebhookError(
      'invalid_config',
      `TRUST_PROXY (--trust-proxy): expected ${variables.find((v) => v.env === 'TRUST_PROXY')?.expected ?? ''}, got ${JSON.stringify(raw.TRUST_PROXY)}`,
    );
  }
  if ((converted.HEADERS_TIMEOUT_MS as number) > (converted.REQUEST_TIMEOUT_MS as number)) {
    throw new PassworksWebhookError(
      'invalid_config',
      `HEADERS_TIMEOUT_MS (--headers-timeout-ms): expected at most REQUEST_TIMEOUT_MS (${String(converted.REQUEST_TIMEOUT_MS)}), got ${JSON.stringify(raw.HEADERS_TIMEOUT_MS)}`,
    );
  }
  if ((raw.FORWARD_URL === undefined) !== (raw.FORWARD_API_KEY === undefined)) {
    throw new PassworksWebhookError(
      'invalid_config',
      raw.FORWARD_URL === undefined
        ? 'FORWARD_API_KEY is set but FORWARD_URL (--forward-url) is not: set both to forward, or neither'
        : 'FORWARD_API_KEY is not set: FORWARD_URL needs the API key your app expects in Authorization (env only)',
    );
  }
  const forwardUrl = raw.FORWARD_URL === undefined ? undefined : forwardUrlProblem(raw.FORWARD_URL);
  if (forwardUrl !== undefined) throw new PassworksWebhookError('invalid_config', `FORWARD_URL (--forward-url): ${forwardUrl}`);
  const forward: ForwardOptions | undefined =
    raw.FORWARD_URL === undefined || raw.FORWARD_API_KEY === undefined
      ? undefined
      : {
          url: converted.FORWARD_URL as string,
          apiKey: raw.FORWARD_API_KEY,
          concurrency: converted.FORWARD_CONCURRENCY as number,
          timeoutMs: converted.FORWARD_TIMEOUT_MS as number,
          maxAttempts: converted.FORWARD_MAX_ATTEMPTS as number,
          maxAgeMs: converted.FORWARD_MAX_AGE_MS as number,
          backoffBaseMs: converted.FORWARD_BACKOFF_BASE_MS as number,
          backoffMaxMs: converted.FORWARD_BACKOFF_MAX_MS as number,
          replayRatePerSecond: converted.REPLAY_RATE as number,
        };
  const apiKeys = (raw.PASSWORKS_API_KEY ?? '')
    .split(',')
    .map((key) => key.trim())
    .filter((key) => key.length > 0);
  return {
    help: false,
    config: {
      apiKeys,
      port: converted.PORT as number,
      host: converted.HOST as string,
      databasePath: converted.DATABASE_PATH as string,
      databaseUrl: converted.DATABASE_URL as string | undefined,
      poolSize: converted.DATABASE_POOL_SIZE as number,
      adminToken: converted.ADMIN_TOKEN as string | undefined,
      retentionDays: converted.RETENTION_DAYS as number,
      logLevel: converted.LOG_LEVEL as ReceiverConfig['logLevel'],
      logFormat: converted.LOG_FORMAT as LogFormat | undefined,
      bodyLimitBytes: converted.BODY_LIMIT as number,
      durability: converted.DURABILITY as Durability,
      trustProxy,
      headersTimeoutMs: converted.HEADERS_TIMEOUT_MS as number,
      requestTimeoutMs: converted.REQUEST_TIMEOUT_MS as number,
      keepAliveTimeoutMs: converted.KEEP_ALIVE_TIMEOUT_MS as number,
      forward,
    },
  };
}

/** The `--help` text: usage and every variable with its flag, expected value and default. */
export function helpText(): string {
  const lines = [
    'passworks-receiver: the self-hostable Passworks webhook receiver on SQLite (or PostgreSQL with DATABASE_URL).',
    '',
    'Usage: passworks-receiver [flags]   (flags override env vars)',
    '',
    'Webhook endpoint: POST /webhooks/passworks. Read API: /api/* with "Authorization: Bearer <ADMIN_TOKEN>".',
    '',
    'Settings:',
  ];
  for (const v of variables) {
    lines.push(`  ${v.env}${v.flag === undefined ? '' : `, --${v.flag}`}`);
    lines.push(`      ${v.help}`);
    lines.push(`      Type: ${v.expected}. Default: ${v.default ?? 'none'}`);
  }
  lines.push('  --help, -h', '      Print this help.');
  return `${lines.join('\n')}\n`;
}
