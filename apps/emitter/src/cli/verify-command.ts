import { readFile } from 'node:fs/promises';
import { parseRunReport, type RunReport } from '../report/run-report.js';
import { verify } from '../verify/verify.js';
import { EXIT, UsageError, type CliIo } from './cli-io.js';
import { envValue } from './env-value.js';
import { numberFlag, parseFlags, required, text } from './parse-flags.js';

const FLAGS = {
  report: { type: 'string' },
  receiver: { type: 'string' },
  'admin-token': { type: 'string' },
  concurrency: { type: 'string' },
  json: { type: 'boolean' },
} as const;

/** The environment variable the admin token may come from: the one the receiver reads. */
export const ADMIN_TOKEN_ENV = 'ADMIN_TOKEN';

/** Its former name, still read (with a deprecation line on stderr) when ADMIN_TOKEN is unset. */
export const DEPRECATED_ADMIN_TOKEN_ENV = 'PASSWORKS_ADMIN_TOKEN';

/** `passworks-emitter verify`. */
export async function verifyCommand(args: readonly string[], io: CliIo): Promise<number> {
  const values = parseFlags(args, FLAGS);
  const file = required(values, 'report');
  const receiverUrl = required(values, 'receiver');
  const adminToken = text(values, 'admin-token') ?? envValue(io, ADMIN_TOKEN_ENV, DEPRECATED_ADMIN_TOKEN_ENV);
  if (adminToken === undefined || adminToken === '') throw new UsageError(`--admin-token is required (or set ${ADMIN_TOKEN_ENV})`);
  let report: RunReport;
  try {
    report = parseRunReport(JSON.parse(await readFile(file, 'utf8')) as unknown);
  } catch (error) {
    throw new UsageError(`--report ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const result = await verify({ report, receiverUrl, adminToken, concurrency: numberFlag(values, 'concurrency', 8, { min: 1, max: 1000 }) });
  if (values['json'] === true) io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else {
    const shown = result.differences.slice(0, 200);
    io.stdout.write(
      [
        `verified ${result.passes_checked} passes against ${receiverUrl}: ${result.differences.length} difference${result.differences.length === 1 ? '' : 's'}`,
        ...shown.map((d) => `  ${d.pass_id ?? '(campaign)'} ${d.field}: expected ${JSON.stringify(d.expected)}, got ${JSON.stringify(d.actual)}`),
        ...(result.differences.length > shown.length ? [`  ... and ${result.differences.length - shown.length} more (use --json for all)`] : []),
        result.pass ? 'OK' : 'FAIL',
        '',
      ].join('\n'),
    );
  }
  return result.pass ? EXIT.ok : EXIT.failed;
}
