import { connect } from 'node:net';

/** What came back on a raw connection. */
export interface RawExchange {
  /** Every byte the server sent, as text. */
  readonly text: string;
  /** The status line of each response, in order (a `100 Continue` first, if any). */
  readonly statusLines: string[];
  /** The final response: status, lower-case headers, body. */
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
  /** The connection was reset or broke (ECONNRESET, EPIPE) instead of closing cleanly. */
  readonly broken: string | undefined;
  /** The server said nothing and kept the connection open past the bound. */
  readonly silent: boolean;
}

/** Options of {@link rawExchange}. */
export interface RawExchangeOptions {
  /** Body bytes sent after the head, in 16 KiB writes that respect backpressure. */
  readonly body?: Buffer;
  /** Send the body only after the first `100 Continue`. @default false */
  readonly afterContinue?: boolean;
  /** Half-close our side after writing. @default false */
  readonly end?: boolean;
  /** How long to wait for the server to close before giving up. @default 5_000 */
  readonly boundMs?: number;
  /** Close our side as soon as a whole final answer arrived, instead of waiting for the server to close. @default false */
  readonly untilAnswer?: boolean;
}

/**
 * Writes `head` (and a body) to 127.0.0.1:port over a raw socket and reads
 * until the server closes the connection (or `boundMs` passes, then
 * `silent` is true when nothing came): the way to test what Node's HTTP
 * client would never send, and how a connection ends.
 */
export function rawExchange(
  port: number,
  head: string,
  { body, afterContinue = false, end = false, boundMs = 5_000, untilAnswer = false }: RawExchangeOptions = {},
): Promise<RawExchange> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let broken: string | undefined;
    let sending = false;
    const sendBody = (): void => {
      if (sending) return;
      sending = true;
      let offset = 0;
      const pump = (): void => {
        while (body !== undefined && offset < body.length && !socket.destroyed) {
          const piece = body.subarray(offset, offset + 16 * 1024);
          offset += piece.length;
          if (!socket.write(piece)) return void socket.once('drain', pump);
        }
        if (end && !socket.destroyed) socket.end();
      };
      pump();
    };
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      const text = Buffer.concat(chunks).toString('latin1');
      if (afterContinue && text.startsWith('HTTP/1.1 100')) sendBody();
      if (untilAnswer && answerComplete(text)) socket.destroy();
    });
    socket.on('error', (error: NodeJS.ErrnoException) => void (broken ??= error.code ?? error.message));
    const timer = setTimeout(() => socket.destroy(), boundMs);
    socket.on('close', () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('utf8');
      const statusLines = text.split('\r\n').filter((line) => /^HTTP\/1\.1 \d{3}/.test(line));
      const last = text.lastIndexOf('HTTP/1.1 ');
      const response = last === -1 ? '' : text.slice(last);
      const split = response.indexOf('\r\n\r\n');
      const headLines = (split === -1 ? response : response.slice(0, split)).split('\r\n');
      const headers = Object.fromEntries(
        headLines.slice(1).map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]),
      );
      resolve({
        text,
        statusLines,
        status: Number(headLines[0]?.split(' ')[1] ?? 0),
        headers,
        body: split === -1 ? '' : response.slice(split + 4),
        broken,
        silent: text.length === 0,
      });
    });
    socket.write(head);
    if (!afterContinue) sendBody();
  });
}

/** Whether `text` ends with a whole final response (status >= 200, body of its Content-Length). */
function answerComplete(text: string): boolean {
  const start = text.lastIndexOf('HTTP/1.1 ');
  if (start === -1 || text.startsWith('HTTP/1.1 1', start)) return false;
  const split = text.indexOf('\r\n\r\n', start);
  const length = /\r\ncontent-length: *(\d+)/i.exec(text.slice(start, split))?.[1];
  return split !== -1 && length !== undefined && text.length - split - 4 >= Number(length);
}

/** A request head: the request line, the headers, the blank line. */
export function headOf(path: string, headers: Record<string, string | number>, method = 'POST'): string {
  return `${method} ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\n${Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}`)
    .join('\r\n')}\r\n\r\n`;
}
