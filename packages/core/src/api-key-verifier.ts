import * as crypto from 'node:crypto';
import { PassworksWebhookError } from './errors.js';

/** One key or several live keys (rotation). */
export type ApiKeyList = string | readonly string[];

/**
 * Where the API keys come from: a value, a list, or a function called per
 * request (sync or async) so keys can be swapped without a restart.
 */
export type ApiKeySource = ApiKeyList | (() => ApiKeyList | Promise<ApiKeyList>);

/** The environment variable the adapters read keys from when none are given: a comma-separated list. */
export const API_KEY_ENV = 'PASSWORKS_API_KEY';

/** Checks an `Authorization` header value against the configured keys. */
export interface ApiKeyVerifier {
  /**
   * True when `header` equals one of the keys; constant time in the keys'
   * content and length. Synchronous for static keys, a promise for keys from
   * a function.
   */
  verify(header: string | undefined): boolean | Promise<boolean>;
}

// crypto.hash (Node >= 20.12) hashes in one call, without a Hash object per request.
const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: 'buffer') => Buffer }).hash;
const digest = (value: string): Buffer => (oneShot ? oneShot('sha256', value, 'buffer') : crypto.createHash('sha256').update(value, 'utf8').digest());

function digestsOf(keys: ApiKeyList, where: string): Buffer[] {
  const list = typeof keys === 'string' ? [keys] : keys;
  if (!Array.isArray(list) || list.length === 0) {
    throw new PassworksWebhookError('invalid_config', `${where}: expected a non-empty key or list of keys, got none`);
  }
  return list.map((key, index) => {
    if (typeof key !== 'string' || key.length === 0) {
      throw new PassworksWebhookError('invalid_config', `${where}: key #${index + 1} is empty or not a string`);
    }
    return digest(key);
  });
}

/** True when `candidate` equals one of `digests`; every digest is compared, so timing says nothing of which. */
function matchesAny(candidate: Buffer, digests: readonly Buffer[]): boolean {
  let found = false;
  for (const known of digests) found = crypto.timingSafeEqual(candidate, known) || found;
  return found;
}

/**
 * Reads the key list from `PASSWORKS_API_KEY` (comma-separated, blanks
 * ignored). Returns `undefined` when the variable is unset or holds no key.
 */
export function apiKeysFromEnv(env: Record<string, string | undefined> = globalThis.process?.env ?? {}): string[] | undefined {
  const keys = (env[API_KEY_ENV] ?? '')
    .split(',')
    .map((key) => key.trim())
    .filter((key) => key.length > 0);
  return keys.length > 0 ? keys : undefined;
}

/**
 * Builds a verifier. Static keys are checked here (an empty list throws
 * `invalid_config`); keys from a function are checked on each call, and a
 * function that throws or yields no key makes `verify` reject with
 * `invalid_config` rather than open up.
 * Keys are hashed to fixed-length digests and compared with
 * `timingSafeEqual`, so neither a key's content nor its length leaks. The
 * verifier keeps digests only, never a key.
 * @example const verifier = createApiKeyVerifier(['new-key', 'old-key']);
 */
export function createApiKeyVerifier(source: ApiKeySource): ApiKeyVerifier {
  if (typeof source === 'function') {
    return {
      async verify(header) {
        // A failing or empty key function throws: the pipeline answers 500 (so
        // the platform retries later) instead of opening up or rejecting as 401.
        const digests = digestsOf(await source(), 'apiKey()');
        return header !== undefined && matchesAny(digest(header), digests);
      },
    };
  }
  const digests = digestsOf(source, 'apiKey');
  return {
    verify(header) {
      return header !== undefined && matchesAny(digest(header), digests);
    },
  };
}
