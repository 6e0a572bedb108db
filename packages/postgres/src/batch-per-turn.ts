/** Options of {@link batchPerTurn}. */
export interface BatchPerTurnOptions<I, O> {
  /** Runs one batch; resolves with one output per input, in order. */
  readonly execute: (inputs: readonly I[]) => Promise<readonly O[]>;
  /** The most inputs in one batch; more wait for the next one. */
  readonly maxBatchSize: number;
  /** The most batches running at once (e.g. the pool's size); inputs queue meanwhile. */
  readonly maxInFlight: number;
}

/** A queue that runs the inputs of one event-loop turn as one batch. */
export interface BatchPerTurn<I, O> {
  /** Queues `input`; resolves with its output once its batch ran, rejects if the batch failed. */
  run(input: I): Promise<O>;
  /** Resolves when nothing is queued or running. */
  drain(): Promise<void>;
}

interface Job<I, O> {
  readonly input: I;
  resolve(value: O): void;
  reject(error: unknown): void;
}

/**
 * Batches the calls of one event-loop turn: requests that arrive in the same
 * poll phase share one statement (one round trip, one commit) instead of one
 * each. While `maxInFlight` batches run, new inputs queue and go together in
 * the next batch, so batches grow with load instead of waiting for a pool slot.
 * @example const claims = batchPerTurn({ execute: claimMany, maxBatchSize: 256, maxInFlight: 10 });
 */
export function batchPerTurn<I, O>({ execute, maxBatchSize, maxInFlight }: BatchPerTurnOptions<I, O>): BatchPerTurn<I, O> {
  let queue: Array<Job<I, O>> = [];
  let scheduled = false;
  let inFlight = 0;
  let idle: Array<() => void> = [];

  const wakeIdle = (): void => {
    if (queue.length > 0 || inFlight > 0) return;
    const waiting = idle;
    idle = [];
    for (const wake of waiting) wake();
  };

  const settle = (jobs: ReadonlyArray<Job<I, O>>, outputs: readonly O[]): void => {
    jobs.forEach((job, index) => job.resolve(outputs[index] as O));
  };

  const flush = (): void => {
    scheduled = false;
    while (queue.length > 0 && inFlight < maxInFlight) {
      const jobs = queue.slice(0, maxBatchSize);
      queue = queue.slice(jobs.length);
      inFlight += 1;
      execute(jobs.map((job) => job.input))
        .then(
          (outputs) => settle(jobs, outputs),
          (error: unknown) => {
            for (const job of jobs) job.reject(error);
          },
        )
        .finally(() => {
          inFlight -= 1;
          if (queue.length > 0) schedule();
          wakeIdle();
        });
    }
  };

  const schedule = (): void => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(flush);
  };

  return {
    run(input) {
      return new Promise<O>((resolve, reject) => {
        queue.push({ input, resolve, reject });
        schedule();
      });
    },
    drain() {
      if (queue.length === 0 && inFlight === 0) return Promise.resolve();
      return new Promise<void>((resolve) => idle.push(resolve));
    },
  };
}
