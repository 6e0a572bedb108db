import { pino } from 'pino';
import { isPassworksWebhookError } from '@passworks-webhooks/core';
import { helpText, loadConfig } from './config/load-config.js';
import { redactedUrl } from './config/redacted-url.js';
import { SCHEMA_VERSION } from './db/migrate.js';
import { endLog } from './ops/end-log.js';
import { startReceiver, type RunningReceiver } from './start-receiver.js';


/** Where `main` writes and how it ends the process; tests pass their own. */
export interface MainIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly exit: (code: number) => void;
}

const processIo: MainIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  exit: (code) => process.exit(code),
};

/**
 * The `passworks-receiver` command: reads flags and env vars, starts the
 * receiver, and shuts it down gracefully on SIGTERM or SIGINT. Bad
 * configuration exits with code 2 and a message naming the variable.
 * @returns the running receiver, or undefined after `--help` or a bad configuration
 */
export async function main(argv: readonly string[] = process.argv.slice(2), env: Readonly<Record<string, string | undefined>> = process.env, io: MainIo = processIo): Promise<RunningReceiver | undefined> {
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
  const destination = pino.destination({ dest: 1, sync: false });
  const logger = pino({ level: config.logLevel, base: { service: 'passworks-receiver' } }, destination);
  /** Every log line written, then the exit: nothing logged last is lost. */
  let ending = false;
  const exitAfterLog = (code: number): void => {
    if (ending) return;
    ending = true;
    void endLog(destination).then(() => io.exit(code));
  };
  let receiver: RunningReceiver;
  try {
    receiver = await startReceiver({ ...config, logger });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    logger.fatal({ err: message }, 'the receiver could not start');
    io.stderr(`passworks-receiver: ${message}\n`);
    exitAfterLog(1);
    return undefined;
  }
  logger.info(
    { url: receiver.url, host: config.host, port: receiver.port, database: config.databaseUrl === undefined ? config.databasePath : redactedUrl(config.databaseUrl), durability: config.durability, schema_version: SCHEMA_VERSION, api_keys: config.apiKeys.length, retention_days: config.retentionDays },
    'passworks-receiver listening: POST /webhooks/passworks',
  );
  if (config.adminToken === undefined) logger.warn({}, 'the read API (/api) is disabled: set ADMIN_TOKEN (16+ characters) to enable it');
  if (config.retentionDays > 0) {
    receiver.app.retention.prune().catch((error: unknown) => logger.error({ err: error instanceof Error ? error.message : String(error) }, 'retention pruning failed'));
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
  process.once('SIGTERM', stop).once('SIGINT', stop);
  return receiver;
}
