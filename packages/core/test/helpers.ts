import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { WebhookRequest } from '@passworks-webhooks/core';

/** The platform's own example payload, byte for byte. */
export const platformExample: Buffer = readFileSync(fileURLToPath(new URL('./fixtures/platform-example.json', import.meta.url)));

export const KEY = 'test-key-0123456789';

/** A POST of `body` with the JSON content type and the test key. */
export function delivery(body: unknown, headers: Record<string, string> = {}): WebhookRequest {
  return {
    method: 'POST',
    headers: { 'content-type': 'application/json; charset=utf-8', authorization: KEY, ...headers },
    body: typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body),
  };
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
