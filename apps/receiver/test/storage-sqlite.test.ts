import { join } from 'node:path';
import t from 'tap';
import { createGroupCommit, createSqliteStore, openDatabase } from '@passworks-webhooks/sqlite';
import { createSqliteStorage, migrate } from '@passworks-webhooks/receiver';
import { storageBehaviour } from './storage/storage-behaviour.js';

let files = 0;
const openAt = (path: string, maxRejections?: number) => {
  const db = openDatabase({ path });
  migrate(db);
  const store = createSqliteStore({ database: db, groupCommit: createGroupCommit(db) });
  return createSqliteStorage({ db, store, maxRejections });
};

storageBehaviour({
  test: (name, fn) => t.test(`sqlite: ${name}`, fn),
  open: async ({ maxRejections }) => {
    const path = join(t.testdir(), `storage-${++files}.db`);
    return { storage: openAt(path, maxRejections), peer: () => openAt(path, maxRejections) };
  },
});
