import type { StoredOutcome } from './idempotency-store.js';

const INITIAL_CAPACITY = 16;

/**
 * The done keys of the memory store, oldest done first, each with the time
 * it expires and the outcome it was refused with, if any.
 *
 * No object per key: a map from the key to its slot in a ring (a power of
 * two long) of parallel arrays, the key, its expiry (a `Float64Array`, no
 * boxed number) and its outcome. Keys are pushed at the tail in the order
 * they are done, which is also the order their TTL runs out (one TTL for
 * all), so the oldest is always at the head, to evict or expire in O(1). A
 * key that leaves out of order (claimed again after its TTL, or done again)
 * leaves a hole, skipped when it reaches the head. A full ring is copied,
 * holes left out, into one twice as long when at least half of it is live
 * keys, else into one as long: O(1) amortised.
 */
export class DoneKeys {
  #slots = new Map<string, number>();
  #keys: (string | undefined)[] = new Array<string | undefined>(INITIAL_CAPACITY).fill(undefined);
  #expiries = new Float64Array(INITIAL_CAPACITY);
  #outcomes: (StoredOutcome | undefined)[] = new Array<StoredOutcome | undefined>(INITIAL_CAPACITY).fill(undefined);
  /** Index of the oldest slot (a hole or a key). */
  #head = 0;
  /** Slots in use from the head, holes included. */
  #length = 0;

  /** How many keys are done. */
  get size(): number {
    return this.#slots.size;
  }

  /** The slot of `key`, or -1 when it is not done. Read its expiry and outcome with it. */
  slotOf(key: string): number {
    return this.#slots.get(key) ?? -1;
  }

  expiresAt(slot: number): number {
    return this.#expiries[slot] as number;
  }

  outcomeAt(slot: number): StoredOutcome | undefined {
    return this.#outcomes[slot];
  }

  /** Marks `key` done until `expiresAt`, as the newest (the caller forgot it first if it was done). */
  add(key: string, expiresAt: number, outcome: StoredOutcome | undefined): void {
    if (this.#length === this.#keys.length) this.#resize();
    const slot = (this.#head + this.#length) & (this.#keys.length - 1);
    this.#keys[slot] = key;
    this.#expiries[slot] = expiresAt;
    this.#outcomes[slot] = outcome;
    this.#length += 1;
    this.#slots.set(key, slot);
  }

  /** Forgets `key`, wherever it is in the order: its slot becomes a hole. */
  delete(key: string): void {
    const slot = this.#slots.get(key);
    if (slot === undefined) return;
    this.#slots.delete(key);
    this.#keys[slot] = undefined;
    this.#outcomes[slot] = undefined;
  }

  /** Forgets the oldest done key, if it expired by `time`; answers whether it did. */
  dropOldestIfExpired(time: number): boolean {
    this.#skipHoles();
    if (this.#length === 0 || (this.#expiries[this.#head] as number) > time) return false;
    this.#dropHead();
    return true;
  }

  /** Forgets the oldest done key, expired or not; answers whether there was one. */
  dropOldest(): boolean {
    this.#skipHoles();
    if (this.#length === 0) return false;
    this.#dropHead();
    return true;
  }

  clear(): void {
    this.#slots.clear();
    this.#keys.fill(undefined);
    this.#outcomes.fill(undefined);
    this.#head = 0;
    this.#length = 0;
  }

  #skipHoles(): void {
    const mask = this.#keys.length - 1;
    while (this.#length > 0 && this.#keys[this.#head] === undefined) {
      this.#head = (this.#head + 1) & mask;
      this.#length -= 1;
    }
  }

  #dropHead(): void {
    const head = this.#head;
    this.#slots.delete(this.#keys[head] as string);
    this.#keys[head] = undefined;
    this.#outcomes[head] = undefined;
    this.#head = (head + 1) & (this.#keys.length - 1);
    this.#length -= 1;
  }

  /** Copies the keys, oldest first and without holes, to the start of a new ring. */
  #resize(): void {
    const capacity = this.#keys.length;
    const next = this.#slots.size * 2 >= capacity ? capacity * 2 : capacity;
    const keys = new Array<string | undefined>(next).fill(undefined);
    const expiries = new Float64Array(next);
    const outcomes = new Array<StoredOutcome | undefined>(next).fill(undefined);
    let count = 0;
    for (let i = 0; i < this.#length; i++) {
      const from = (this.#head + i) & (capacity - 1);
      const key = this.#keys[from];
      if (key === undefined) continue;
      keys[count] = key;
      expiries[count] = this.#expiries[from] as number;
      outcomes[count] = this.#outcomes[from];
      this.#slots.set(key, count);
      count += 1;
    }
    this.#keys = keys;
    this.#expiries = expiries;
    this.#outcomes = outcomes;
    this.#head = 0;
    this.#length = count;
  }
}
