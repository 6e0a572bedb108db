/** A counting semaphore with two FIFO queues: retries (priority) go before first attempts. */
export interface Semaphore {
  acquire(priority?: boolean): Promise<() => void>;
}

/** Creates a {@link Semaphore} with `size` permits. */
export function createSemaphore(size: number): Semaphore {
  let free = size;
  const urgent: (() => void)[] = [];
  const normal: (() => void)[] = [];
  const release = (): void => {
    const next = urgent.shift() ?? normal.shift();
    if (next === undefined) free += 1;
    else next();
  };
  return {
    acquire(priority = false) {
      if (free > 0) {
        free -= 1;
        return Promise.resolve(once(release));
      }
      return new Promise((resolve) => (priority ? urgent : normal).push(() => resolve(once(release))));
    },
  };
}

function once(fn: () => void): () => void {
  let called = false;
  return () => {
    if (!called) {
      called = true;
      fn();
    }
  };
}
