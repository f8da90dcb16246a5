import Bottleneck from 'bottleneck';
import { Redis as IORedis } from 'ioredis';
import type { Logger } from '#core/infra/logger';
import { settlesWithin } from '#core/infra/queue/settles-within';
import { createRedisConnection } from '#core/infra/redis';
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

/** What `createRateLimiter` needs. */
export type RateLimiterOptions = {
  limits: LimitsConfig;
  /** `AppConfig.redisUrl`: set → limits hold across every process on this Redis; unset → this process only. */
  redisUrl: string | undefined;
  /** Namespaces Bottleneck ids and window keys, e.g. `imagine:rl:`; processes sharing limits use the same one. */
  keyPrefix: string;
  logger: Logger;
  /** After how long without a heartbeat a process's slots are freed (default 15 s; tests shorten it). */
  deadClientMs?: number;
};

const DEFAULT_SLOT_TIMEOUT_MS = 30 * 60_000;
const DEFAULT_PRIORITY = 5;

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

type Waiter = {
  task: () => Promise<unknown>;
  priority: number;
  slotTimeoutMs: number;
  resolve(value: unknown): void;
  reject(error: unknown): void;
  timer: NodeJS.Timeout | undefined;
};

/**
 * One limit. Callers wait here, in this process, ordered by priority then arrival; Bottleneck only
 * ever holds one "ticket" per lane. When Bottleneck grants the ticket a slot, the ticket runs the
 * first caller still waiting and the next ticket is queued.
 *
 * Why not hand every call to Bottleneck directly: Bottleneck cannot take a queued job back. A call
 * that gave up after `maxWaitMs` would still spend a slot (and a reservoir unit, and a `minTime`
 * gap) when its turn came, so under load the give-ups would eat the quota of the calls behind
 * them. With one ticket per lane, callers that gave up cost nothing, except one slot in the rare
 * case that every caller of the lane gave up while its ticket waited.
 */
class Lane {
  private readonly waiters: Waiter[] = [];
  private ticketQueued = false;
  private closed = false;
  private opened: OpenedLimiter;
  private reopening: Promise<void> | undefined;
  private lastReopenAt = 0;

  constructor(
    readonly name: LimitName,
    private readonly config: LimitConfig,
    private readonly open: (onStateLost: () => void) => OpenedLimiter,
    private readonly logger: Logger,
  ) {
    this.opened = open(() => void this.reopen());
  }

  get limiter(): Bottleneck {
    return this.opened.limiter;
  }

  private get ready(): Promise<void> {
    return this.opened.ready;
  }

  /**
   * Opens the limit anew after Redis lost its state (restarted empty). Bottleneck would do this
   * itself, but it matches Redis's error text exactly and Redis 7 prefixes it with "ERR ", so
   * every call would fail until the process restarts. At most once a second.
   */
  private reopen(): Promise<void> {
    if (this.reopening || this.closed) return this.reopening ?? Promise.resolve();
    const waitMs = Math.max(0, this.lastReopenAt + REOPEN_GAP_MS - Date.now());
    this.reopening = (async () => {
      if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
      if (this.closed) return;
      this.lastReopenAt = Date.now();
      const previous = this.opened;
      this.logger.warn({ limit: this.name }, 'rate limit state lost in Redis; opening the limit again');
      this.opened = this.open(() => void this.reopen());
      // A ticket still queued in the old instance is never granted (its state is gone, and
      // disconnecting does not reject it): the callers behind it take a ticket of the new one.
      this.ticketQueued = false;
      // Stops the old instance's heartbeat; the shared connection stays open.
      await Promise.resolve()
        .then(() => previous.limiter.disconnect(false))
        .catch(() => undefined);
      await this.ready;
      this.pump();
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
      if (!(await settlesWithin(this.ready, maxWaitMs))) throw new RateLimitError(this.name, this.estimateRetryAfterMs(this.waiters.length, maxWaitMs));
    } else {
      await this.ready;
    }
    if (this.closed) throw new RateLimiterClosedError();
    if (maxWaitMs !== undefined && maxWaitMs <= 0) {
      // "Only if free now": ask the datastore, since reaching a slot takes a round trip of its own.
      if (this.waiters.length > 0 || !(await this.limiter.check())) throw new RateLimitError(this.name, this.estimateRetryAfterMs(this.waiters.length, 0));
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

  /** Rejects every waiting caller; running calls go on. */
  close(): void {
    this.closed = true;
    for (const waiter of this.waiters.splice(0)) {
      clearTimeout(waiter.timer);
      waiter.reject(new RateLimiterClosedError());
    }
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

  /**
   * The ticket's slot expires after the longest slot timeout among the callers waiting now, and
   * runs the first caller (by priority, then arrival) whose own timeout fits in it, so no call
   * ever runs under a slot that could expire before the call may end.
   */
  private pump(): void {
    if (this.ticketQueued || this.closed || this.waiters.length === 0) return;
    this.ticketQueued = true;
    let granted = false;
    let started: { waiter: Waiter; outcome: Promise<Outcome> } | undefined;
    const expiration = Math.max(...this.waiters.map((waiter) => waiter.slotTimeoutMs));
    const opened = this.opened;
    opened.limiter
      .schedule({ expiration }, async () => {
        // A ticket of an instance opened again since: the new instance serves the callers.
        if (opened !== this.opened) return;
        granted = true;
        this.ticketQueued = false;
        const index = this.waiters.findIndex((candidate) => candidate.slotTimeoutMs <= expiration);
        const [waiter] = index < 0 ? [] : this.waiters.splice(index, 1);
        this.pump();
        if (!waiter) return;
        clearTimeout(waiter.timer);
        const outcome = waiter.task().then(
          (value): Outcome => ({ ok: true, value }),
          (error: unknown): Outcome => ({ ok: false, error }),
        );
        started = { waiter, outcome };
        await outcome;
      })
      .catch((error: unknown) => {
        if (granted) {
          this.logger.warn({ err: error, limit: this.name }, 'rate-limit slot held past slotTimeoutMs; given back');
          return;
        }
        if (opened !== this.opened) return;
        this.ticketQueued = false;
        if (this.closed) return;
        if (isStateLost(error)) {
          // Redis restarted empty: open the limit again and try once more; callers keep waiting.
          void this.reopen().finally(() => this.pump());
          return;
        }
        // The datastore refused the ticket (Redis unreachable): fail the first caller rather than hang it.
        const waiter = this.waiters.shift();
        if (waiter) {
          clearTimeout(waiter.timer);
          waiter.reject(error);
        }
        this.pump();
      })
      .finally(async () => {
        // Settled only now, after Bottleneck freed the slot, so a caller that awaited schedule()
        // finds its slot free again.
        if (!started) return;
        const outcome = await started.outcome;
        if (outcome.ok) started.waiter.resolve(outcome.value);
        else started.waiter.reject(outcome.error);
      });
  }

  /**
   * When a slot may be free for a caller with `ahead` callers before it: the reservoir windows or
   * `minTime` gaps they need; for a concurrency-only limit, as long as this caller already waited.
   */
  private estimateRetryAfterMs(ahead: number, waitedMs: number): number {
    const slots = ahead + 1;
    const estimates: number[] = [];
    if (this.config.reservoir) estimates.push(Math.ceil(slots / this.config.reservoir.amount) * this.config.reservoir.refreshIntervalMs);
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
  if (config.maxConcurrent !== undefined && (!Number.isInteger(config.maxConcurrent) || config.maxConcurrent < 1)) problems.push('maxConcurrent must be a whole number >= 1');
  if (config.minTimeMs !== undefined && !(config.minTimeMs >= 0)) problems.push('minTimeMs must be >= 0');
  if (config.reservoir && (!Number.isInteger(config.reservoir.amount) || config.reservoir.amount < 1 || !(config.reservoir.refreshIntervalMs >= 1))) {
    problems.push('reservoir needs a whole amount >= 1 and refreshIntervalMs >= 1');
  }
  if (problems.length > 0) throw new Error(`Invalid rate limit "${name}": ${problems.join('; ')}`);
}

/** Bottleneck's settings for a limit; `reservoir` (the current count) is left out, see below. */
function bottleneckSettings(config: LimitConfig): Bottleneck.ConstructorOptions {
  return {
    maxConcurrent: config.maxConcurrent ?? null,
    minTime: config.minTimeMs ?? 0,
    reservoirRefreshAmount: config.reservoir?.amount ?? null,
    reservoirRefreshInterval: config.reservoir?.refreshIntervalMs ?? null,
  };
}

/**
 * The {@link RateLimiter} on Bottleneck (https://github.com/SGrondin/bottleneck#clustering).
 *
 * With `redisUrl`, every limit is a clustered Bottleneck whose id is `<keyPrefix><name>`: all
 * processes using the same prefix share its running count, reservoir and `minTime` spacing through
 * one `Bottleneck.IORedisConnection` built on our ioredis client (it adds a subscriber duplicate
 * for capacity messages; `close` quits both). Settings already in Redis are updated from the
 * config at start-up, so a changed limit applies without waiting for the keys to expire, but the
 * current reservoir count is kept, so a restart cannot refill a spent quota. `tryTake` is an atomic
 * sliding window in Redis.
 *
 * Without `redisUrl`, the same limits hold within this process only (embedded mode).
 */
export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const logger = options.logger.child({ component: 'rate-limiter' });
  const client = options.redisUrl ? createRedisConnection(options.redisUrl, { role: 'rate-limit', logger }) : undefined;
  const connection = client ? new Bottleneck.IORedisConnection({ client, Redis: IORedis }) : undefined;
  connection?.on('error', (error: unknown) => logger.warn({ err: error }, 'rate limiter connection error'));
  const window = client ? createRedisSlidingWindow(client, options.keyPrefix) : createMemorySlidingWindow();

  const lanes = new Map<LimitName, Lane>();
  for (const [name, config] of Object.entries(options.limits)) {
    assertValidLimit(name, config);
    const settings: Bottleneck.ConstructorOptions & { heartbeatInterval?: number } = {
      id: `${options.keyPrefix}${name}`,
      ...bottleneckSettings(config),
      reservoir: config.reservoir?.amount ?? null,
      ...(connection
        ? {
            connection,
            // The heartbeat is what refills a clustered reservoir for waiting calls; tick often enough.
            heartbeatInterval: config.reservoir ? Math.min(HEARTBEAT_MS, Math.max(250, Math.floor(config.reservoir.refreshIntervalMs / 10))) : HEARTBEAT_MS,
          }
        : {}),
    };
    const open = (onStateLost: () => void): OpenedLimiter => {
      const limiter = new Bottleneck(settings);
      limiter.on('error', (error: unknown) => {
        if (isStateLost(error)) onStateLost();
        else logger.warn({ err: error, limit: name }, 'rate limiter error');
      });
      // Never rejects: if the settings cannot be updated now, the limit runs on those already in Redis.
      const ready = (connection ? limiter.ready().then(() => applyConfig(limiter, config)) : Promise.resolve()).catch((error: unknown) =>
        logger.error({ err: error, limit: name }, 'rate limit settings could not be updated'),
      );
      return { limiter, ready };
    };
    lanes.set(name, new Lane(name, config, open, logger));
  }

  const reaper = client ? startDeadClientReaper(client, [...lanes.keys()].map((name) => `${options.keyPrefix}${name}`), options.deadClientMs ?? DEAD_CLIENT_MS, logger) : undefined;
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

    close(): Promise<void> {
      closing ??= (async () => {
        for (const lane of lanes.values()) lane.close();
        await Promise.all([...lanes.values()].map((lane) => lane.limiter.stop({ dropWaitingJobs: true }).catch(() => undefined)));
        if (reaper) clearInterval(reaper);
        window.close();
        if (connection) {
          if (!(await settlesWithin(connection.disconnect(true), 2_000))) await connection.disconnect(false);
        } else {
          await Promise.all([...lanes.values()].map((lane) => lane.limiter.disconnect()));
        }
      })();
      return closing;
    },
  };
}

/** How often each process's limiters tell Redis they are alive (Bottleneck's heartbeat). */
const HEARTBEAT_MS = 2_000;
/**
 * A process whose limiters have not been seen for this long is dead: three heartbeats missed, so
 * a busy event loop is not mistaken for a crash, and short enough that a killed worker's
 * provider slot is back (with the reaper's tick) within the 10 s its job takes to move to another
 * worker (see `WORKER_HANDOFF` in bullmq-queue.ts).
 */
const DEAD_CLIENT_MS = 6_000;
const REAP_INTERVAL_MS = 1_000;
/**
 * Marks every slot held by a dead Bottleneck client as expired; Bottleneck's next tick (any call
 * or heartbeat of a live process) then frees it. KEYS: job expirations, job clients, clients'
 * last seen (Bottleneck's own keys, `Scripts.allKeys` of bottleneck 2.19). ARGV: now, dead after.
 */
const REAP_DEAD_CLIENT_SLOTS = `
local dead = redis.call('zrangebyscore', KEYS[3], '-inf', tonumber(ARGV[1]) - tonumber(ARGV[2]))
if #dead == 0 then return 0 end
local isDead = {}
for _, client in ipairs(dead) do isDead[client] = true end
local held = redis.call('hgetall', KEYS[2])
local reaped = 0
for i = 1, #held, 2 do
  if isDead[held[i + 1]] then
    redis.call('zadd', KEYS[1], 0, held[i])
    reaped = reaped + 1
  end
end
return reaped`;

/**
 * Gives back the slots of processes that died holding them (SIGKILL, OOM, a lost machine).
 * Bottleneck frees a running job's slot only when its own process does, or when the job's
 * expiration passes, which for a provider call is its job's whole deadline: meanwhile every
 * killed worker would shrink the provider's capacity across the deployment. Live processes
 * refresh their "last seen" with every heartbeat; one silent for {@link DEAD_CLIENT_MS} is dead.
 */
function startDeadClientReaper(client: IORedis, ids: readonly string[], deadAfterMs: number, logger: Logger): NodeJS.Timeout {
  const timer = setInterval(() => {
    for (const id of ids) {
      client
        .eval(REAP_DEAD_CLIENT_SLOTS, 3, `b_${id}_job_expirations`, `b_${id}_job_clients`, `b_${id}_client_last_seen`, Date.now(), deadAfterMs)
        .then((reaped) => {
          if (Number(reaped) > 0) logger.warn({ limit: id, slots: Number(reaped) }, 'freed the rate-limit slots of a process that died');
        })
        .catch((error: unknown) => logger.debug({ err: error, limit: id }, 'could not look for dead rate-limit clients'));
    }
  }, Math.min(REAP_INTERVAL_MS, deadAfterMs));
  timer.unref();
  return timer;
}

/** Brings settings a previous deployment left in Redis up to date with the config. */
async function applyConfig(limiter: Bottleneck, config: LimitConfig): Promise<void> {
  const current = await limiter.currentReservoir();
  // Only set the count when the limit had no reservoir before; otherwise keep what is left of it.
  const reservoir = !config.reservoir ? { reservoir: null } : current === null ? { reservoir: config.reservoir.amount } : {};
  await limiter.updateSettings({ ...bottleneckSettings(config), ...reservoir });
}
