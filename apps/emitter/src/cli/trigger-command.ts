import { randomInt } from 'node:crypto';
import { EVENT_NAMES, isEventName } from '@passworks-webhooks/core';
import { deliver } from '../delivery/deliver.js';
import { passHistoryUntil } from '../simulator/pass-history.js';
import { apiKeyOf } from './api-key-of.js';
import { EXIT, UsageError, type CliIo } from './cli-io.js';
import { deliveryOptionsOf, RETRY_FLAGS, shownTarget } from './delivery-flags.js';
import { parseFlags, required, seedFlag, text } from './parse-flags.js';
import { scenarioFlag } from './run-command.js';

const FLAGS = { url: { type: 'string' }, 'api-key': { type: 'string' }, seed: { type: 'string' }, scenario: { type: 'string' }, start: { type: 'string' }, ...RETRY_FLAGS, json: { type: 'boolean' } } as const;

/**
 * `passworks-emitter trigger <event>`: one realistic event of a new pass,
 * after the events that put the pass in the state it needs (sent one at a
 * time, in `event_at` order, each with the delivery engine's retries); stops
 * at the first one not accepted (exit 1).
 */
export async function triggerCommand(args: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = args;
  if (name === undefined || name.startsWith('-')) throw new UsageError(`expected the event to trigger first, one of: ${EVENT_NAMES.join(', ')}`);
  if (!isEventName(name)) throw new UsageError(`unknown event ${JSON.stringify(name)}: expected one of ${EVENT_NAMES.join(', ')}`);
  const values = parseFlags(rest, FLAGS);
  const url = required(values, 'url');
  const apiKey = apiKeyOf(values, io);
  const target = shownTarget(url);
  const options = deliveryOptionsOf(values);
  // A new pass each time unless a seed is given: the same one again would be a duplicate.
  const seed = seedFlag(values, randomInt(1, 2 ** 31));
  const scenario = scenarioFlag(values);
  let history;
  try {
    history = passHistoryUntil(name, { seed, scenario, startAt: text(values, 'start') });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  if (history === undefined) throw new UsageError(`no simulated ${scenario} pass has a ${name} event; try another --scenario`);

  const sent: Array<{ event: string; event_at: string; status: number | string; duplicate: boolean }> = [];
  let ok = true;
  for (const event of history) {
    const { deliveries, ok: accepted } = await deliver({ target: url, apiKey, events: [event], seed, ...options, concurrency: 1 });
    const last = deliveries[0]?.attempts.at(-1);
    sent.push({ event: event.event, event_at: event.event_at, status: last?.status ?? last?.error ?? 'none', duplicate: last?.duplicate === true });
    if (!accepted) {
      ok = false;
      break;
    }
  }
  const passId = history[0]?.pass_id ?? '';
  if (values['json'] === true) {
    io.stdout.write(`${JSON.stringify({ ok, target, seed, scenario, event: name, pass_id: passId, sent }, null, 2)}\n`);
  } else {
    io.stdout.write(
      [
        `passworks-emitter trigger ${name}: pass ${passId} (seed ${String(seed)}, ${scenario}) -> ${target}`,
        ...sent.map((line) => `  ${line.event.padEnd(11)} ${line.event_at}  ${String(line.status)}${line.duplicate ? ' duplicate' : ''}`),
        ok ? 'OK' : `FAIL: ${sent.at(-1)?.event ?? name} was not accepted`,
        '',
      ].join('\n'),
    );
  }
  return ok ? EXIT.ok : EXIT.failed;
}
