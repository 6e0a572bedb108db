/**
 * A queue of one: each task starts when the one before it settled, in the
 * order they were given. `listen` sends its POSTs through one, so at most one
 * event is ever sent and not yet recorded in the state file.
 */
export function oneAtATime(): <T>(task: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(task: () => Promise<T>): Promise<T> => {
    const run = tail.then(task);
    tail = run.catch(() => undefined);
    return run;
  };
}
