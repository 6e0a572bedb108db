import t from 'tap';
import { openTestDatabase } from '@passworks-webhooks/postgres/testing';
import { createPostgresStorage } from '@passworks-webhooks/receiver';
import { forwardBehaviour } from './storage/forward-behaviour.js';
import { storageBehaviour } from './storage/storage-behaviour.js';

const database = await openTestDatabase();
if ('skip' in database) {
  t.skip(database.skip, () => undefined);
} else {
  t.teardown(() => database.drop());
  // Each behaviour gets its own schema in the run's fresh database.
  let schemas = 0;
  const suite = {
    test: (name: string, fn: () => Promise<void>) => t.test(`postgres: ${name}`, fn),
    open: async ({ maxRejections, outbox }: { maxRejections?: number; outbox?: boolean }) => {
      const schema = `behaviour_${++schemas}`;
      const connectionString = `${database.connectionString}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
      const admin = createPostgresStorage({ connectionString: database.connectionString, poolSize: 1 });
      await admin.pool.query(`CREATE SCHEMA ${schema}`);
      await admin.close();
      const openOne = () => createPostgresStorage({ connectionString, schema, poolSize: 4, outbox, ...(maxRejections === undefined ? {} : { maxRejections }) });
      return { storage: openOne(), peer: openOne };
    },
  };
  storageBehaviour(suite);
  forwardBehaviour(suite);
}
