// Fail fast on the database (issue 20, item 10): with DATABASE_URL set, the
// command connects and migrates before it listens. A missing database, a port
// with nothing listening or a wrong user ends it non-zero with one stderr line
// naming the URL (password hidden) and the cause, never a "listening" line; a
// URL of another scheme is refused (exit 2) without echoing its password.
import t, { type Test } from 'tap';
import { API_KEY } from '../helpers.js';
import { freePort } from '../free-port.js';
import { runCommand, type RunningCommand } from '../run-command.js';
import { testDatabase } from '../test-database.js';

/** The bound on start-up's failure the issue sets. */
const EXIT_WITHIN_MS = 15_000;

/** Resolves with the exit code; fails the test when the command is still running after {@link EXIT_WITHIN_MS}. */
async function exitCode(t: Test, command: RunningCommand): Promise<number | null> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), EXIT_WITHIN_MS)));
  const code = await Promise.race([command.closed, late]);
  clearTimeout(timer);
  if (code === 'late') {
    t.fail(`still running after ${EXIT_WITHIN_MS} ms; stdout: ${command.stdout()}; stderr: ${command.stderr()}`);
    return command.stop();
  }
  return code;
}

/** `text` matched literally in a RegExp. */
const escaped = (text: string): string => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** Runs the command on `databaseUrl` and checks it ended non-zero with the one stderr line `line`, and never listened. */
async function failsToOpen(t: Test, databaseUrl: string, line: RegExp, secret?: string): Promise<void> {
  const command = runCommand(t, { PASSWORKS_API_KEY: API_KEY, PORT: '0', HOST: '127.0.0.1', DATABASE_URL: databaseUrl });
  t.equal(await exitCode(t, command), 1, 'exit code 1');
  const lines = command
    .stderr()
    .split('\n')
    .filter((text) => text.length > 0);
  t.equal(lines.length, 1, 'one line on stderr');
  t.match(lines[0], line);
  t.notMatch(command.stdout(), /listening/, 'never "listening"');
  if (secret !== undefined) t.notMatch(command.stdout() + command.stderr(), secret, 'the password is printed nowhere');
}

t.test('a URL of another scheme exits 2 naming DATABASE_URL, without echoing its password', async (t) => {
  const command = runCommand(t, { PASSWORKS_API_KEY: API_KEY, PORT: '0', HOST: '127.0.0.1', DATABASE_URL: 'mysql://u:s3cretPW@h/db' });
  t.equal(await exitCode(t, command), 2);
  t.match(
    command.stderr(),
    /^passworks-receiver: invalid configuration: DATABASE_URL \(--database-url\): expected a postgres:\/\/ URL.*, got "mysql:\/\/u:\*\*\*@h\/db"\n$/,
  );
  t.notMatch(command.stdout() + command.stderr(), 's3cretPW');
});

const database = await testDatabase();
if (database !== undefined) {
  const url = new URL(database.connectionString);

  t.test('a missing database: exit 1 with one line naming it', async (t) => {
    const missing = new URL(url);
    missing.pathname = `/${database.name}_missing`;
    await failsToOpen(
      t,
      missing.toString(),
      new RegExp(`^passworks-receiver: cannot open the database at ${escaped(missing.toString())}: database "${database.name}_missing" does not exist$`),
    );
  });

  t.test('a port with nothing listening: exit 1 with one line naming the refused connection', async (t) => {
    const closed = new URL(url);
    closed.port = String(await freePort());
    await failsToOpen(t, closed.toString(), new RegExp(`^passworks-receiver: cannot open the database at ${escaped(closed.toString())}: .*ECONNREFUSED`));
  });

  t.test('a wrong user (with a password): exit 1 with one line naming the role, the password hidden', async (t) => {
    const wrong = new URL(url);
    wrong.username = 'no_such_receiver_role';
    wrong.password = 'hunter2-db-password';
    const shown = new URL(wrong);
    shown.password = '***';
    await failsToOpen(
      t,
      wrong.toString(),
      new RegExp(`^passworks-receiver: cannot open the database at ${escaped(shown.toString())}: .*"no_such_receiver_role"`),
      'hunter2-db-password',
    );
  });

  t.test('a reachable database: migrated before the "listening" line', async (t) => {
    const command = runCommand(t, { PASSWORKS_API_KEY: API_KEY, PORT: '0', HOST: '127.0.0.1', DATABASE_URL: database.connectionString });
    await command.waitFor(/"msg":"passworks-receiver listening/);
    const messages = command
      .stdout()
      .split('\n')
      .filter((line) => line.length > 0)
      .map((line) => (JSON.parse(line) as { msg: string }).msg);
    t.ok(messages.indexOf('database schema migrated') >= 0, 'the migration is logged');
    t.ok(messages.indexOf('database schema migrated') < messages.indexOf('passworks-receiver listening: POST /webhooks/passworks'), 'before listening');
    t.equal(await command.stop(), 0);
  });
}
