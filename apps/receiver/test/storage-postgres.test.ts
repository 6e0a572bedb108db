import t from 'tap';
import { openTestDatabase } from '@passworks-webhooks/postgres/testing';
import { createPostgresStorage } from '@passworks-webhooks/receiver';
import { storageBehaviour } from './storage/storage-behaviour.js';

const database = await openTestDatabase();
if ('skip' in database) {
  t.skip(database.skip, () => undefined);
} else {
  t.teardown(() => database.drop());
  // Each behaviour gets its own schema in the run's fresh database.
  let schemas = 0;
  storageBehaviour({
    test: (name, fn) => t.test(`postgres: ${name}`, fn),
    open: async ({ maxRejections }) => {
      const schema = `behaviour_${++schemas}`;
      const connectionString = `${database.connectionString}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
      const admin = createPostgresStorage({ connectionString: database.connectionString, poolSize: 1 });
      await admin.pool.query(`CREATE SCHEMA ${schema}`);
      await admin.close();
      const openOne = () => createPostgresStorage({ connectionString, schema, poolSize: 4, ...(maxRejections === undefined ? {} : { maxRejections }) });
      return { storage: openOne(), peer: openOne };
    },
  });
}
