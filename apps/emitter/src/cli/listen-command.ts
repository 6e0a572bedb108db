import { API_KEY_ENV } from '@passworks-webhooks/core';
import { readListenState } from '../listen/listen-state.js';
import { relayEvents } from '../listen/relay-events.js';
import { EXIT, UsageError, type CliIo } from './cli-io.js';
import { envValue } from './env-value.js';
import { numberFlag, parseFlags, required, text } from './parse-flags.js';

const FLAGS = {
  from: { type: 'string' },
  'admin-token': { type: 'string' },
  'forward-to': { type: 'string' },
  'api-key': { type: 'string' },
  'state-file': { type: 'string' },
  event: { type: 'string' },
  'pass-id': { type: 'string' },
  'campaign-id': { type: 'string' },
  'since-id': { type: 'string' },
  since: { type: 'string' },
  json: { type: 'boolean' },
  'timeout-ms': { type: 'string' },
} as const;

/** An http(s) URL flag, or a usage error naming the flag (never the value: it may carry credentials). */
function urlFlag(values: Record<string, string | boolean | undefined>, name: string): string {
  const raw = required(values, name);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`--${name}: not a URL (expected http://host[:port][/path])`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`--${name}: expected an http:// or https:// URL`);
  return url.href;
}

/** The id the first event of `--since` (an event time) follows: the smallest id of the stored events at or after it, minus one. */
async function idBefore(from: string, adminToken: string, since: string): Promise<number> {
  let smallest: number | undefined;
  let cursor: string | null = null;
  do {
    const url = new URL('api/events', from);
    url.searchParams.set('since', since);
    url.searchParams.set('limit', '1000');
    if (cursor !== null) url.searchParams.set('cursor', cursor);
    const response = await fetch(url, { headers: { authorization: `Bearer ${adminToken}` } });
    if (response.status === 401 || response.status === 403)
      throw new Error(`the receiver refused the admin token (${response.status}): check --admin-token or ADMIN_TOKEN`);
    if (!response.ok) throw new Error(`listing the events since ${since} failed: the receiver answered ${response.status}`);
    const page = (await response.json()) as { data: { id: number }[]; next_cursor: string | null };
    for (const row of page.data) smallest = Math.min(smallest ?? row.id, row.id);
    cursor = page.next_cursor;
  } while (cursor !== null);
  return smallest === undefined ? Number.MAX_SAFE_INTEGER : smallest - 1;
}

/**
 * `passworks-emitter listen`: follows a deployed receiver's live stream and
 * relays each event's exact bytes to a local app (or only prints them),
 * resumable through a state file. Runs until Ctrl-C (exit 0, state saved);
 * a refused admin token or a bad URL exits 2.
 */
export async function listenCommand(args: readonly string[], io: CliIo): Promise<number> {
  const values = parseFlags(args, FLAGS);
  const from = urlFlag(values, 'from');
  const base = from.endsWith('/') ? from : `${from}/`;
  const adminToken = text(values, 'admin-token') ?? envValue(io, 'ADMIN_TOKEN', 'PASSWORKS_ADMIN_TOKEN');
  if (adminToken === undefined || adminToken === '') throw new UsageError('--admin-token is required (or set ADMIN_TOKEN)');
  const forwardTo = text(values, 'forward-to') === undefined ? undefined : urlFlag(values, 'forward-to');
  const apiKey = forwardTo === undefined ? undefined : (text(values, 'api-key') ?? io.env[API_KEY_ENV]?.split(',')[0]?.trim());
  if (forwardTo !== undefined && (apiKey === undefined || apiKey === ''))
    throw new UsageError(`--api-key is required with --forward-to (or set ${API_KEY_ENV})`);
  if (text(values, 'since-id') !== undefined && text(values, 'since') !== undefined) throw new UsageError('either --since-id or --since, not both');
  const since = text(values, 'since');
  if (since !== undefined && Number.isNaN(Date.parse(since))) throw new UsageError('--since: expected an ISO 8601 time, e.g. 2026-12-01T00:00:00Z');
  const stateFile = text(values, 'state-file');
  const state = stateFile === undefined ? undefined : await readListenState(stateFile);
  const sinceId = text(values, 'since-id') === undefined ? undefined : numberFlag(values, 'since-id', 0);
  // An explicit start wins over the state file; the state file over "now".
  const afterId = sinceId ?? (since === undefined ? state?.lastId : await idBefore(base, adminToken, new Date(since).toISOString()));
  const events = (text(values, 'event') ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  const json = values['json'] === true;
  const controller = new AbortController();
  const onSignal = (): void => controller.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  if (io.signal?.aborted === true) controller.abort();
  io.signal?.addEventListener('abort', onSignal, { once: true });
  if (!json) {
    const where = afterId === undefined ? 'from now' : `after event #${afterId}`;
    io.stderr.write(
      `passworks-emitter listen: ${new URL(base).origin} ${where} -> ${forwardTo === undefined ? '(print only)' : new URL(forwardTo).origin + new URL(forwardTo).pathname}; Ctrl-C to stop\n`,
    );
  }
  try {
    await relayEvents({
      from: base,
      adminToken,
      forwardTo,
      apiKey,
      stateFile,
      events,
      passId: text(values, 'pass-id'),
      campaignId: text(values, 'campaign-id'),
      afterId,
      doneAfter: sinceId === undefined && since === undefined ? state?.doneAfter : undefined,
      json,
      write: (line) => io.stdout.write(line),
      note: (line) => io.stderr.write(`passworks-emitter listen: ${line}`),
      signal: controller.signal,
      forwardTimeoutMs: numberFlag(values, 'timeout-ms', 10_000, { min: 1, max: 2_147_483_647 }),
    });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    io.signal?.removeEventListener('abort', onSignal);
  }
  return EXIT.ok;
}
