import type { Storage } from '@passworks-webhooks/receiver';

/** `storage` as a forwarder's seam, counting how often the forwarder looks at the outbox (`claimOutbox`). */
export function countingLooks(storage: Storage): { storage: Storage; looks: () => number } {
  let looks = 0;
  const seen: Storage = new Proxy(storage, {
    get(object, key, receiver) {
      if (key === 'claimOutbox') looks += 1;
      const value = Reflect.get(object, key, receiver) as unknown;
      return typeof value === 'function' ? value.bind(object) : value;
    },
  });
  return { storage: seen, looks: () => looks };
}
