import { formatConformance } from '../conformance/format-conformance.js';
import { runConformance } from '../conformance/run-conformance.js';
import { apiKeyOf } from './api-key-of.js';
import { EXIT, type CliIo } from './cli-io.js';
import { numberFlag, parseFlags, required, text } from './parse-flags.js';

const FLAGS = {
  url: { type: 'string' },
  'api-key': { type: 'string' },
  'timeout-ms': { type: 'string' },
  seed: { type: 'string' },
  json: { type: 'boolean' },
} as const;

/** `passworks-emitter conformance`. */
export async function conformanceCommand(args: readonly string[], io: CliIo): Promise<number> {
  const values = parseFlags(args, FLAGS);
  const url = required(values, 'url');
  const apiKey = apiKeyOf(values, io);
  const seed = text(values, 'seed') === undefined ? undefined : numberFlag(values, 'seed', 1, { min: 0 });
  const report = await runConformance({
    target: url,
    apiKey,
    timeoutMs: numberFlag(values, 'timeout-ms', 10_000, { min: 1 }),
    ...(seed === undefined ? {} : { seed }),
  });
  io.stdout.write(values['json'] === true ? `${JSON.stringify(report, null, 2)}\n` : `${formatConformance(report)}\n`);
  return report.pass ? EXIT.ok : EXIT.failed;
}
