import type { ProgressStream } from '../delivery/progress-line.js';

/** Where the CLI writes and what it reads from its environment (tests pass their own). */
export interface CliIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: ProgressStream;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Stops a command that runs until Ctrl-C (`listen`) as Ctrl-C would; the process's SIGINT and SIGTERM do too. */
  readonly signal?: AbortSignal;
}

/** A bad command line: printed with a hint, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Exit codes: 0 all good, 1 the endpoint misbehaved (or verify found differences), 2 a bad command line or unreadable input. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;
