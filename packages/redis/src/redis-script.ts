import { createHash } from 'node:crypto';
import { withinTimeout } from './within-timeout.js';

/**
 * The part of a node-redis 5 client (`createClient()` of the `redis`
 * package) the store uses: any connected client fits.
 */
export interface RedisClientLike {
  sendCommand(args: readonly string[], options?: { readonly timeout?: number }): Promise<unknown>;
}

/** A Lua script run on one key, atomically on the server. */
export interface RedisScript {
  /** The script's SHA1, the name `EVALSHA` runs it by. */
  readonly sha: string;
  /**
   * Runs the script on `key` with `args`: `EVALSHA`, then `EVAL` (which
   * caches it) when the server answers `NOSCRIPT` (a restarted server, or
   * `SCRIPT FLUSH`). Rejects when no answer came within `timeoutMs`, the
   * retry included; a command still queued in the client then is dropped.
   */
  run(client: RedisClientLike, key: string, args: readonly string[], timeoutMs: number): Promise<unknown>;
}

/**
 * A Lua script for `EVALSHA`/`EVAL` with one key: the server runs it
 * atomically, so a read and the write it decides are one step for every
 * client of the server.
 * @example const claim = redisScript("return redis.call('GET', KEYS[1])");
 */
export function redisScript(source: string): RedisScript {
  const sha = createHash('sha1').update(source).digest('hex');
  const send = async (client: RedisClientLike, key: string, args: readonly string[], timeoutMs: number): Promise<unknown> => {
    try {
      return await client.sendCommand(['EVALSHA', sha, '1', key, ...args], { timeout: timeoutMs });
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return client.sendCommand(['EVAL', source, '1', key, ...args], { timeout: timeoutMs });
    }
  };
  return {
    sha,
    run: (client, key, args, timeoutMs) => withinTimeout(send(client, key, args, timeoutMs), timeoutMs, 'Redis'),
  };
}
