import fc from 'fast-check';
import t from 'tap';
import { minJsonBytes } from '@passworks-webhooks/core/node';

t.test('never more than the bytes of any JSON text of the value: compact, pretty, or with other number spellings', async (t) => {
  for (const raw of ['1e3', '1E+3', '0.001', '1e-3', '-0', '123e-5', '1.0', '"\\u00e9\\n\\"\\\\"', '[1,2,3]', '{"a":[true,false,null]}', '"é€𝄞"']) {
    const value: unknown = JSON.parse(raw);
    t.ok(minJsonBytes(value, Infinity) <= Buffer.byteLength(raw), `${raw}: ${minJsonBytes(value, Infinity)}`);
  }
  fc.assert(
    fc.property(fc.jsonValue(), (value) => {
      const compact = Buffer.byteLength(JSON.stringify(value));
      return minJsonBytes(value, Infinity) <= compact;
    }),
  );
});

t.test('equals the compact size of plain values, and stops counting past the bound', async (t) => {
  const value = { event: 'installed', count: 12, tags: ['a', 'b'], ok: true, none: null };
  t.equal(minJsonBytes(value, Infinity), Buffer.byteLength(JSON.stringify(value)));
  t.equal(minJsonBytes({ padding: 'x'.repeat(10_000) }, 1_000), Infinity);
});

t.test('counts a value nested far deeper than the stack allows', async (t) => {
  let deep: unknown = {};
  for (let i = 0; i < 100_000; i += 1) deep = { a: deep };
  t.equal(minJsonBytes(deep, Infinity), 100_000 * 6 + 2);
});
