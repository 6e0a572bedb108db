import { DEFAULT_WEBHOOK_PATH } from '@passworks-webhooks/core/node';

/** What pino-pretty hands a message formatter: one parsed log line. */
export type LogRecord = Readonly<Record<string, unknown>>;

/** Colour functions (pino-pretty's colorette, no-ops without colour). */
export interface MessageColors {
  readonly green: (text: string) => string;
  readonly yellow: (text: string) => string;
  readonly red: (text: string) => string;
  readonly gray: (text: string) => string;
}

/** Keys every line has, shown by pino-pretty itself (time, level) or not at all. */
const FRAME_KEYS = new Set(['level', 'time', 'msg', 'service', 'pid', 'hostname']);

/** The width of the event name column: the longest platform event name fits. */
const EVENT_COLUMN = 20;

/** Characters a terminal would act on rather than print: C0 and C1 controls, DEL, bidirectional overrides, line separators. */
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028-\u202e\u2066-\u2069]/g;
const escaped = (text: string): string => text.replace(UNPRINTABLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

/**
 * A value as the line shows it: a plain word as it is, anything else as JSON.
 * A delivery's event name is the sender's text: nothing in it reaches the
 * terminal as a control sequence.
 */
const shown = (value: unknown): string => (typeof value === 'string' && /^[\w.:/@+-]+$/.test(value) ? value : escaped(JSON.stringify(value) ?? String(value)));

/** A webhook delivery's line: event, pass, answer (status and outcome or error code), duration, and the client of a refused one. */
function deliveryMessage(log: LogRecord, colors: MessageColors): string {
  const status = log.status as number;
  const color = status < 300 ? colors.green : status < 500 ? colors.yellow : colors.red;
  const answer = color(`${status} ${shown(log.code ?? log.outcome)}`);
  const parts = [shown(log.event ?? '-').padEnd(EVENT_COLUMN)];
  if (typeof log.pass_id === 'string') parts.push(`pass ${shown(log.pass_id)}`);
  parts.push(answer, `${(log.duration_ms as number).toFixed(1)} ms`);
  if (status >= 300 && typeof log.client === 'string') parts.push(colors.gray(`from ${shown(log.client)}`));
  return parts.join('  ');
}

/**
 * The message part of a readable log line (pino-pretty prints the time and
 * level before it): a webhook delivery reads like `stripe listen`'s lines,
 * `redeemed  pass 7f3c…  200 processed  3.1 ms`; any other line is its message
 * followed by its fields as `key=value`.
 */
export function readableMessage(log: LogRecord, colors: MessageColors): string {
  if (log.path === DEFAULT_WEBHOOK_PATH && typeof log.status === 'number' && typeof log.duration_ms === 'number') return deliveryMessage(log, colors);
  const fields = Object.entries(log)
    .filter(([key, value]) => !FRAME_KEYS.has(key) && value !== undefined)
    .map(([key, value]) => colors.gray(`${key}=${shown(value)}`));
  return [escaped(String(log.msg ?? '')), ...fields].join(' ');
}
