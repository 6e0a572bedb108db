import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Test } from 'tap';
import type { PassEvent } from '@passworks-webhooks/core';
import type { ReceiverApp } from '@passworks-webhooks/receiver';
import { ADMIN_TOKEN, API_KEY, WEBHOOK_PATH } from './helpers.js';

/** Serves an app on 127.0.0.1 (a random port) until the test ends; resolves to its base URL. */
export async function listen(t: Test, app: ReceiverApp): Promise<string> {
  const server = http.createServer(app.listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** POSTs one event to a running receiver; resolves to the status. */
export async function post(base: string, event: PassEvent | Record<string, unknown>): Promise<number> {
  const res = await fetch(`${base}${WEBHOOK_PATH}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: API_KEY },
    body: JSON.stringify(event),
  });
  await res.arrayBuffer();
  return res.status;
}

/** One message of a `text/event-stream`. */
export interface StreamMessage {
  readonly id: number;
  readonly data: Record<string, unknown>;
}

/** An open `/api/events/stream` reader collecting its messages. */
export interface StreamReader {
  readonly messages: StreamMessage[];
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  /** Resolves when `count` messages arrived (rejects after `timeoutMs`). */
  waitFor(count: number, timeoutMs?: number): Promise<void>;
  /** Resolves when the server ended or cut the stream. */
  readonly ended: Promise<void>;
  close(): void;
}

/** Opens the event stream with the admin token (and the given headers), parsing each message as it arrives. */
export function openStream(
  t: Test,
  base: string,
  { query = '', headers = {} }: { query?: string; headers?: Record<string, string> } = {},
): Promise<StreamReader> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${base}/api/events/stream${query}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...headers } }, (res) => {
      const messages: StreamMessage[] = [];
      const waiters: Array<() => void> = [];
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const id = /^id: (\d+)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (id !== undefined && data !== undefined) messages.push({ id: Number(id), data: JSON.parse(data) as Record<string, unknown> });
        }
        for (const waiter of waiters.splice(0)) waiter();
      });
      const ended = new Promise<void>((done) => {
        res.on('close', done);
        res.on('error', () => done());
      });
      const reader: StreamReader = {
        messages,
        status: res.statusCode ?? 0,
        headers: res.headers,
        ended,
        close: () => req.destroy(),
        waitFor(count, timeoutMs = 10_000) {
          return new Promise((done, fail) => {
            const timer = setTimeout(() => fail(new Error(`${messages.length} of ${count} messages after ${timeoutMs} ms`)), timeoutMs);
            const check = (): void => {
              if (messages.length >= count) {
                clearTimeout(timer);
                done();
              } else waiters.push(check);
            };
            check();
          });
        },
      };
      t.teardown(() => req.destroy());
      resolve(reader);
    });
    req.on('error', reject);
  });
}
