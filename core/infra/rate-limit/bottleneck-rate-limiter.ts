import Bottleneck from 'bottleneck';
import { Redis as IORedis } from 'ioredis';
import type { Logger } from '#core/infra/logger';
import { settlesWithin } from '#core/infra/queue/settles-within';
import { closeRedisConnection, createRedisConnection } from '#core/infra/redis';
import {
  RateLimitError,
  RateLimiterClosedError,
  type LimitConfig,
  type LimitName,
  type LimitsConfig,
  type RateLimiter,
  type ScheduleOptions,
  type TakeResult,
  type TakeRule,
} from '#core/infra/rate-limit/rate-limiter';
import { createMemorySlidingWindow, createRedisSlidingWindow } from '#core/infra/rate-limit/sliding-window';
import { createMemoryHoldAnnouncer, createRedisHoldAnnouncer } from '#core/infra/rate-limit/hold-announcer';
import {
  createMemorySlotLeases,
  createRedisSlotLeases,
  type SlotLease,
  type SlotLeases,
} from '#core/infra/rate-limit/slot-leases';

/** What `createRateLimiter` needs. */
export type RateLimiterOptions = {
  limits: LimitsConfig;
  /** `AppConfig.redisUrl`: set → limits hold across every process on this Redis; unset → this process only. */
  redisUrl: string | undefined;
  /** Namespaces Bottleneck ids, slot semaphores and window keys, e.g. `imagine:rl:`; processes sharing limits use the same one. */
  keyPrefix: string;
  logger: Logger;
  /**
   * How long a concurrency slot's lease lasts unless its process renews it: a process that died
   * holding slots loses them after this (default 6 s, renewed every 2 s: a killed worker's provider
   * slot is back within the 10 s its job takes to move to another worker). The same in every process.
   */
  slotLeaseMs?: number;
};

const DEFAULT_SLOT_TIMEOUT_MS = 30 * 60_000;
const DEFAULT_SLOT_LEASE_MS = 6_000;
const DEFAULT_PRIORITY = 5;
/**
 * Pause between two asks for a full limit's slot, jittered by ±50%. Every process waits the same
 * way, even for a slot it gave back itself, so a process with a backlog cannot keep re-taking its
 * own slots ahead of the others: a freed slot goes to whichever process asks next.
 */
const SLOT_RETRY_MS = 50;
/** Longest wait for a slot's release before the caller gets its result anyway (the lease lapses by itself). */
const RELEASE_WAIT_MS = 2_000;

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

type Waiter = {
  task: () => Promise<unknown>;
  priority: number;
  slotTimeoutMs: number;
  resolve(value: unknown): void;
  reject(error: unknown): void;
  timer: NodeJS.Timeout | undefined;
};

/** The lease of a limit without `maxConcurrent`: nothing to give back. */
const NO_LEASE: SlotLease = { release: async () => undefined };

/**
 * One limit. Callers wait here, in this process, ordered by priority then arrival; only one
 * "ticket" per lane asks for a slot at a time. A ticket takes a concurrency slot (a lease, see
 * {@link SlotLeases}), then a start from the pacer (Bottleneck: `minTime`, reservoir), then runs the
 * first caller still waiting, and the next ticket starts.
 *
 * Why not hand every call to Bottleneck directly: Bottleneck cannot take a queued job back. A call
 * that gave up after `maxWaitMs` would still spend a reservoir unit and a `minTime` gap when its
 * turn came, so under load the give-ups would eat the quota of the calls behind them. With one
 * ticket per lane, callers that gave up cost nothing, except one start in the rare case that every
 * caller of the lane gave up while its ticket waited for the pacer.
 *
 * Why the slots are not Bottleneck's `maxConcurrent`: a clustered Bottleneck frees a running job's
 * slot only from the process that ran it, or when the job's expiration passes, so every killed
 * worker would shrink a provider's capacity for the length of its longest call. A lease that its
 * holder must keep renewing lapses soon after the holder dies.
 */
class Lane {
  private readonly waiters: Waiter[] = [];
  private readonly tickets = new Set<Promise<void>>();
  private ticketWaiting = false;
  private wakeTicket: (() => void) | undefined;
  private closed = false;
  private pacer: OpenedLimiter | undefined;
  private reopening: Promise<void> | undefined;
  private lastReopenAt = 0;

  constructor(
    readonly name: LimitName,
    private readonly config: LimitConfig,
    private readonly leases: SlotLeases,
    private readonly openPacer: ((onStateLost: () => void) => OpenedLimiter) | undefined,
    private readonly logger: Logger,
  ) {
    this.pacer = openPacer?.(() => void this.reopen());
  }

  private get ready(): Promise<void> {
    return this.pacer?.ready ?? Promise.resolve();
  }

  /**
   * Opens the pacer anew after Redis lost its state (restarted empty). Bottleneck would do this
   * itself, but it matches Redis's error text exactly and Redis 7 prefixes it with "ERR ", so
   * every call would fail until the process restarts. At most once a second.
   */
  private reopen(): Promise<void> {
    const openPacer = this.openPacer;
    if (this.reopening || this.closed || !openPacer) return this.reopening ?? Promise.resolve();
    const waitMs = Math.max(0, this.lastReopenAt + REOPEN_GAP_MS - Date.now());
    this.reopening = (async () => {
      if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
      if (this.closed) return;
      this.lastReopenAt = Date.now();
      const previous = this.pacer;
      this.logger.warn({ limit: this.name }, 'rate limit state lost in Redis; opening the limit again');
      this.pacer = openPacer(() => void this.reopen());
      // Stops the old instance's heartbeat; the shared connection stays open.
      await Promise.resolve()
        .then(() => previous?.limiter.disconnect(false))
        .catch(() => undefined);
      await this.ready;
    })().finally(() => {
      this.reopening = undefined;
    });
    return this.reopening;
  }

  async schedule<T>(task: () => Promise<T>, options: ScheduleOptions): Promise<T> {
    if (this.closed) throw new RateLimiterClosedError();
    const maxWaitMs = options.maxWaitMs;
    const deadline = maxWaitMs !== undefined && maxWaitMs > 0 ? Date.now() + maxWaitMs : undefined;
    // The wait for the datastore (Redis down at start-up) counts against maxWaitMs too.
    if (deadline !== undefined && maxWaitMs !== undefined) {
      if (!(await settlesWithin(this.ready, maxWaitMs)))
        throw new RateLimitError(this.name, this.estimateRetryAfterMs(this.waiters.length, maxWaitMs));
    } else {
      await this.ready;
    }
    if (this.closed) throw new RateLimiterClosedError();
    if (maxWaitMs !== undefined && maxWaitMs <= 0) {
      // "Only if free now": ask the datastore, since reaching a slot takes a round trip of its own.
      if (this.waiters.length > 0 || !(await this.isFreeNow()))
        throw new RateLimitError(this.name, this.estimateRetryAfterMs(this.waiters.length, 0));
    }
    return new Promise<T>((resolve, reject) => {
      const waiter: Waiter = {
        task,
        priority: Math.min(9, Math.max(0, Math.round(options.priority ?? DEFAULT_PRIORITY))),
        slotTimeoutMs: Math.min(this.slotTimeoutMs, options.slotTimeoutMs ?? this.slotTimeoutMs),
        resolve: resolve as (value: unknown) => void,
        reject,
        timer: undefined,
      };
      if (deadline !== undefined && maxWaitMs !== undefined) {
        waiter.timer = setTimeout(() => this.giveUp(waiter, maxWaitMs), Math.max(1, deadline - Date.now()));
      }
      // Behind every waiter of the same or a more urgent priority: first in, first out within one.
      const index = this.waiters.findIndex((other) => other.priority > waiter.priority);
      this.waiters.splice(index < 0 ? this.waiters.length : index, 0, waiter);
      this.pump();
    });
  }

  /** Rejects every waiting caller and resolves once the running calls have ended and given their slots back. */
  async close(): Promise<void> {
    this.closed = true;
    this.wakeTicket?.();
    for (const waiter of this.waiters.splice(0)) {
      clearTimeout(waiter.timer);
      waiter.reject(new RateLimiterClosedError());
    }
    await this.pacer?.limiter.stop({ dropWaitingJobs: true }).catch(() => undefined);
    await Promise.all(this.tickets);
    // Stops the pacer's heartbeat (synchronously); the connection is closed by its owner.
    void Promise.resolve()
      .then(() => this.pacer?.limiter.disconnect(false))
      .catch(() => undefined);
  }

  private giveUp(waiter: Waiter, maxWaitMs: number): void {
    const ahead = this.waiters.indexOf(waiter);
    if (ahead < 0) return;
    this.waiters.splice(ahead, 1);
    waiter.reject(new RateLimitError(this.name, this.estimateRetryAfterMs(ahead, maxWaitMs)));
  }

  private get slotTimeoutMs(): number {
    return this.config.slotTimeoutMs ?? DEFAULT_SLOT_TIMEOUT_MS;
  }

  private tryLease(): Promise<SlotLease | undefined> {
    const maxConcurrent = this.config.maxConcurrent;
    return maxConcurrent === undefined ? Promise.resolve(NO_LEASE) : this.leases.tryAcquire(this.name, maxConcurrent);
  }

  /** Gives a slot back, waiting for Redis at most {@link RELEASE_WAIT_MS}. */
  private async giveBack(lease: SlotLease): Promise<void> {
    const released = lease
      .release()
      .catch((error: unknown) =>
        this.logger.warn(
          { err: error, limit: this.name },
          'could not give a rate-limit slot back; its lease lapses by itself',
        ),
      );
    await settlesWithin(released, RELEASE_WAIT_MS);
  }

  /** Whether a call could start right now: a slot and a start are free. */
  private async isFreeNow(): Promise<boolean> {
    if (this.pacer && !(await this.pacer.limiter.check())) return false;
    const lease = await this.tryLease();
    if (!lease) return false;
    await this.giveBack(lease);
    return true;
  }

  private pump(): void {
    if (this.ticketWaiting || this.closed || this.waiters.length === 0) return;
    this.ticketWaiting = true;
    const ticket = this.runTicket()
      .catch((error: unknown) => this.logger.error({ err: error, limit: this.name }, 'rate-limit ticket failed'))
      .finally(() => this.tickets.delete(ticket));
    this.tickets.add(ticket);
  }

  /** One ticket: a slot, then a start, then the first caller still waiting runs on them. */
  private async runTicket(): Promise<void> {
    let lease: SlotLease | undefined;
    try {
      lease = await this.waitForSlot();
      if (lease) await this.waitForStart();
    } catch (error) {
      this.ticketWaiting = false;
      if (lease) await this.giveBack(lease);
      if (this.closed) return;
      // The datastore refused (Redis unreachable): fail the first caller rather than hang it.
      const waiter = this.waiters.shift();
      if (waiter) {
        clearTimeout(waiter.timer);
        waiter.reject(error);
      }
      this.pump();
      return;
    }
    this.ticketWaiting = false;
    const waiter = lease && !this.closed ? this.waiters.shift() : undefined;
    this.pump();
    if (!lease) return;
    if (!waiter) {
      await this.giveBack(lease);
      return;
    }
    clearTimeout(waiter.timer);
    await this.run(waiter, lease);
  }

  /** Asks for a slot until one is free, while anyone waits for it; `undefined` once nobody does. */
  private async waitForSlot(): Promise<SlotLease | undefined> {
    while (!this.closed && this.waiters.length > 0) {
      const lease = await this.tryLease();
      if (lease) {
        if (!this.closed && this.waiters.length > 0) return lease;
        await this.giveBack(lease);
        return undefined;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, SLOT_RETRY_MS * (0.5 + Math.random()));
        // Only close cuts the pause short.
        this.wakeTicket = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wakeTicket = undefined;
    }
    return undefined;
  }

  /** Waits until the pacer lets one call start; opens the limit again if Redis lost it. */
  private async waitForStart(): Promise<void> {
    for (;;) {
      if (!this.pacer) return;
      try {
        await this.pacer.limiter.schedule(() => Promise.resolve());
        return;
      } catch (error) {
        if (this.closed || !isStateLost(error)) throw error;
        await this.reopen();
      }
    }
  }

  /**
   * Runs a caller's task on its slot. A task still running after its slot timeout goes on, but
   * its slot is given back, so a hung call cannot hold it for ever. The caller's promise settles
   * only after the slot is back, so a caller that awaited schedule() finds its slot free again.
   */
  private async run(waiter: Waiter, lease: SlotLease): Promise<void> {
    const overdue = setTimeout(() => {
      this.logger.warn(
        { limit: this.name, slotTimeoutMs: waiter.slotTimeoutMs },
        'rate-limit slot held past slotTimeoutMs; given back',
      );
      void this.giveBack(lease);
    }, waiter.slotTimeoutMs);
    overdue.unref();
    const outcome = await Promise.resolve()
      .then(() => waiter.task())
      .then(
        (value): Outcome => ({ ok: true, value }),
        (error: unknown): Outcome => ({ ok: false, error }),
      );
    clearTimeout(overdue);
    await this.giveBack(lease);
    if (outcome.ok) waiter.resolve(outcome.value);
    else waiter.reject(outcome.error);
  }

  /**
   * When a slot may be free for a caller with `ahead` callers before it: the reservoir windows or
   * `minTime` gaps they need; for a concurrency-only limit, as long as this caller already waited.
   */
  private estimateRetryAfterMs(ahead: number, waitedMs: number): number {
    const slots = ahead + 1;
    const estimates: number[] = [];
    if (this.config.reservoir)
      estimates.push(Math.ceil(slots / this.config.reservoir.amount) * this.config.reservoir.refreshIntervalMs);
    if (this.config.minTimeMs) estimates.push(slots * this.config.minTimeMs);
    if (estimates.length === 0) estimates.push(Math.max(waitedMs, 1_000));
    return Math.max(...estimates);
  }
}

/** A Bottleneck limiter with the promise of its settings being in place. */
type OpenedLimiter = { limiter: Bottleneck; ready: Promise<void> };

const REOPEN_GAP_MS = 1_000;

/** Bottleneck's answers when Redis no longer holds a limit's state (Redis 7 adds "ERR "). */
function isStateLost(error: unknown): boolean {
  return error instanceof Error && /SETTINGS_KEY_NOT_FOUND|UNKNOWN_CLIENT/.test(error.message);
}

function assertValidLimit(name: LimitName, config: LimitConfig): void {
  const problems: string[] = [];
  if (config.maxConcurrent !== undefined && (!Number.isInteger(config.maxConcurrent) || config.maxConcurrent < 1))
    problems.push('maxConcurrent must be a whole number >= 1');
  if (config.minTimeMs !== undefined && !(config.minTimeMs >= 0)) problems.push('minTimeMs must be >= 0');
  if (
    config.reservoir &&
    (!Number.isInteger(config.reservoir.amount) ||
      config.reservoir.amount < 1 ||
      !(config.reservoir.refreshIntervalMs >= 1))
  ) {
    problems.push('reservoir needs a whole amount >= 1 and refreshIntervalMs >= 1');
  }
  if (problems.length > 0) throw new Error(`Invalid rate limit "${name}": ${problems.join('; ')}`);
}

/** Bottleneck's settings for a limit's pacer; `reservoir` (the current count) is left out, see below. */
function pacerSettings(config: LimitConfig): Bottleneck.ConstructorOptions {
  return {
    // Concurrency is counted by the slot leases; null also clears a count a previous deployment left in Redis.
    maxConcurrent: null,
    minTime: config.minTimeMs ?? 0,
    reservoirRefreshAmount: config.reservoir?.amount ?? null,
    reservoirRefreshInterval: config.reservoir?.refreshIntervalMs ?? null,
  };
}

/** Whether a limit spaces or counts starts, which is what the pacer (Bottleneck) is for. */
function needsPacer(config: LimitConfig): boolean {
  return (config.minTimeMs ?? 0) > 0 || config.reservoir !== undefined;
}

/**
 * The {@link RateLimiter} on Bottleneck (https://github.com/SGrondin/bottleneck#clustering) for
 * starts and `redis-semaphore` for concurrency.
 *
 * With `redisUrl`, all processes using the same prefix share every limit through Redis:
 * - `minTimeMs` and `reservoir`: a clustered Bottleneck per limit whose id is `<keyPrefix><name>`,
 *   on one `Bottleneck.IORedisConnection` built on our ioredis client (it adds a subscriber
 *   duplicate for its messages; `close` quits both). Its jobs end as soon as they start: it only
 *   says when a call may start. Settings already in Redis are updated from the config at start-up,
 *   so a changed limit applies without waiting for the keys to expire, but the current reservoir
 *   count is kept, so a restart cannot refill a spent quota.
 * - `maxConcurrent`: a counting semaphore whose leases the holder renews while its call runs
 *   ({@link createRedisSlotLeases}), so a killed process's slots come back after `slotLeaseMs`.
 * - `tryTake`: an atomic sliding window in Redis.
 * - `tryHold`: the same leases; each release is announced over Redis pub/sub (`onHoldReleased`).
 *
 * Without `redisUrl`, the same limits hold within this process only (embedded mode).
 */
export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const logger = options.logger.child({ component: 'rate-limiter' });
  const client = options.redisUrl ? createRedisConnection(options.redisUrl, { role: 'rate-limit', logger }) : undefined;
  const window = client ? createRedisSlidingWindow(client, options.keyPrefix) : createMemorySlidingWindow();
  const leaseMs = options.slotLeaseMs ?? DEFAULT_SLOT_LEASE_MS;
  const leases = client
    ? createRedisSlotLeases(client, { keyPrefix: options.keyPrefix, leaseMs, logger })
    : createMemorySlotLeases();
  const announcer =
    client && options.redisUrl
      ? createRedisHoldAnnouncer({ redis: client, redisUrl: options.redisUrl, keyPrefix: options.keyPrefix, logger })
      : createMemoryHoldAnnouncer();
  let connection: Bottleneck.IORedisConnection | undefined;
  const bottleneckConnection = (redis: IORedis): Bottleneck.IORedisConnection => {
    if (!connection) {
      connection = new Bottleneck.IORedisConnection({ client: redis, Redis: IORedis });
      connection.on('error', (error: unknown) => logger.warn({ err: error }, 'rate limiter connection error'));
    }
    return connection;
  };

  const lanes = new Map<LimitName, Lane>();
  for (const [name, config] of Object.entries(options.limits)) {
    assertValidLimit(name, config);
    const shared = client && needsPacer(config) ? bottleneckConnection(client) : undefined;
    const settings: Bottleneck.ConstructorOptions & { heartbeatInterval?: number } = {
      id: `${options.keyPrefix}${name}`,
      ...pacerSettings(config),
      reservoir: config.reservoir?.amount ?? null,
      ...(shared
        ? {
            connection: shared,
            // The heartbeat is what refills a clustered reservoir for waiting calls; tick often enough.
            heartbeatInterval: config.reservoir
              ? Math.min(5_000, Math.max(250, Math.floor(config.reservoir.refreshIntervalMs / 10)))
              : 5_000,
          }
        : {}),
    };
    const openPacer = (onStateLost: () => void): OpenedLimiter => {
      const limiter = new Bottleneck(settings);
      limiter.on('error', (error: unknown) => {
        if (isStateLost(error)) onStateLost();
        else logger.warn({ err: error, limit: name }, 'rate limiter error');
      });
      // Never rejects: if the settings cannot be updated now, the limit runs on those already in Redis.
      const ready = (shared ? limiter.ready().then(() => applyConfig(limiter, config)) : Promise.resolve()).catch(
        (error: unknown) => logger.error({ err: error, limit: name }, 'rate limit settings could not be updated'),
      );
      return { limiter, ready };
    };
    lanes.set(name, new Lane(name, config, leases, needsPacer(config) ? openPacer : undefined, logger));
  }

  let closing: Promise<void> | undefined;
  return {
    schedule<T>(limit: LimitName, task: () => Promise<T>, scheduleOptions: ScheduleOptions = {}): Promise<T> {
      const lane = lanes.get(limit);
      if (!lane) return Promise.reject(new Error(`Unknown rate limit "${limit}"; configure it before use`));
      return lane.schedule(task, scheduleOptions);
    },

    tryTake(key: string, rule: TakeRule): Promise<TakeResult> {
      if (closing) return Promise.reject(new RateLimiterClosedError());
      return window.take(key, rule);
    },

    tryHold(key: string, capacity: number) {
      if (closing) return Promise.reject(new RateLimiterClosedError());
      if (!Number.isInteger(capacity) || capacity < 1) {
        return Promise.reject(new Error(`A hold needs a whole capacity >= 1, got ${capacity}`));
      }
      return leases.tryAcquire(`hold:${key}`, capacity).then((lease) => {
        if (!lease) return undefined;
        let released: Promise<void> | undefined;
        return {
          release: (announce = true) =>
            (released ??= lease.release().finally(() => {
              if (announce && !closing) announcer.announce(key);
            })),
        };
      });
    },

    onHoldReleased(key: string, listener: () => void) {
      return announcer.listen(key, listener);
    },

    close(): Promise<void> {
      closing ??= (async () => {
        await Promise.all([...lanes.values()].map((lane) => lane.close()));
        window.close();
        await announcer.close();
        if (connection) {
          // Quits our client too: Bottleneck was handed it.
          if (!(await settlesWithin(connection.disconnect(true), 2_000))) await connection.disconnect(false);
        } else if (client) {
          await closeRedisConnection(client);
        }
      })();
      return closing;
    },
  };
}

/** Brings settings a previous deployment left in Redis up to date with the config. */
async function applyConfig(limiter: Bottleneck, config: LimitConfig): Promise<void> {
  const current = await limiter.currentReservoir();
  // Only set the count when the limit had no reservoir before; otherwise keep what is left of it.
  const reservoir = !config.reservoir
    ? { reservoir: null }
    : current === null
      ? { reservoir: config.reservoir.amount }
      : {};
  await limiter.updateSettings({ ...pacerSettings(config), ...reservoir });
}
