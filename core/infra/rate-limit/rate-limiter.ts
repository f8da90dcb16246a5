/**
 * The port for rate limits: provider quotas (requests per minute, parallel requests per key) that
 * must hold across every worker process, and per-user spacing that answers at once.
 *
 * Implementation: `createRateLimiter` (Bottleneck for starts and redis-semaphore leases for
 * concurrency, both through Redis when a URL is given; in memory otherwise).
 */

/** A limit's name, e.g. `provider:google:key1`; each name is one limit shared by all processes. */
export type LimitName = string;

/** One limit. Unset fields do not limit. */
export type LimitConfig = {
  /** Calls running at once, across all processes. */
  maxConcurrent?: number;
  /** Least time between the starts of two calls, across all processes. */
  minTimeMs?: number;
  /** `amount` calls per `refreshIntervalMs` window (requests per minute: `amount` per 60,000 ms). */
  reservoir?: { amount: number; refreshIntervalMs: number };
  /**
   * A call holding a slot longer than this gives the slot back (default 30 min), so a call that
   * hangs in a live process cannot hold it for ever (a dead process's slots lapse much sooner, with
   * their lease). The call itself is not cancelled. Set it to at least the longest call under this
   * limit (a whole video generation, when that runs inside one call).
   */
  slotTimeoutMs?: number;
};

/** The limits of a deployment by name. */
export type LimitsConfig = Readonly<Record<LimitName, LimitConfig>>;

/** A per-user rule for {@link RateLimiter.tryTake}: at most `points` takes in any `perMs` window. */
export type TakeRule = { points: number; perMs: number };

/** The answer of {@link RateLimiter.tryTake}. */
export type TakeResult = { allowed: true } | { allowed: false; retryAfterMs: number };

/** Options of one scheduled call. */
export type ScheduleOptions = {
  /**
   * Longest wait for a slot before giving up with a {@link RateLimitError}; unset waits for ever.
   * 0 runs only if a slot is free right now.
   */
  maxWaitMs?: number;
  /** 0 goes first, 9 last; default 5. Orders this process's waiting calls of one limit. */
  priority?: number;
  /**
   * This call's own {@link LimitConfig.slotTimeoutMs}, when it is known to end sooner than the
   * limit's longest call (an image request under a limit that also runs videos): if it hangs, it
   * then holds the slot only that long. Never longer than the limit's own.
   */
  slotTimeoutMs?: number;
};

/** Rate limits for provider calls and user actions. */
export interface RateLimiter {
  /**
   * Runs `task` under the named limit, waiting for a slot. Resolves or rejects with the task's own
   * result. Rejects with a {@link RateLimitError} (and never runs the task) when no slot came within
   * `maxWaitMs`; throws for a limit name that is not configured, so a wiring mistake cannot run
   * calls unlimited.
   */
  schedule<T>(limit: LimitName, task: () => Promise<T>, options?: ScheduleOptions): Promise<T>;
  /**
   * Non-blocking check-and-take for per-user spacing and bursts (a sliding window): allowed now and
   * counted, or the milliseconds until a take would be allowed. Keys are independent of the
   * configured limits; use e.g. `generate:<accountId>`.
   */
  tryTake(key: string, rule: TakeRule): Promise<TakeResult>;
  /**
   * Non-blocking take of one of `capacity` slots named `key`, across all processes: a hold when
   * fewer than `capacity` are held now, `undefined` otherwise. The holder keeps it until it calls
   * `release`; a process that dies holding it loses it after the slot lease (like the slots of
   * `maxConcurrent`). Keys are independent of the configured limits; for resources that take a
   * fixed number of jobs at once, e.g. one Stable Diffusion server: `sdapi:<server>` with capacity 1.
   */
  tryHold(key: string, capacity: number): Promise<SlotHold | undefined>;
  /**
   * Calls `listener` whenever a hold of `key` is released, by any process sharing the limits (with
   * Redis: announced over pub/sub, so a waiter elsewhere can ask again at once instead of polling).
   * A hold that lapses with a dead process is not announced: waiters still ask again now and then.
   * Returns the function that stops listening.
   */
  onHoldReleased(key: string, listener: () => void): () => void;
  /** Rejects calls still waiting, waits for running ones and closes connections. */
  close(): Promise<void>;
}

/**
 * A slot taken by {@link RateLimiter.tryHold}. `release` gives it back; calling it again does
 * nothing. It is announced to the key's listeners ({@link RateLimiter.onHoldReleased}) unless
 * `announce` is false: a hold taken only to look at a resource that turned out busy, whose release
 * would only send every waiter to look at the same busy resource again.
 */
export type SlotHold = { release(announce?: boolean): Promise<void> };

/** The limiter was closed (the process is shutting down): nothing more is scheduled. */
export class RateLimiterClosedError extends Error {
  constructor() {
    super('the rate limiter is closed');
    this.name = 'RateLimiterClosedError';
  }
}

/** A call could not get a slot in time. `retryAfterMs` is an estimate of when one may be free. */
export class RateLimitError extends Error {
  readonly limit: LimitName;
  readonly retryAfterMs: number;

  constructor(limit: LimitName, retryAfterMs: number) {
    super(`rate limit "${limit}" is saturated; retry in about ${retryAfterMs} ms`);
    this.name = 'RateLimitError';
    this.limit = limit;
    this.retryAfterMs = retryAfterMs;
  }
}

/** Rejects a rule that cannot mean anything, before it reaches Redis. */
export function assertValidTakeRule(rule: TakeRule): void {
  if (!Number.isInteger(rule.points) || rule.points < 1 || !Number.isInteger(rule.perMs) || rule.perMs < 1) {
    throw new Error(`A take rule needs whole points >= 1 and perMs >= 1, got ${JSON.stringify(rule)}`);
  }
}
