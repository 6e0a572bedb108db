import t from 'tap';
import { createRandom } from '../../src/random/create-random.js';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

t.test('gives the same stream for the same seed and another for another seed', async (t) => {
  const take = (seed: number | string): number[] => {
    const random = createRandom(seed);
    return Array.from({ length: 8 }, () => random.uint32());
  };
  t.same(take(42), take(42));
  t.same(take('ci-run'), take('ci-run'));
  t.not(take(42).join(), take(43).join());
  t.not(take(1).join(), take(2 ** 32 + 1).join(), 'seeds above 2^32 differ from their low bits');
});

t.test('builds UUID v4 strings', async (t) => {
  const random = createRandom(7);
  const ids = Array.from({ length: 1000 }, () => random.uuid());
  t.ok(ids.every((id) => UUID_V4.test(id)));
  t.equal(new Set(ids).size, 1000);
});

t.test('keeps int within its bounds, both included', async (t) => {
  const random = createRandom(3);
  const seen = new Set<number>();
  for (let i = 0; i < 2000; i++) seen.add(random.int(2, 5));
  t.same([...seen].sort(), [2, 3, 4, 5]);
  t.throws(() => random.int(5, 2), RangeError);
});

t.test('picks by weight roughly in proportion', async (t) => {
  const random = createRandom(11);
  let heavy = 0;
  for (let i = 0; i < 10_000; i++)
    if (
      random.weighted([
        ['a', 3],
        ['b', 1],
      ] as const) === 'a'
    )
      heavy++;
  t.ok(heavy > 7_200 && heavy < 7_800, `a picked ${heavy} times of 10000`);
});
