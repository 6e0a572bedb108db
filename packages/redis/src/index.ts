export { createRedisStore, redisStoreDefaults, type RedisStore, type RedisStoreOptions } from './create-redis-store.js';
export type { RedisClientLike } from './redis-script.js';
