import { randomUUID } from 'node:crypto';
import type { Logger } from '#core/infra/logger';
import { closeRedisConnection, createRedisConnection, type Redis } from '#core/infra/redis';

/** Tells every process sharing the limits that a hold was released (see `RateLimiter.onHoldReleased`). */
export interface HoldAnnouncer {
  /** Announces that a hold of `key` was released; never throws (a lost announcement only costs a waiter's next look). */
  announce(key: string): void;
  /** Calls `listener` for each announcement of `key`; returns the function that stops it. */
  listen(key: string, listener: () => void): () => void;
  close(): Promise<void>;
}

type Listeners = Map<string, Set<() => void>>;

function addListener(listeners: Listeners, key: string, listener: () => void): () => void {
  let set = listeners.get(key);
  if (!set) {
    set = new Set();
    listeners.set(key, set);
  }
  set.add(listener);
  return () => {
    set.delete(listener);
    if (set.size === 0 && listeners.get(key) === set) listeners.delete(key);
  };
}

function dispatch(listeners: Listeners, key: string): void {
  for (const listener of [...(listeners.get(key) ?? [])]) listener();
}

/** Announcements within this process only (the embedded mode). */
export function createMemoryHoldAnnouncer(): HoldAnnouncer {
  const listeners: Listeners = new Map();
  return {
    announce: (key) => dispatch(listeners, key),
    listen: (key, listener) => addListener(listeners, key, listener),
    close: async () => listeners.clear(),
  };
}

/** What {@link createRedisHoldAnnouncer} needs. */
export type RedisHoldAnnouncerOptions = {
  /** Publishes; the limiter's own connection. */
  redis: Redis;
  /** To open the subscriber connection, once something listens. */
  redisUrl: string;
  /** The channel is `<keyPrefix>hold-released`, one per deployment; a message is `<sender> <key>`. */
  keyPrefix: string;
  logger: Logger;
};

/**
 * Announcements over Redis pub/sub (https://redis.io/docs/latest/develop/interact/pubsub/): one
 * channel per deployment, each message the announcing process's id and a released hold's key. A process opens its subscriber
 * connection only once something listens. Pub/sub delivers to whoever is subscribed at that moment
 * and keeps nothing, which suits a wake-up: a listener that missed one looks again on its own timer.
 * Listeners in this process are called directly, without waiting for Redis, and not again when
 * Redis echoes the message back.
 */
export function createRedisHoldAnnouncer(options: RedisHoldAnnouncerOptions): HoldAnnouncer {
  const channel = `${options.keyPrefix}hold-released`;
  const listeners: Listeners = new Map();
  /** Names this process's announcements, so its subscriber skips them. */
  const sender = randomUUID();
  let subscriber: Redis | undefined;
  let isClosed = false;
  const subscribe = () => {
    if (subscriber || isClosed) return;
    subscriber = createRedisConnection(options.redisUrl, {
      role: 'hold-released',
      maxRetriesPerRequest: null,
      logger: options.logger,
      autoResubscribe: false,
    });
    // Subscribed on every connect (the first and each reconnect), with the failure caught: a Redis
    // restart during ioredis's own resubscribe left an unhandled rejection.
    const connection = subscriber;
    connection.on('ready', () => {
      connection.subscribe(channel).catch((error: unknown) => {
        options.logger.warn(
          { err: error },
          'could not subscribe to released holds; waiters fall back to looking again',
        );
      });
    });
    subscriber.on('message', (_channel: string, message: string) => {
      const space = message.indexOf(' ');
      // Our own announcements were dispatched here already, without waiting for Redis.
      if (space < 0 || message.slice(0, space) === sender) return;
      dispatch(listeners, message.slice(space + 1));
    });
  };
  return {
    announce(key) {
      if (isClosed) return;
      dispatch(listeners, key);
      options.redis.publish(channel, `${sender} ${key}`).catch((error: unknown) => {
        options.logger.warn({ err: error }, 'could not announce a released hold; waiters look again on their own');
      });
    },
    listen(key, listener) {
      subscribe();
      return addListener(listeners, key, listener);
    },
    async close() {
      isClosed = true;
      listeners.clear();
      if (subscriber) await closeRedisConnection(subscriber);
    },
  };
}
