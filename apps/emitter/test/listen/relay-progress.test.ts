/** RelayProgress: the watermark and the ids done above it, as the state file keeps them. */
import t from 'tap';
import { RelayProgress } from '../../src/listen/relay-progress.js';

t.test('lastId moves over every leading done id; later ones wait in doneAfter', (t) => {
  const progress = new RelayProgress(10);
  for (const id of [11, 12, 13, 14]) progress.seen(id);
  progress.finish(12);
  progress.finish(14);
  t.equal(progress.lastId, 10, '11 (another pass) is not done yet');
  t.same(progress.doneAfter, [12, 14]);
  progress.finish(11);
  t.equal(progress.lastId, 12);
  t.same(progress.doneAfter, [14]);
  progress.finish(13);
  t.equal(progress.lastId, 14);
  t.same(progress.doneAfter, []);
  t.end();
});

t.test('ids done before a restart are known, and move lastId when the stream gives them again', (t) => {
  const progress = new RelayProgress(10, [13, 12]);
  t.ok(progress.has(12));
  t.notOk(progress.has(11));
  t.same(progress.doneAfter, [12, 13], 'ascending');
  for (const id of [11, 12, 13]) progress.seen(id);
  progress.finish(11);
  t.equal(progress.lastId, 13);
  t.same(progress.doneAfter, []);
  t.end();
});

t.test('started now: no place until the stream gives an id, then just before it', (t) => {
  const progress = new RelayProgress(undefined);
  t.equal(progress.lastId, undefined);
  progress.seen(57);
  t.equal(progress.lastId, 56);
  progress.seen(60);
  progress.finish(60);
  t.equal(progress.lastId, 56);
  progress.finish(57);
  t.equal(progress.lastId, 60);
  t.end();
});
