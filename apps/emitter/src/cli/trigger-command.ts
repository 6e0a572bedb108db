import { randomInt } from 'node:crypto';
import { EVENT_NAMES, isEventName, parseInstant } from '@passworks-webhooks/core';
import { deliver } from '../delivery/deliver.js';
import { passHistoryUntil } from '../simulator/pass-history.js';
import { apiKeyOf } from './api-key-of.js';
import { EXIT, UsageError, type CliIo } from './cli-io.js';
import { deliveryOptionsOf, RETRY_FLAGS, shownTarget } from './delivery-flags.js';
import { parseFlags, required, seedFlag, text } from './parse-flags.js';
import { scenarioFlag } from './run-command.js';

// `start` is known only to say that --at replaced it.
const FLAGS = {
  url: { type: 'string' },
  'api-key': { type: 'string' },
  seed: { type: 'string' },
  scenario: { type: 'string' },
  at: { type: 'string' },
  start: { type: 'string' },
  ...RETRY_FLAGS,
  json: { type: 'boolean' },
} as const;

/** `--at`: an RFC 3339 instant in ms since the epoch, or now. */
function atFlag(values: Record<string, string | boolean | undefined>): number {
  const raw = text(values, 'at');
  if (raw === undefined) return Date.now();
  const instant = parseInstant(raw);
  if (instant === undefined) throw new UsageError(`--at: expected an ISO 8601 instant such as 2026-03-02T09:00:00Z, got ${JSON.stringify(raw)}`);
  return instant.ms;
}

/**
 * `passworks-emitter trigger <event>`: one realistic event of a new pass,
 * dated now (or `--at`), after the events that put the pass in the state it
 * needs (sent one at a time, in `event_at` order, each with the delivery
 * engine's retries); stops at the first one not accepted (exit 1).
 */
export async function triggerCommand(args: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = args;
  if (name === undefined || name.startsWith('-')) throw new UsageError(`expected the event to trigger first, one of: ${EVENT_NAMES.join(', ')}`);
  if (!isEventName(name)) throw new UsageError(`unknown event ${JSON.stringify(name)}: expected one of ${EVENT_NAMES.join(', ')}`);
  const values = parseFlags(rest, FLAGS);
  if (text(values, 'start') !== undefined) throw new UsageError('--start is no longer a trigger flag: --at ISO dates the triggered event (default: now)');
  const url = required(values, 'url');
  const apiKey = apiKeyOf(values, io);
  const target = shownTarget(url);
  const options = deliveryOptionsOf(values);
  // A new pass each time unless a seed is given: the same one again would be a duplicate.
  const seed = seedFlag(values, randomInt(1, 2 ** 31));
  const scenario = scenarioFlag(values);
  const atMs = atFlag(values);
  let history;
  try {
    history = passHistoryUntil(name, { seed, scenario, atMs });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  if (history === undefined) throw new UsageError(`no simulated ${scenario} pass has a ${name} event; try another --scenario`);

  // In text, the header first and each event as it is answered; in JSON, one document at the end.
  const json = values['json'] === true;
  const passId = history[0]?.pass_id ?? '';
  if (!json) io.stdout.write(`passworks-emitter trigger ${name}: pass ${passId} (seed ${String(seed)}, ${scenario}) -> ${target}\n`);
  const sent: Array<{ event: string; event_at: string; status: number | string; duplicate: boolean }> = [];
  let ok = true;
  for (const event of history) {
    const { deliveries, ok: accepted } = await deliver({ target: url, apiKey, events: [event], seed, ...options, concurrency: 1 });
    const last = deliveries[0]?.attempts.at(-1);
    const line = { event: event.event, event_at: event.event_at, status: last?.status ?? last?.error ?? 'none', duplicate: last?.duplicate === true };
    sent.push(line);
    if (!json) io.stdout.write(`  ${line.event.padEnd(11)} ${line.event_at}  ${String(line.status)}${line.duplicate ? ' duplicate' : ''}\n`);
    if (!accepted) {
      ok = false;
      break;
    }
  }
  if (json) io.stdout.write(`${JSON.stringify({ ok, target, seed, scenario, event: name, pass_id: passId, sent }, null, 2)}\n`);
  else io.stdout.write(ok ? 'OK\n' : `FAIL: ${sent.at(-1)?.event ?? name} was not accepted\n`);
  return ok ? EXIT.ok : EXIT.failed;
}
