import { Redis } from 'ioredis';
import type { Logger } from '#core/infra/logger';

/** The ioredis client type, so callers need not import ioredis themselves. */
export type { Redis } from 'ioredis';

/** How a Redis connection is built; see {@link createRedisConnection}. */
export type RedisConnectionOptions = {
  /** Names the connection (`CLIENT SETNAME imagine:<role>`) so `CLIENT LIST` shows who holds it. */
  role?: string;
  /**
   * How often a command is retried across reconnects before it rejects. `null` retries for ever,
   * which BullMQ requires for worker connections (a blocking `BZPOPMIN` must survive a reconnect);
   * anything that answers a user keeps the default (20) so a Redis outage fails fast.
   */
  maxRetriesPerRequest?: number | null;
  /** Receives connection errors and reconnects; without it they are only seen by the commands that fail. */
  logger?: Logger;
  /**
   * Whether ioredis subscribes again by itself after a reconnect (default true). Its own
   * resubscribe leaves the command's promise unhandled when the connection drops again meanwhile;
   * a subscriber that subscribes on each `ready` itself, with a catch, turns this off.
   */
  autoResubscribe?: boolean;
};

const MAX_RECONNECT_DELAY_MS = 5_000;

/**
 * The delay before reconnect attempt `attempt` (1-based): exponential from 100 ms, capped at 5 s,
 * with ±20% jitter so many processes restarted together do not reconnect in lock step. It never
 * gives up: a long-lived worker should come back by itself when Redis does.
 */
export function reconnectDelayMs(attempt: number): number {
  const base = Math.min(100 * 2 ** Math.max(0, attempt - 1), MAX_RECONNECT_DELAY_MS);
  return Math.round(base * (0.8 + Math.random() * 0.4));
}

/**
 * Opens an ioredis connection to `url`. The only place that builds ioredis clients; BullMQ,
 * Bottleneck and the window counters get theirs from here, so every connection reconnects the
 * same way, logs the same way and is named after its role.
 *
 * After a failover a former primary answers `READONLY`; the connection then reconnects and resends
 * the command instead of failing it.
 */
export function createRedisConnection(url: string, options: RedisConnectionOptions = {}): Redis {
  const role = options.role ?? 'app';
  const redis = new Redis(url, {
    connectionName: `imagine:${role}`,
    maxRetriesPerRequest: options.maxRetriesPerRequest === undefined ? 20 : options.maxRetriesPerRequest,
    retryStrategy: reconnectDelayMs,
    reconnectOnError: (error) => (error.message.startsWith('READONLY') ? 2 : false),
    autoResubscribe: options.autoResubscribe ?? true,
  });
  const logger = options.logger?.child({ redis: role });
  // An ioredis client without an 'error' listener prints to the console; always attach one.
  redis.on('error', (error: Error) => logger?.warn({ err: error }, 'redis connection error'));
  if (logger) {
    redis.on('reconnecting', (delayMs: number) => logger.debug({ delayMs }, 'redis reconnecting'));
    redis.on('ready', () => logger.debug('redis ready'));
  }
  return redis;
}

/**
 * Closes a connection made by {@link createRedisConnection} and resolves once its socket is gone:
 * `QUIT` when connected (replies still pending arrive first), a hard disconnect when not connected
 * or when Redis does not answer within `timeoutMs`, so shutdown never hangs on a dead server.
 * Closing twice is harmless.
 */
export async function closeRedisConnection(redis: Redis, timeoutMs = 2_000): Promise<void> {
  if (redis.status === 'end') return;
  const ended = new Promise<void>((resolve) => redis.once('end', () => resolve()));
  if (redis.status === 'ready') {
    const quit = redis.quit().then(
      () => true,
      () => false,
    );
    if (!(await settlesWithin(quit, timeoutMs))) redis.disconnect();
  } else {
    redis.disconnect();
  }
  if (!(await settlesWithin(ended, timeoutMs))) redis.disconnect();
}

async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
