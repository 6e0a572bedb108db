import { redisScript, type RedisScript } from './redis-script.js';

/**
 * What every script starts with. A key's value is one string:
 * `p:<lease end>:<token>` for a claim, `d:<TTL end>` or
 * `d:<TTL end>:<outcome JSON>` for a done mark, times in epoch ms.
 * `clock` is the server's clock (`TIME`), or the epoch ms the caller passed
 * (the `now` option, for tests); `read` splits a value (nil when missing).
 */
const PRELUDE = `
local function clock(given)
  if given ~= '' then return tonumber(given) end
  local time = redis.call('TIME')
  return tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
end
local function read(key)
  local value = redis.call('GET', key)
  if not value then return nil end
  local state, at, rest = string.match(value, '^(%a):(%d+):?(.*)$')
  return state, tonumber(at), rest
end
local function ms(value) return string.format('%d', value) end
`;

/**
 * The four operations of the store, each one script: a key is read and
 * written in one atomic step on the server. A claim's key lives in Redis
 * for twice its lease, so a holder that is late (its lease ran out, nobody
 * took it) can still renew or complete it; a done mark lives for its TTL.
 */
export const storeScripts: Readonly<Record<'claim' | 'renew' | 'complete' | 'release', RedisScript>> = {
  // ARGV: token, lease ms, now or ''. Answers {'claimed'}, {'in_flight'} or {'done', outcome JSON or ''}.
  claim: redisScript(`${PRELUDE}
local now = clock(ARGV[3])
local state, at, rest = read(KEYS[1])
if state and at > now then
  if state == 'd' then return {'done', rest} end
  return {'in_flight'}
end
local lease = tonumber(ARGV[2])
redis.call('SET', KEYS[1], 'p:' .. ms(now + lease) .. ':' .. ARGV[1], 'PX', ms(lease * 2))
return {'claimed'}
`),
  // ARGV: token, lease ms, now or ''. Answers 1 when the token still held the key, else 0 (nothing changed).
  renew: redisScript(`${PRELUDE}
local state, at, rest = read(KEYS[1])
if state ~= 'p' or rest ~= ARGV[1] then return 0 end
local now = clock(ARGV[3])
local lease = tonumber(ARGV[2])
redis.call('SET', KEYS[1], 'p:' .. ms(now + lease) .. ':' .. ARGV[1], 'PX', ms(lease * 2))
return 1
`),
  // ARGV: token, done TTL ms, now or '', outcome JSON or ''. Answers 0 when another live claim holds the key;
  // a key done already stays as it is (1).
  complete: redisScript(`${PRELUDE}
local now = clock(ARGV[3])
local state, at, rest = read(KEYS[1])
if state and at > now then
  if state == 'd' then return 1 end
  if rest ~= ARGV[1] then return 0 end
end
local ttl = tonumber(ARGV[2])
local value = 'd:' .. ms(now + ttl)
if ARGV[4] ~= '' then value = value .. ':' .. ARGV[4] end
redis.call('SET', KEYS[1], value, 'PX', ms(ttl))
return 1
`),
  // ARGV: token. Answers 1 when the token held the key (deleted), else 0.
  release: redisScript(`${PRELUDE}
local state, at, rest = read(KEYS[1])
if state ~= 'p' or rest ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
return 1
`),
};
