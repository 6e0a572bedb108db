import type { DeliveryProgress } from './deliver.js';

/** One line of progress: `1200/5000 sent · 1190 accepted · 3 retrying · 0 failed · 850/s`. */
export function formatProgress(progress: DeliveryProgress): string {
  const perSecond = progress.elapsed_ms > 0 ? Math.round((progress.done / progress.elapsed_ms) * 1000) : 0;
  return `${progress.done}/${progress.total} sent · ${progress.accepted} accepted · ${progress.retrying} retrying · ${progress.failed} not ok · ${perSecond}/s`;
}

/** A writable the progress line goes to (`process.stderr`). */
export interface ProgressStream {
  readonly isTTY?: boolean;
  write(text: string): boolean;
}

/**
 * A progress callback that redraws one line on a terminal, and does nothing
 * when the stream is not a TTY or `CI` is set (logs stay clean in CI).
 * Call `end()` to clear the line.
 */
export function createProgressLine(
  stream: ProgressStream,
  env: Readonly<Record<string, string | undefined>> = process.env,
): { update: (progress: DeliveryProgress) => void; end: () => void } {
  const active = stream.isTTY === true && (env['CI'] === undefined || env['CI'] === '' || env['CI'] === 'false');
  let drawn = false;
  return {
    update(progress) {
      if (!active) return;
      stream.write(`\r\u001b[2K${formatProgress(progress)}`);
      drawn = true;
    },
    end() {
      if (active && drawn) stream.write('\r\u001b[2K');
    },
  };
}
