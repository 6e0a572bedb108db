import t from 'tap';
import { createProgressLine, formatProgress } from '../../src/delivery/index.js';

const progress = { total: 5000, done: 1200, accepted: 1190, retrying: 3, failed: 0, elapsed_ms: 2000 };

const sink = (isTTY: boolean): { isTTY: boolean; text: string; write: (s: string) => boolean } => {
  const stream = { isTTY, text: '', write: (s: string) => ((stream.text += s), true) };
  return stream;
};

t.test('formats counts and the rate on one line', async (t) => {
  t.equal(formatProgress(progress), '1200/5000 sent · 1190 accepted · 3 retrying · 0 not ok · 600/s');
});

t.test('redraws one line on a terminal and clears it at the end', async (t) => {
  const stream = sink(true);
  const line = createProgressLine(stream, {});
  line.update(progress);
  line.end();
  t.equal(stream.text, `\r\u001b[2K${formatProgress(progress)}\r\u001b[2K`);
});

t.test('stays quiet when the stream is not a terminal, or in CI', async (t) => {
  for (const [isTTY, env] of [
    [false, {}],
    [true, { CI: 'true' }],
  ] as const) {
    const stream = sink(isTTY);
    const line = createProgressLine(stream, env);
    line.update(progress);
    line.end();
    t.equal(stream.text, '');
  }
});
