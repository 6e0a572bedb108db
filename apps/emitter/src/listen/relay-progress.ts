/**
 * The place of a relay: ids in the order the stream gave them, and which are
 * done. `lastId` is the last id such that it and every id the stream gave
 * before it are done; `doneAfter` the ones done past it (kept so a restart
 * skips them and repeats only what was in flight). Started "now" (no id yet),
 * the place begins just before the first id the stream gives.
 */
export class RelayProgress {
  private readonly order: number[] = [];
  private readonly done = new Set<number>();
  lastId: number | undefined;

  constructor(lastId: number | undefined, doneAfter: readonly number[] = []) {
    this.lastId = lastId;
    for (const id of doneAfter) this.done.add(id);
  }

  /** Whether an id was already relayed (by this run or the one before the restart). */
  has(id: number): boolean {
    return this.done.has(id);
  }

  /** An id the stream gave, in stream order. */
  seen(id: number): void {
    this.lastId ??= id - 1;
    this.order.push(id);
  }

  /** Marks an id done and moves `lastId` past every leading done id. */
  finish(id: number): void {
    this.done.add(id);
    while (this.order.length > 0 && this.done.has(this.order[0] as number)) {
      const next = this.order.shift() as number;
      this.done.delete(next);
      this.lastId = next;
    }
  }

  /** The done ids past `lastId`, ascending. */
  get doneAfter(): number[] {
    return [...this.done].sort((a, b) => a - b);
  }
}
