// What the READMEs' examples call "your code": the services a reader has, with
// the signatures the examples assume. Framework context a fragment leaves out
// (an Express or Hono `app`, an import) is in an HTML comment just above the
// block instead: <!-- consumer-test prelude: ... -->.
import type { IncomingMessage, ServerResponse } from 'node:http';

declare global {
  /** Your device registry. */
  const devices: { add(passId: string, registrationId: string): Promise<void> };
  /** Your loyalty programme. */
  const loyalty: {
    credit(passId: string, options?: { signal: AbortSignal }): Promise<void>;
    credit(passId: string, redeemedCount: number): Promise<void>;
    creditOnce(idempotencyKey: string, passId: string): Promise<void>;
    /** The account a pass belongs to, if any. */
    accountOf(passId: string): Promise<string | undefined>;
  };
  /** Your pass cache. */
  const passes: { touch(passId: string, lastFetchedAt: string | null): Promise<void> };
  function credit(passId: string): Promise<void>;
  /** A node:http request, its response and its body read as bytes. */
  const req: IncomingMessage;
  const res: ServerResponse;
  const rawBytes: Uint8Array;
  /** The Bun and Deno globals the fetch examples use (their runtimes' own types are not installed here). */
  const Bun: { serve(options: { port: number; fetch(request: Request): Response | Promise<Response> }): unknown };
  const Deno: { serve(options: { port: number }, handler: (request: Request) => Response | Promise<Response>): unknown };
}
