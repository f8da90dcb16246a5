import { createHash } from 'node:crypto';
import type { RateLimiter, SlotHold } from '#core/infra/rate-limit/rate-limiter';

/** What a look at an instance found: free for a job, running one already, or not answering. */
export type InstanceState = 'idle' | 'busy' | 'down';

/** An instance held by one job until `release`. */
export type HeldInstance = {
  /** The instance's URL as the pool was given it. */
  url: string;
  /**
   * Gives the instance back and tells every waiting job, in every process. `isIdle`: it answered
   * and is known idle, so this process's next job skips the look.
   */
  release(isIdle: boolean): Promise<void>;
  /** Gives it back once a look finds it idle (after an interrupt), or after `settleMs` at most. */
  releaseWhenIdle(): Promise<void>;
  /** It failed to answer: skipped until a look finds it up again (1 s, doubling up to `maxDownMs`). */
  markDown(): void;
};

/** Every instance of the pool is down. */
export class NoHealthyInstanceError extends Error {
  constructor(readonly pool: string) {
    super(`${pool}: no instance answers`);
    this.name = 'NoHealthyInstanceError';
  }
}

/** Options of {@link createInstancePool}. */
export type InstancePoolOptions = {
  /** Names the holds: `<name>:<hash of the URL>`, the same in every process. */
  name: string;
  urls: readonly string[];
  /** The deployment's limiter (read when a job waits): its holds count jobs per instance across processes. */
  limiter: () => RateLimiter;
  /**
   * Looks at an instance before a job is sent to it. Throwing fails the job that waits (credentials
   * refused: an operator's problem, not an outage).
   */
  checkInstance(url: string): Promise<InstanceState>;
  /** Default 1: a GPU server runs one job at a time, more only queue there. */
  jobsPerInstance?: number;
  /**
   * Longest pause between two looks while every instance is held, jittered ±50% (default 1 s).
   * A release anywhere wakes the waiters at once; this only catches a hold that lapsed with a
   * killed process, or an instance that was busy with someone else's job.
   */
  retryMs?: number;
  /** Longest time a down instance is skipped before it is looked at again. Default 30 s. */
  maxDownMs?: number;
  /** Longest wait for an interrupted instance to be idle again. Default 15 s. */
  settleMs?: number;
};

/** The self-hosted instances of one provider, each taking `jobsPerInstance` jobs at a time across the deployment. */
export interface InstancePool {
  /**
   * Waits for a free instance that answers and holds it. Waiting jobs of this process are served
   * first come, first served. Rejects with {@link NoHealthyInstanceError} when every instance is
   * down (so routing can fail over), with what `checkInstance` threw, or with the signal's reason.
   */
  acquire(signal?: AbortSignal): Promise<HeldInstance>;
  /**
   * Holds `url` itself if its hold is free, without a look (it may be running the very job an
   * earlier attempt left there, which a look would call busy); `undefined` when it is held: by that
   * dead attempt until its lease lapses, or by another job. Down or not, it is not skipped.
   */
  holdIfFree(url: string): Promise<HeldInstance | undefined>;
  /** Marks `url` down (after a refused connection, a 5xx). */
  markDown(url: string): void;
}

type InstanceSlot = {
  url: string;
  key: string;
  downUntil: number;
  failures: number;
  /** When this process last gave it back idle: nobody can have sent it a job since without its hold. */
  idleAt: number;
  /** Jobs of this process it went to in a row on one hold. */
  handoffs: number;
  /** Until then this process leaves it to the others: it just gave it back with jobs of its own waiting. */
  graceUntil: number;
};

type Waiter = { resolve(held: HeldInstance): void; reject(error: unknown): void };

const FIRST_DOWN_MS = 1_000;
const RECENTLY_IDLE_MS = 1_000;
const SETTLE_POLL_MS = 100;
/**
 * A freed instance goes straight to the next job of the same process this many times in a row
 * (no release and take through Redis, no look: it just finished our job); then it is released for
 * every process, and this one leaves it to the others for {@link GRACE_MS}, so a process with
 * a steady stream of jobs cannot keep an instance from the jobs waiting elsewhere.
 */
const MAX_HANDOFFS = 8;
const GRACE_MS = 25;

/**
 * The instance pool of the self-hosted backends (SDAPI_URLS, COMFYUI_URLS). Each instance takes
 * `jobsPerInstance` jobs at a time across every worker process: a job takes the instance's hold
 * (`RateLimiter.tryHold`: a Redis lease its process renews, which lapses soon after a killed
 * process stops renewing it), then looks at the instance (`checkInstance`): one that is busy (a
 * killed worker's job still running there, someone on its web UI) is given back quietly and left
 * for later, so no instance ever gets a second job while one runs; one that does not answer is
 * skipped for 1 s, doubling up to `maxDownMs`, and used again as soon as a look finds it up. An
 * instance this process gave back idle within the last second is not looked at again.
 *
 * One loop per process hands instances to its waiting jobs in order, starting each look at the
 * next instance in turn. It looks again as soon as a hold of the pool is released anywhere
 * (`RateLimiter.onHoldReleased`, Redis pub/sub across processes), and every `retryMs` otherwise.
 * An instance given back idle goes straight to the next job waiting in the same process, up to
 * {@link MAX_HANDOFFS} times in a row before the other processes get their turn at it.
 */
export function createInstancePool(options: InstancePoolOptions): InstancePool {
  if (options.urls.length === 0) throw new Error(`${options.name}: an instance pool needs at least one URL`);
  const perInstance = options.jobsPerInstance ?? 1;
  const retryMs = options.retryMs ?? 1_000;
  const maxDownMs = options.maxDownMs ?? 30_000;
  const settleMs = options.settleMs ?? 15_000;
  const slots: InstanceSlot[] = options.urls.map((url) => ({
    url,
    key: `${options.name}:${createHash('sha256').update(url).digest('hex').slice(0, 16)}`,
    downUntil: 0,
    failures: 0,
    idleAt: 0,
    handoffs: 0,
    graceUntil: 0,
  }));
  const waiters: Waiter[] = [];
  let turn = 0;
  let isLooking = false;
  /** Something was released while a look ran: look again before sleeping. */
  let shouldLookAgain = false;
  let wakeSleeper: (() => void) | undefined;
  let isListening = false;

  const nudge = () => {
    shouldLookAgain = true;
    wakeSleeper?.();
  };
  const listen = () => {
    if (isListening) return;
    isListening = true;
    const limiter = options.limiter();
    for (const slot of slots) limiter.onHoldReleased(slot.key, nudge);
  };

  const markDown = (slot: InstanceSlot) => {
    slot.failures += 1;
    slot.downUntil = Date.now() + Math.min(maxDownMs, FIRST_DOWN_MS * 2 ** (slot.failures - 1));
  };

  const held = (slot: InstanceSlot, hold: SlotHold): HeldInstance => {
    let isReleased = false;
    const release = async (isIdle: boolean) => {
      if (isReleased) return;
      isReleased = true;
      if (isIdle) slot.idleAt = Date.now();
      // Known idle and a job of this process waiting: it gets the instance on the same hold, with no round trip.
      if (isIdle && slot.handoffs < MAX_HANDOFFS) {
        const waiter = waiters.shift();
        if (waiter) {
          slot.handoffs += 1;
          waiter.resolve(held(slot, hold));
          return;
        }
      }
      slot.handoffs = 0;
      if (waiters.length > 0) {
        // Our own waiters look again only after the other processes had their chance at it.
        slot.graceUntil = Date.now() + GRACE_MS;
        setTimeout(nudge, GRACE_MS);
      }
      await hold.release();
    };
    return {
      url: slot.url,
      release,
      markDown: () => markDown(slot),
      async releaseWhenIdle() {
        let isIdle = false;
        const until = Date.now() + settleMs;
        try {
          for (;;) {
            const state = await options.checkInstance(slot.url);
            isIdle = state === 'idle';
            if (state !== 'busy' || Date.now() >= until) break;
            await new Promise((resolve) => setTimeout(resolve, SETTLE_POLL_MS));
          }
        } catch {
          // The next job's look finds out what became of it.
        }
        await release(isIdle).catch(() => undefined);
      },
    };
  };

  /** Takes `slot`'s hold and looks at the instance: held and idle, or undefined. */
  const tryTake = async (slot: InstanceSlot): Promise<HeldInstance | undefined> => {
    const hold = await options.limiter().tryHold(slot.key, perInstance);
    if (!hold) return undefined;
    slot.handoffs = 0;
    if (Date.now() - slot.idleAt < RECENTLY_IDLE_MS) return held(slot, hold);
    let state: InstanceState;
    try {
      state = await options.checkInstance(slot.url);
    } catch (error) {
      await hold.release(false).catch(() => undefined);
      throw error;
    }
    if (state !== 'idle') {
      if (state === 'down') markDown(slot);
      await hold.release(false).catch(() => undefined);
      return undefined;
    }
    slot.failures = 0;
    slot.downUntil = 0;
    return held(slot, hold);
  };

  /** One look over the instances that are not down, from the next in turn. */
  const lookOnce = async (): Promise<HeldInstance | undefined> => {
    const now = Date.now();
    const start = turn++ % slots.length;
    const order = [...slots.slice(start), ...slots.slice(0, start)].filter(
      (slot) => slot.downUntil <= now && slot.graceUntil <= now,
    );
    for (const slot of order) {
      const taken = await tryTake(slot);
      if (taken) return taken;
    }
    return undefined;
  };

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        wakeSleeper = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      wakeSleeper = done;
    });

  /** Serves the waiting jobs of this process until none is left. */
  const serve = async () => {
    if (isLooking) return;
    isLooking = true;
    try {
      while (waiters.length > 0) {
        shouldLookAgain = false;
        let taken: HeldInstance | undefined;
        try {
          taken = await lookOnce();
        } catch (error) {
          waiters.shift()?.reject(error);
          continue;
        }
        if (taken) {
          const waiter = waiters.shift();
          if (waiter) waiter.resolve(taken);
          else await taken.release(false).catch(() => undefined);
          continue;
        }
        if (slots.every((slot) => slot.downUntil > Date.now())) {
          for (const waiter of waiters.splice(0)) waiter.reject(new NoHealthyInstanceError(options.name));
          break;
        }
        if (!shouldLookAgain) await sleep(retryMs * (0.5 + Math.random()));
      }
    } finally {
      isLooking = false;
    }
  };

  return {
    acquire(signal) {
      if (signal?.aborted) return Promise.reject(signal.reason);
      listen();
      return new Promise<HeldInstance>((resolve, reject) => {
        const onAbort = () => {
          const index = waiters.indexOf(waiter);
          if (index < 0) return;
          waiters.splice(index, 1);
          reject(signal?.reason);
        };
        const waiter: Waiter = {
          resolve: (instance) => {
            signal?.removeEventListener('abort', onAbort);
            resolve(instance);
          },
          reject: (error) => {
            signal?.removeEventListener('abort', onAbort);
            reject(error);
          },
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        waiters.push(waiter);
        nudge();
        void serve();
      });
    },
    async holdIfFree(url) {
      const slot = slots.find((candidate) => candidate.url === url);
      if (!slot) throw new Error(`${options.name}: ${url} is not an instance of the pool`);
      const hold = await options.limiter().tryHold(slot.key, perInstance);
      if (!hold) return undefined;
      slot.handoffs = 0;
      return held(slot, hold);
    },
    markDown(url) {
      const slot = slots.find((candidate) => candidate.url === url);
      if (slot) markDown(slot);
    },
  };
}
