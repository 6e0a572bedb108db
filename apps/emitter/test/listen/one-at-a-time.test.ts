/** oneAtATime: tasks never overlap, start in the order given, and a failure does not stop the queue. */
import t from 'tap';
import { setImmediate as tick } from 'node:timers/promises';
import { oneAtATime } from '../../src/listen/one-at-a-time.js';

t.test('runs one task at a time, in order, past a failing one', async (t) => {
  const run = oneAtATime();
  let running = 0;
  let most = 0;
  const started: number[] = [];
  const task =
    (n: number, fail = false) =>
    async (): Promise<number> => {
      started.push(n);
      running += 1;
      most = Math.max(most, running);
      await tick();
      await tick();
      running -= 1;
      if (fail) throw new Error(`task ${n}`);
      return n;
    };
  const results = await Promise.allSettled([run(task(1)), run(task(2, true)), run(task(3)), run(task(4))]);
  t.same(started, [1, 2, 3, 4]);
  t.equal(most, 1, 'never two at once');
  t.same(
    results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message)),
    [1, 'task 2', 3, 4],
  );
});
