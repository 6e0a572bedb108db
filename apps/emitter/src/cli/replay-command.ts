import { deliver } from '../delivery/deliver.js';
import { createProgressLine } from '../delivery/progress-line.js';
import { apiKeyOf } from './api-key-of.js';
import { EXIT, type CliIo } from './cli-io.js';
import { deliveryOptionsOf, PACING_FLAGS, RETRY_FLAGS, shownTarget, summaryLines } from './delivery-flags.js';
import { parseFlags, required } from './parse-flags.js';
import { readEventsFile } from './read-events-file.js';

const FLAGS = {
  from: { type: 'string' },
  url: { type: 'string' },
  'api-key': { type: 'string' },
  ...PACING_FLAGS,
  ...RETRY_FLAGS,
  json: { type: 'boolean' },
} as const;

/**
 * `passworks-emitter replay`: sends the events of an NDJSON file (`generate`'s
 * output or the receiver's export) to a URL through the delivery engine, in
 * file order, with its pacing and retries. Exit 1 when one was finally not accepted.
 */
export async function replayCommand(args: readonly string[], io: CliIo): Promise<number> {
  const values = parseFlags(args, FLAGS);
  const from = required(values, 'from');
  const url = required(values, 'url');
  const apiKey = apiKeyOf(values, io);
  const options = deliveryOptionsOf(values);
  const target = shownTarget(url);
  const events = await readEventsFile(from);
  const json = values['json'] === true;
  // The header before the progress line starts (on a terminal both show), the summary after it ends.
  if (!json) io.stdout.write(`passworks-emitter replay: ${events.length} events from ${from} -> ${target}\n`);
  const progress = createProgressLine(io.stderr, io.env);
  const result = await deliver({ target: url, apiKey, events, ...options, onProgress: progress.update });
  progress.end();
  if (json) {
    io.stdout.write(
      `${JSON.stringify({ ok: result.ok, target, from, events: events.length, summary: result.summary, failures: result.deliveries.filter((d) => !d.ok).slice(0, 100) }, null, 2)}\n`,
    );
  } else {
    io.stdout.write([...summaryLines(result), result.ok ? 'OK' : `FAIL: ${result.summary.failed} events not accepted`, ''].join('\n'));
  }
  return result.ok ? EXIT.ok : EXIT.failed;
}
