import { connect } from 'node:net';

/**
 * Opens (and closes) one TCP connection to a URL's host and port, without
 * sending a request: the error code when it is refused or the host is
 * unknown (`ECONNREFUSED`, `ENOTFOUND`), else undefined (it connected, or
 * another failure such as a timeout, left for the retries to handle).
 */
export function refusedConnection(url: string, timeoutMs = 5_000): Promise<string | undefined> {
  const target = new URL(url);
  const port = Number(target.port || (target.protocol === 'https:' ? 443 : 80));
  const host = target.hostname.replace(/^\[(.*)\]$/, '$1');
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: timeoutMs });
    const end = (code: string | undefined): void => {
      socket.destroy();
      resolve(code);
    };
    socket.once('connect', () => end(undefined));
    socket.once('timeout', () => end(undefined));
    socket.once('error', (error: NodeJS.ErrnoException) => end(error.code === 'ECONNREFUSED' || error.code === 'ENOTFOUND' ? error.code : undefined));
  });
}
