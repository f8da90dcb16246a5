import { Semaphore } from 'redis-semaphore';
import type { Logger } from '#core/infra/logger';
import type { Redis } from '#core/infra/redis';

/** One concurrency slot held by this process. `release` gives it back; calling it again does nothing. */
export type SlotLease = { release(): Promise<void> };

/** Counted slots of named limits: at most `limit` leases of one name are held at once, by anyone. */
export interface SlotLeases {
  /** A lease when fewer than `limit` of `name` are held now; `undefined` otherwise. Never waits. */
  tryAcquire(name: string, limit: number): Promise<SlotLease | undefined>;
}

/** What {@link createRedisSlotLeases} needs. */
export type RedisSlotLeasesOptions = {
  /** Namespaces the semaphores; processes sharing limits use the same one. */
  keyPrefix: string;
  /**
   * How long a lease lasts unless its holder renews it (every third of it, while the call runs).
   * A process that dies holding slots loses them this long after its last renewal. The same in
   * every process sharing the limits, and longer than the clock skew between their machines.
   */
  leaseMs: number;
  logger: Logger;
};

/**
 * The slots in Redis, as `redis-semaphore` counting semaphores
 * (https://github.com/swarthy/redis-semaphore#semaphore) under `semaphore:<keyPrefix>slots:<name>`.
 * A lease is renewed by its holder while it is held, so a live process keeps its slot however long
 * the call runs, and a dead one's slot lapses after `leaseMs`. The limit is passed with each
 * acquisition, so a changed `maxConcurrent` applies as soon as a process with it asks.
 */
export function createRedisSlotLeases(redis: Redis, options: RedisSlotLeasesOptions): SlotLeases {
  return {
    async tryAcquire(name, limit) {
      const semaphore = new Semaphore(redis, `${options.keyPrefix}slots:${name}`, limit, {
        lockTimeout: options.leaseMs,
        refreshInterval: Math.max(1, Math.floor(options.leaseMs / 3)),
        // One attempt, no pause after a refusal: the caller decides when to ask again.
        acquireAttemptsLimit: 1,
        retryInterval: 0,
        // Redis restarted empty, or this process stalled past its lease: the call goes on; the count heals when it ends.
        onLockLost: (error) =>
          options.logger.warn({ err: error, limit: name }, 'rate-limit slot lease lost while its call ran'),
      });
      if (!(await semaphore.tryAcquire())) return undefined;
      let released: Promise<void> | undefined;
      return { release: () => (released ??= semaphore.release()) };
    },
  };
}

/** The slots in this process only, for the embedded mode: a count per name. */
export function createMemorySlotLeases(): SlotLeases {
  const held = new Map<string, number>();
  return {
    async tryAcquire(name, limit) {
      const count = held.get(name) ?? 0;
      if (count >= limit) return undefined;
      held.set(name, count + 1);
      let released = false;
      return {
        async release() {
          if (released) return;
          released = true;
          const left = (held.get(name) ?? 1) - 1;
          if (left > 0) held.set(name, left);
          else held.delete(name);
        },
      };
    },
  };
}
