import t from 'tap';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createNodeMiddleware } from '@passworks-webhooks/core/node';
import { runCli, type CliIo } from '../../src/cli/index.js';
import { simulate, toNdjson } from '../../src/simulator/simulate.js';
import { listen } from '../helpers/listen.js';

const API_KEY = 'pk_terminal_secret_key';
const CLEAR_LINE = '\r\u001b[2K';

/** A terminal: stdout and stderr (a TTY) in one log, in the order written, outside CI. */
function terminal(): CliIo & { log: () => string } {
  let log = '';
  const write = (text: string): boolean => ((log += text), true);
  return { stdout: { write }, stderr: { isTTY: true, write }, env: { PASSWORKS_API_KEY: API_KEY }, log: () => log };
}

t.test('on a terminal, run and replay print their header before the progress line, the summary after it', async (t) => {
  const url = `${await listen(t, createNodeMiddleware({ apiKey: API_KEY }))}/webhooks/passworks`;
  const file = join(t.testdir(), 'events.ndjson');
  await writeFile(file, toNdjson(simulate({ seed: 3, passes: 2 }).events));
  for (const [argv, header] of [
    [
      ['run', '--url', url, '--passes', '5'],
      /^passworks-emitter run: \d+ events of 5 passes \(seed 1, mixed\) -> http:\/\/127\.0\.0\.1:\d+\/webhooks\/passworks\n/,
    ],
    [
      ['replay', '--from', file, '--url', url],
      /^passworks-emitter replay: \d+ events from .*events\.ndjson -> http:\/\/127\.0\.0\.1:\d+\/webhooks\/passworks\n/,
    ],
  ] as const) {
    const io = terminal();
    t.equal(await runCli([...argv], io), 0, argv[0]);
    const log = io.log();
    t.match(log, header, 'the header first');
    const progressAt = log.indexOf(CLEAR_LINE);
    t.ok(progressAt > log.indexOf('\n'), 'the progress line after the header');
    t.match(
      log.slice(log.lastIndexOf(CLEAR_LINE) + CLEAR_LINE.length),
      /^sent \d+ · accepted \d+ .*\nOK\n$/s,
      'the summary after the progress line is cleared',
    );
  }
});
