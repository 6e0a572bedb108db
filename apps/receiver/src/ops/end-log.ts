import type { pino } from 'pino';

/** The asynchronous destination `main` logs to. */
export type LogDestination = ReturnType<typeof pino.destination>;

/**
 * Writes every buffered log line, then resolves: the last thing `main` does
 * before `process.exit`. `flushSync()` alone is not enough: it skips the
 * asynchronous write already in flight, which `process.exit` then drops, so
 * the last lines were lost or written out of order (issue 8, item 13).
 * `end()` waits for that write, writes the rest, and leaves stdout open.
 * Bounded by `timeoutMs` (a reader that stopped reading must not hold the
 * exit forever); past it, what is left is written synchronously.
 */
export function endLog(destination: LogDestination, timeoutMs = 3_000): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      destination.off('close', done).off('error', done);
      resolve();
    };
    const timer = setTimeout(() => {
      try {
        destination.flushSync();
      } catch {
        // Destroyed or never opened: nothing more can be written.
      }
      done();
    }, timeoutMs);
    destination.once('close', done).once('error', done);
    try {
      destination.end();
    } catch {
      done();
    }
  });
}
