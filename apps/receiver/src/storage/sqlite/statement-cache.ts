import type Database from 'better-sqlite3';

/** The most statements kept; a read API's filters make a few dozen distinct texts. */
const MAX_STATEMENTS = 256;

/**
 * Statements of `db` prepared once per SQL text: a read whose text depends on
 * its filters (event pages, stats, lists) is compiled on its first use only,
 * not on every request (compiling the stats' statements cost more than
 * running them). Bounded: past {@link MAX_STATEMENTS} texts the oldest is
 * dropped. Callers must not change a returned statement's mode (`pluck`, `raw`).
 * @example const rows = statement(reader)<[number], Row>('SELECT * FROM t WHERE id > ?').all(0);
 */
export function statementCache(db: Database.Database): <P extends unknown[] | {}, R>(sql: string) => Database.Statement<P, R> {
  const statements = new Map<string, Database.Statement>();
  return <P extends unknown[] | {}, R>(sql: string): Database.Statement<P, R> => {
    let statement = statements.get(sql);
    if (statement === undefined) {
      statement = db.prepare(sql);
      if (statements.size >= MAX_STATEMENTS) statements.delete(statements.keys().next().value as string);
      statements.set(sql, statement);
    }
    return statement as unknown as Database.Statement<P, R>;
  };
}
