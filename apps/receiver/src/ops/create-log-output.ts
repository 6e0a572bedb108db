import { pino, type DestinationStream } from 'pino';
import { prettyFactory } from 'pino-pretty';
import type { LogFormat } from './log-formats.js';
import type { LogDestination } from './end-log.js';
import { readableMessage, type LogRecord, type MessageColors } from './readable-message.js';

/** Options of {@link createLogOutput}. */
export interface LogOutputOptions {
  /** `json`, `pretty`, or undefined: pretty when `isTerminal`, json otherwise. */
  readonly format: LogFormat | undefined;
  /** Whether the file descriptor is a terminal (`process.stdout.isTTY`): picks the format when none is set, and turns colour on. */
  readonly isTerminal: boolean;
  /** Colour in readable lines. @default isTerminal */
  readonly color?: boolean;
  /** The file descriptor written to. @default 1 (stdout) */
  readonly fd?: number;
}

/** Where the logger writes, and the destination `endLog` drains before the process exits. */
export interface LogOutput {
  readonly stream: DestinationStream;
  readonly destination: LogDestination;
  /** The format chosen. */
  readonly format: LogFormat;
}

/**
 * The receiver's log output: pino's JSON lines (for log collectors, and
 * whenever stdout is not a terminal), or readable lines through pino-pretty
 * for a person watching a terminal, one a delivery in the manner of `stripe
 * listen` (see {@link readableMessage}). Both write through one asynchronous
 * destination, so shutdown drains them alike.
 * @example
 * const output = createLogOutput({ format: undefined, isTerminal: process.stdout.isTTY === true });
 * const logger = pino({ level: 'info' }, output.stream);
 */
export function createLogOutput({ format, isTerminal, color = isTerminal, fd = 1 }: LogOutputOptions): LogOutput {
  // Lines are written in blocks of 4 KiB, or after at most 100 ms: under load one write call carries many lines (a call per line
  // was 4% of the receiver's CPU). A killed process loses those last 100 ms of lines; an exit through endLog writes them.
  const destination = pino.destination({ dest: fd, sync: false, minLength: 4_096, periodicFlush: 100 });
  const chosen: LogFormat = format ?? (isTerminal ? 'pretty' : 'json');
  if (chosen === 'json') return { stream: destination, destination, format: chosen };
  const prettify = prettyFactory({
    colorize: color,
    translateTime: 'SYS:HH:MM:ss.l',
    // The fields are in the message (readableMessage), not as a JSON block under it.
    hideObject: true,
    messageFormat: (log, _messageKey, _levelLabel, { colors }) => readableMessage(log as LogRecord, colors as MessageColors),
  });
  return { stream: { write: (line: string) => destination.write(prettify(line)) }, destination, format: chosen };
}
