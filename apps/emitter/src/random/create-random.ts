/**
 * A small seeded pseudo-random generator (sfc32, seeded through splitmix32),
 * so the same seed gives the same stream on every machine and Node version.
 * Not for secrets: for simulation and jitter only.
 */
export interface Random {
  /** A float in [0, 1). */
  next(): number;
  /** An unsigned 32-bit integer. */
  uint32(): number;
  /** An integer in [min, max], both included. */
  int(min: number, max: number): number;
  /** `true` with probability `p`. */
  chance(p: number): boolean;
  /** One item of a non-empty list. */
  pick<T>(items: readonly T[]): T;
  /** One item, chosen by weight (weights > 0). */
  weighted<T>(entries: readonly (readonly [T, number])[]): T;
  /** A UUID v4 string built from the stream. */
  uuid(): string;
  /** An independent generator seeded from this one (for per-pass streams). */
  fork(): Random;
}

/** A seed: an integer, or a string hashed to one. */
export type Seed = number | string;

function splitmix32(state: number): () => number {
  let s = state >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** FNV-1a over the string's UTF-16 code units: a stable 32-bit seed from text. */
function hashSeed(seed: Seed): number {
  if (typeof seed === 'number') {
    if (!Number.isFinite(seed)) throw new RangeError(`seed: expected a finite number, got ${String(seed)}`);
    // Fold the high part in, so seeds above 2^32 still differ.
    return (Math.trunc(seed) ^ Math.trunc(seed / 0x1_0000_0000)) >>> 0;
  }
  let h = 0x811c9dc5;
  for (let i = 0; i < seed.length; i++) h = Math.imul(h ^ seed.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/**
 * Creates a seeded generator.
 * @example
 * const random = createRandom(42);
 * random.uuid(); // the same UUID v4 on every run
 */
export function createRandom(seed: Seed): Random {
  const init = splitmix32(hashSeed(seed));
  let a = init();
  let b = init();
  let c = init();
  let d = init();
  const uint32 = (): number => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = ((c << 21) | (c >>> 11)) >>> 0;
    c = (c + t) >>> 0;
    return t;
  };
  for (let i = 0; i < 12; i++) uint32();
  const next = (): number => uint32() / 0x1_0000_0000;
  const random: Random = {
    next,
    uint32,
    int(min, max) {
      if (max < min) throw new RangeError(`int: max (${max}) is below min (${min})`);
      return min + Math.floor(next() * (max - min + 1));
    },
    chance: (p) => p > 0 && next() < p,
    pick(items) {
      if (items.length === 0) throw new RangeError('pick: the list is empty');
      return items[Math.floor(next() * items.length)] as (typeof items)[number];
    },
    weighted(entries) {
      const total = entries.reduce((sum, [, weight]) => sum + weight, 0);
      let roll = next() * total;
      for (const [item, weight] of entries) {
        roll -= weight;
        if (roll < 0) return item;
      }
      const last = entries[entries.length - 1];
      if (last === undefined) throw new RangeError('weighted: the list is empty');
      return last[0];
    },
    uuid() {
      const bytes = new Uint8Array(16);
      for (let i = 0; i < 16; i += 4) {
        const word = uint32();
        bytes[i] = word >>> 24;
        bytes[i + 1] = (word >>> 16) & 0xff;
        bytes[i + 2] = (word >>> 8) & 0xff;
        bytes[i + 3] = word & 0xff;
      }
      bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40; // version 4
      bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80; // RFC 4122 variant
      const h = Array.from(bytes, (byte) => HEX[byte] as string);
      return `${h.slice(0, 4).join('')}-${h.slice(4, 6).join('')}-${h.slice(6, 8).join('')}-${h.slice(8, 10).join('')}-${h.slice(10).join('')}`;
    },
    fork: () => createRandom(uint32()),
  };
  return random;
}
