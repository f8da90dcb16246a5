import type { Logger } from '#core/infra/logger';
import type { Redis } from '#core/infra/redis';

/**
 * A provider-wide pause after the provider answered 429: every job that would call it waits the
 * pause out first, so one rate-limited answer slows the whole deployment's use of that provider
 * instead of each job hammering it and collecting its own 429.
 */
export interface ProviderCoolDown {
  /** Pauses calls to `provider` for at least `ms` from now; a longer pause already set is kept. */
  coolDown(provider: string, ms: number): Promise<void>;
  /** How many milliseconds of pause are left for `provider` (0: call now). */
  remainingMs(provider: string): Promise<number>;
}

/** A cool-down kept in this process only: for a deployment without Redis (one process). */
export function createMemoryProviderCoolDown(now: () => number = Date.now): ProviderCoolDown {
  const until = new Map<string, number>();
  return {
    coolDown: async (provider, ms) => {
      until.set(provider, Math.max(until.get(provider) ?? 0, now() + Math.max(0, ms)));
    },
    remainingMs: async (provider) => Math.max(0, (until.get(provider) ?? 0) - now()),
  };
}

/** Sets the key's expiry to ARGV[1] ms unless it already lives longer: a pause only ever grows. */
const EXTEND_SCRIPT = `local left = redis.call('PTTL', KEYS[1])
if left < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], '1', 'PX', ARGV[1]) end
return 1`;

/** How long one Redis command of the cool-down may take before this process's own pause is used instead. */
const REDIS_ANSWER_LIMIT_MS = 500;

/**
 * A cool-down shared by every process through Redis: one key per provider whose time to live is
 * the pause (`PTTL`), so processes agree without comparing clocks. When Redis cannot be reached
 * or does not answer within 500 ms it falls back to this process's own memory (and logs it): a
 * Redis outage must neither fail nor stall a job.
 */
export function createRedisProviderCoolDown(options: {
  redis: Pick<Redis, 'eval' | 'pttl'>;
  keyPrefix: string;
  logger?: Logger;
}): ProviderCoolDown {
  const local = createMemoryProviderCoolDown();
  const key = (provider: string) => `${options.keyPrefix}${provider}`;
  return {
    coolDown: async (provider, ms) => {
      await local.coolDown(provider, ms);
      const wholeMs = Math.max(1, Math.ceil(ms));
      try {
        await withinLimit(options.redis.eval(EXTEND_SCRIPT, 1, key(provider), String(wholeMs)));
      } catch (error) {
        options.logger?.warn(
          { err: error, provider },
          'provider cool-down: Redis unavailable; pausing this process only',
        );
      }
    },
    remainingMs: async (provider) => {
      const own = await local.remainingMs(provider);
      try {
        return Math.max(own, await withinLimit(options.redis.pttl(key(provider))));
      } catch (error) {
        options.logger?.warn(
          { err: error, provider },
          "provider cool-down: Redis unavailable; using this process's pause",
        );
        return own;
      }
    },
  };
}

function withinLimit<T>(command: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`Redis did not answer within ${REDIS_ANSWER_LIMIT_MS} ms`)),
      REDIS_ANSWER_LIMIT_MS,
    );
  });
  command.catch(() => undefined);
  return Promise.race([command, limit]).finally(() => clearTimeout(timer));
}
