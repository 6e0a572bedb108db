import http from 'node:http';
import https from 'node:https';

/** One HTTP request the emitter sends. Header names are lower-case. */
export interface EmitterRequest {
  readonly method: string;
  /** The path and query (for in-process handlers that route). */
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Uint8Array;
}

/** What came back: the status, headers and (text) body. */
export interface EmitterResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/**
 * An in-process endpoint: takes a request, answers `{ status, body }`, with
 * no port. Core's `createWebhookHandler().handle` fits as it is.
 */
export type DeliveryHandler = (request: EmitterRequest) => Promise<{
  readonly status: number;
  readonly body?: string | Uint8Array | undefined;
  readonly headers?: Readonly<Record<string, string | readonly string[] | undefined>> | undefined;
}>;

/** Why a request got no answer: it ran past its timeout, or the connection failed. */
export class TransportError extends Error {
  override readonly name = 'TransportError';
  readonly kind: 'timeout' | 'network';
  constructor(kind: 'timeout' | 'network', message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.kind = kind;
  }
}

/** Sends one request and resolves with the answer, or rejects with a {@link TransportError}. */
export interface Transport {
  send(request: EmitterRequest, timeoutMs: number): Promise<EmitterResponse>;
  close(): void;
}

/** Answers are kept up to this size: enough for any error document. */
const ANSWER_LIMIT_BYTES = 65_536;

function flatHeaders(headers: Readonly<Record<string, string | readonly string[] | undefined>> | undefined): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value !== undefined) flat[name.toLowerCase()] = typeof value === 'string' ? value : value.join(', ');
  }
  return flat;
}

/**
 * A transport to a URL over `node:http`/`node:https` with a keep-alive agent
 * (a real sender reuses connections). The URL's path is where every request goes.
 * @default maxSockets 64
 */
export function createUrlTransport(url: string, { maxSockets = 64 }: { readonly maxSockets?: number } = {}): Transport & { readonly path: string } {
  let target: URL;
  try {
    target = new URL(url);
  } catch (cause) {
    throw new RangeError(`url: expected an http(s) URL, got ${JSON.stringify(url)}`, { cause });
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:') throw new RangeError(`url: expected an http(s) URL, got ${JSON.stringify(url)}`);
  const client = target.protocol === 'https:' ? https : http;
  const agent = new client.Agent({ keepAlive: true, maxSockets });
  const path = `${target.pathname}${target.search}`;
  return {
    path,
    send(request, timeoutMs) {
      return new Promise((resolve, reject) => {
        let settled = false;
        const finish = (error: TransportError | undefined, response?: EmitterResponse): void => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          if (error !== undefined) reject(error);
          else if (response !== undefined) resolve(response);
        };
        const req = client.request(
          {
            protocol: target.protocol,
            hostname: target.hostname,
            port: target.port,
            path: request.path,
            method: request.method,
            headers: request.headers,
            agent,
          },
          (res) => {
            const chunks: Buffer[] = [];
            let size = 0;
            res.on('data', (chunk: Buffer) => {
              if (size < ANSWER_LIMIT_BYTES) chunks.push(chunk);
              size += chunk.length;
            });
            const done = (): void =>
              finish(undefined, {
                status: res.statusCode ?? 0,
                headers: flatHeaders(res.headers),
                body: Buffer.concat(chunks).toString('utf8').slice(0, ANSWER_LIMIT_BYTES),
              });
            res.on('end', done);
            // A server that answers early (413) and closes still gave its status.
            res.on('close', done);
            res.on('error', done);
          },
        );
        const timer = setTimeout(() => {
          req.destroy();
          finish(new TransportError('timeout', `no answer within ${timeoutMs} ms`));
        }, timeoutMs);
        req.on('error', (cause: NodeJS.ErrnoException) => finish(new TransportError('network', `connection failed: ${cause.code ?? cause.message}`, cause)));
        req.end(request.body);
      });
    },
    close: () => agent.destroy(),
  };
}

/** A transport into an in-process handler: no socket, the same timeout rule. */
export function createHandlerTransport(handler: DeliveryHandler): Transport {
  if (typeof handler !== 'function') throw new TypeError(`target: expected a URL or a handler function, got ${typeof handler}`);
  return {
    async send(request, timeoutMs) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new TransportError('timeout', `no answer within ${timeoutMs} ms`)), timeoutMs);
      });
      try {
        const answer = await Promise.race([handler(request), timeout]);
        const body = answer.body === undefined ? '' : typeof answer.body === 'string' ? answer.body : Buffer.from(answer.body).toString('utf8');
        return { status: answer.status, headers: flatHeaders(answer.headers), body: body.slice(0, ANSWER_LIMIT_BYTES) };
      } catch (cause) {
        if (cause instanceof TransportError) throw cause;
        throw new TransportError('network', `the handler threw: ${cause instanceof Error ? cause.message : String(cause)}`, cause);
      } finally {
        clearTimeout(timer);
      }
    },
    close: () => undefined,
  };
}
