import { join } from 'node:path';
import t from 'tap';
import { createGroupCommit, createSqliteStore, openDatabase } from '@passworks-webhooks/sqlite';
import { createSqliteStorage, migrate } from '@passworks-webhooks/receiver';
import { forwardBehaviour } from './storage/forward-behaviour.js';
import { storageBehaviour } from './storage/storage-behaviour.js';

let files = 0;
const openAt = (path: string, maxRejections?: number, outbox = false) => {
  const db = openDatabase({ path });
  migrate(db);
  const store = createSqliteStore({ database: db, groupCommit: createGroupCommit(db) });
  return createSqliteStorage({ db, store, maxRejections, outbox });
};

const suite = {
  test: (name: string, fn: () => Promise<void>) => t.test(`sqlite: ${name}`, fn),
  open: async ({ maxRejections, outbox }: { maxRejections?: number; outbox?: boolean }) => {
    const path = join(t.testdir(), `storage-${++files}.db`);
    return { storage: openAt(path, maxRejections, outbox), peer: () => openAt(path, maxRejections, outbox) };
  },
};
storageBehaviour(suite);
forwardBehaviour(suite);
