import type pg from 'pg';

/**
 * Runs `work` in a transaction on one pooled connection; a connection that
 * failed is dropped, not reused. `begin` may carry the transaction's first
 * statements after `BEGIN` (no parameters), sent in the same round trip.
 */
export async function inTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>, begin = 'BEGIN'): Promise<T> {
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query(begin);
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    broken = true;
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release(broken);
  }
}
