import { pino } from 'pino';
import { isPassworksWebhookError } from '@passworks-webhooks/core';
import { helpText, loadConfig, type ReceiverConfig } from './config/load-config.js';
import { redactedUrl } from './common/redacted-url.js';
import { SCHEMA_VERSION } from './storage/sqlite/migrate.js';
import { createLogOutput } from './ops/create-log-output.js';
import { endLog } from './ops/end-log.js';
import { keptAdminToken, type KeptAdminToken } from './ops/kept-admin-token.js';
import { startReceiver, type RunningReceiver } from './start-receiver.js';

/** Where `main` writes and how it ends the process; tests pass their own. */
export interface MainIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly exit: (code: number) => void;
  /** Whether stdout (where the log goes) is a terminal: readable log lines then, unless LOG_FORMAT says json. */
  readonly stdoutIsTerminal?: boolean;
}

const processIo: MainIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  exit: (code) => process.exit(code),
  stdoutIsTerminal: process.stdout.isTTY === true,
};

/**
 * The admin token of this start: `ADMIN_TOKEN`, else on SQLite the one kept
 * beside the database file (generated at the first start). On PostgreSQL
 * none is generated: instances on one database would each make their own,
 * so `/api` stays closed until ADMIN_TOKEN is set, the same on each.
 */
function adminTokenOf(config: ReceiverConfig): { token: string | undefined; kept: KeptAdminToken | undefined } {
  if (config.adminToken !== undefined || config.databaseUrl !== undefined) return { token: config.adminToken, kept: undefined };
  const kept = keptAdminToken(config.databasePath);
  return { token: kept.token, kept };
}

/**
 * The `passworks-receiver` command: reads flags and env vars, starts the
 * receiver, and shuts it down gracefully on SIGTERM or SIGINT. Bad
 * configuration exits with code 2 and a message naming the variable (a URL
 * without its password); a database that cannot be opened or migrated exits
 * with code 1 and one line naming it and the cause, before listening.
 * Without `ADMIN_TOKEN` on SQLite it uses the token kept beside the database
 * file (generated at the first start) and prints one line to stderr naming
 * that file and the inspector's URL. It logs readable lines when stdout is a
 * terminal, JSON lines otherwise (`LOG_FORMAT`).
 * @returns the running receiver, or undefined after `--help` or a bad configuration
 */
export async function main(
  argv: readonly string[] = process.argv.slice(2),
  env: Readonly<Record<string, string | undefined>> = process.env,
  io: MainIo = processIo,
): Promise<RunningReceiver | undefined> {
  let loaded;
  try {
    loaded = loadConfig(env, argv);
  } catch (error) {
    if (!isPassworksWebhookError(error)) throw error;
    io.stderr(`passworks-receiver: invalid configuration: ${error.message}\n`);
    io.exit(2);
    return undefined;
  }
  if (loaded.help) {
    io.stdout(helpText());
    io.exit(0);
    return undefined;
  }
  const { config } = loaded;
  let admin: ReturnType<typeof adminTokenOf>;
  try {
    admin = adminTokenOf(config);
  } catch (error) {
    // Printed, never logged: the line names the file, never the token.
    io.stderr(`passworks-receiver: the admin token file cannot be used: ${error instanceof Error ? error.message : String(error)}\n`);
    io.exit(isPassworksWebhookError(error) ? 2 : 1);
    return undefined;
  }
  const isTerminal = io.stdoutIsTerminal === true;
  const { stream, destination } = createLogOutput({ format: config.logFormat, isTerminal, color: isTerminal && env.NO_COLOR === undefined });
  const logger = pino({ level: config.logLevel, base: { service: 'passworks-receiver' } }, stream);
  /** Every log line written, then the exit: nothing logged last is lost. */
  let ending = false;
  const exitAfterLog = (code: number): void => {
    if (ending) return;
    ending = true;
    void endLog(destination).then(() => io.exit(code));
  };
  let receiver: RunningReceiver;
  try {
    receiver = await startReceiver({ ...config, adminToken: admin.token, logger });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    logger.fatal({ err: message }, 'the receiver could not start');
    io.stderr(`passworks-receiver: ${message}\n`);
    exitAfterLog(1);
    return undefined;
  }
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      // The log is being ended (nothing more can be written to it): exit now.
      if (ending) return io.exit(1);
      logger.warn({ signal }, 'second signal: exiting now');
      exitAfterLog(1);
      return;
    }
    stopping = true;
    logger.info({ signal, in_flight: receiver.app.inFlight }, 'shutting down: finishing deliveries in flight');
    receiver
      .close()
      .then(() => {
        logger.info({}, 'stopped');
        exitAfterLog(0);
      })
      .catch((error: unknown) => {
        logger.error({ err: error instanceof Error ? error.message : String(error) }, 'shutdown failed');
        exitAfterLog(1);
      });
  };
  // Before the listening line: a supervisor (or a test) may signal as soon as it reads it. `on`, not `once`: a second signal exits now, after the log.
  process.on('SIGTERM', stop).on('SIGINT', stop);
  // DURABILITY is SQLite's synchronous mode: on PostgreSQL it means nothing, so it is not shown.
  const database =
    config.databaseUrl === undefined ? { database: config.databasePath, durability: config.durability } : { database: redactedUrl(config.databaseUrl) };
  logger.info(
    {
      url: receiver.url,
      host: config.host,
      port: receiver.port,
      ...database,
      schema_version: SCHEMA_VERSION,
      api_keys: config.apiKeys.length,
      retention_days: config.retentionDays,
    },
    'passworks-receiver listening: POST /webhooks/passworks',
  );
  if (admin.kept !== undefined) {
    // One line to the terminal, not the log stream (as Jenkins shows its initial admin password's file): the path, never the token.
    const origin = admin.kept.created ? 'generated at this first start' : 'kept since the first start';
    io.stderr(
      `passworks-receiver: inspector at ${receiver.url}/ui/ - sign in with the admin token in ${admin.kept.path} (${origin}; set ADMIN_TOKEN to use your own)\n`,
    );
  }
  if (admin.token === undefined)
    logger.warn(
      {},
      'the read API (/api) and the inspector are closed: set ADMIN_TOKEN (16+ characters, the same on every receiver of this DATABASE_URL) to open them',
    );
  if (config.retentionDays > 0) {
    receiver.app.retention
      .prune()
      .catch((error: unknown) => logger.error({ err: error instanceof Error ? error.message : String(error) }, 'retention pruning failed'));
  }
  return receiver;
}
