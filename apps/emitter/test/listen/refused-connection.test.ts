/** refusedConnection: the start check of --forward-to. */
import t from 'tap';
import http from 'node:http';
import { refusedConnection } from '../../src/listen/refused-connection.js';

t.test('a closed port is refused; a listening one is not, and gets no request', async (t) => {
  let requests = 0;
  const server = http.createServer((_req, res) => ((requests += 1), res.end()));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  t.equal(await refusedConnection(`http://127.0.0.1:${port}/webhooks`), undefined);
  t.equal(requests, 0, 'only a connection, no request');
  await new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve())));
  t.equal(await refusedConnection(`http://127.0.0.1:${port}/webhooks`), 'ECONNREFUSED');
});

t.test('an unknown host is reported; the default ports are used without one', async (t) => {
  t.equal(await refusedConnection('http://no-such-host.invalid/hook'), 'ENOTFOUND');
  t.equal(await refusedConnection('https://no-such-host.invalid/hook'), 'ENOTFOUND');
});
