import { join } from 'node:path';
import t from 'tap';
import { createGroupCommit, openDatabase } from '@passworks-webhooks/sqlite';
import { createSqliteStorage, migrate, receiverStore } from '@passworks-webhooks/receiver';
import { forwardBehaviour } from './forward-behaviour.js';
import { queryBehaviour } from './query-behaviour.js';
import { storageBehaviour } from './storage-behaviour.js';

let files = 0;
const openAt = (path: string, maxRejections?: number, outbox = false) => {
  const db = openDatabase({ path });
  migrate(db);
  return createSqliteStorage({ db, store: receiverStore(db, createGroupCommit(db)), maxRejections, outbox });
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
queryBehaviour(suite);
