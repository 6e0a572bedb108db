/** The state file: atomic writes, the current format and the first one (`lastId` only). */
import t from 'tap';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readListenState, writeListenState } from '../../src/listen/listen-state.js';

t.test('a missing file is no state', async (t) => {
  t.equal(await readListenState(join(t.testdir(), 'none.json')), undefined);
});

t.test('writes and reads back lastId and doneAfter, leaving no temporary file', async (t) => {
  const dir = t.testdir();
  const path = join(dir, 'state.json');
  await writeListenState(path, { lastId: 41, doneAfter: [43, 47] });
  t.same(await readListenState(path), { lastId: 41, doneAfter: [43, 47] });
  await writeListenState(path, { lastId: 47, doneAfter: [] });
  t.same(JSON.parse(await readFile(path, 'utf8')), { lastId: 47, doneAfter: [] });
  t.same(await readdir(dir), ['state.json'], 'the temporary file was renamed over it');
});

t.test('reads a file with only lastId (the first format) as nothing done past it', async (t) => {
  const path = join(t.testdir(), 'old.json');
  await writeFile(path, '{"lastId":12}\n');
  t.same(await readListenState(path), { lastId: 12, doneAfter: [] });
});

t.test('keeps only the numbers of doneAfter', async (t) => {
  const path = join(t.testdir(), 'mixed.json');
  await writeFile(path, '{"lastId":3,"doneAfter":[5,"6",null,9]}');
  t.same(await readListenState(path), { lastId: 3, doneAfter: [5, 9] });
});

t.test('refuses a file that is not a state file, naming it', async (t) => {
  const path = join(t.testdir(), 'other.json');
  await writeFile(path, '{"name":"package"}');
  await t.rejects(readListenState(path), { message: `${path}: not a listen state file (no lastId)` });
  await t.rejects(readListenState(t.testdir()), { code: 'EISDIR' }, 'an unreadable path is not mistaken for a missing one');
});
