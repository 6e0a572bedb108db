import t from 'tap';
import { existsSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { openDatabase, startBackgroundCheckpoints } from '@passworks-webhooks/sqlite';

/** Resolves once `check` holds, polling every 20 ms; rejects past `ms`. */
async function until(check: () => boolean, ms: number): Promise<void> {
  for (const deadline = Date.now() + ms; !check();) {
    if (Date.now() > deadline) throw new Error(`not reached within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

t.test('a worker copies committed pages into the database file while the writer never checkpoints; stop then close leaves no WAL', async (t) => {
  const path = join(t.testdir(), 'background.db');
  const db = openDatabase({ path });
  db.exec('CREATE TABLE rows (id INTEGER PRIMARY KEY, body TEXT NOT NULL)');
  const checkpoints = startBackgroundCheckpoints(db, { intervalMs: 20, backstopPages: 50_000 });
  t.equal(db.pragma('wal_autocheckpoint', { simple: true }), 50_000, "the writer's checkpoint is now only a backstop");
  const before = statSync(path).size;
  // About 2,000 pages: past SQLite's default 1,000, far from the backstop; only the worker can have copied them.
  const insert = db.prepare('INSERT INTO rows (body) VALUES (?)');
  db.transaction(() => {
    for (let i = 0; i < 2_000; i++) insert.run('x'.repeat(3_000));
  })();
  await until(() => statSync(path).size > before + 4_000_000, 5_000);
  t.ok(statSync(path).size > before + 4_000_000, 'the rows reached the database file');
  await checkpoints.stop();
  await checkpoints.stop(); // idempotent
  t.equal(db.prepare('SELECT count(*) FROM rows').pluck().get(), 2_000);
  db.close();
  t.notOk(existsSync(`${path}-wal`), 'the writer closed last: the WAL is checkpointed and removed');
});

t.test('bad options and a database without a WAL file are refused with invalid_config, naming the problem', async (t) => {
  const db = openDatabase({ path: join(t.testdir(), 'options.db') });
  t.teardown(() => db.close());
  t.throws(() => startBackgroundCheckpoints(db, { intervalMs: 0 }), { code: 'invalid_config', message: /intervalMs/ });
  t.throws(() => startBackgroundCheckpoints(db, { backstopPages: 0 }), { code: 'invalid_config', message: /backstopPages/ });
  const memory = openDatabase({ path: ':memory:' });
  t.teardown(() => memory.close());
  t.throws(() => startBackgroundCheckpoints(memory), { code: 'invalid_config', message: /WAL/ });
});

t.test('a worker that cannot start reports it once and gives the writer back its own checkpoints (not the backstop)', async (t) => {
  const path = join(t.testdir(), 'gone.db');
  const db = openDatabase({ path });
  t.teardown(() => db.close());
  // The writer keeps its open file; the worker, opening the path, finds nothing there.
  rmSync(path);
  const errors: string[] = [];
  const checkpoints = startBackgroundCheckpoints(db, { backstopPages: 50_000, onError: (message) => errors.push(message) });
  await until(() => errors.some((message) => /ended/.test(message)), 5_000);
  t.equal(db.pragma('wal_autocheckpoint', { simple: true }), 1_000, "SQLite's default again, not the backstop");
  t.match(errors.join('\n'), /checkpoint worker failed/);
  await checkpoints.stop();
});
