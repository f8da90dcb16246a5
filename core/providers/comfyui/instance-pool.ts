import type { SlotLeases } from '#core/infra/rate-limit/slot-leases';

/**
 * A pool of self-hosted instances of one service (ComfyUI, or any server that runs one job at a
 * time on its GPU), shared by every worker process: each instance runs at most `jobsPerInstance`
 * of our jobs at once, counted by the rate limiter's slot leases (`SlotLeases`: in Redis with
 * Redis, so the count holds across processes, and a dead process's lease lapses after its lease
 * time). Jobs are spread over the healthy instances, starting from a different one each time; an
 * instance marked unhealthy is skipped until its health check answers again.
 */
export interface InstancePool {
  /**
   * Runs `task` on a free healthy instance, holding its lease until the task settles; waits for
   * one while all are busy. Rejects with {@link NoHealthyInstanceError} when none is healthy, and
   * with the signal's reason when `signal` fires first.
   */
  run<T>(task: (url: string) => Promise<T>, signal?: AbortSignal): Promise<T>;
  /**
   * Runs `task` on `url` itself: following a job an earlier attempt left running there (a worker
   * that died). Takes that instance's lease when it is free, so no new job is sent there while
   * ours runs; when it is held, it is the dead attempt's lease (until it lapses) or one of a job
   * already sent there, and the task runs without a second one rather than wait behind it
   * (`hasLease` false: it may follow what runs there, but must not send anything new).
   */
  runOn<T>(url: string, task: (url: string, hasLease: boolean) => Promise<T>, signal?: AbortSignal): Promise<T>;
  /** Takes `url` out of rotation until its health check passes (after a refused connection, a 5xx). */
  markUnhealthy(url: string): void;
}

/** Every instance of the pool failed its health check. */
export class NoHealthyInstanceError extends Error {
  constructor(readonly pool: string) {
    super(`${pool}: no instance is healthy`);
    this.name = 'NoHealthyInstanceError';
  }
}

/** Options of {@link createInstancePool}. */
export type InstancePoolOptions = {
  /** Names the leases: `instance:<name>:<url>`. */
  name: string;
  urls: readonly string[];
  leases: SlotLeases;
  /** Answers whether an instance serves requests (e.g. `GET /system_stats` is 200). Must not throw. */
  checkHealth(url: string): Promise<boolean>;
  /** Default 1: a GPU server runs one prompt at a time, more only queue there. */
  jobsPerInstance?: number;
  /** Pause between two looks for a free instance, jittered ±50%; default 250 ms. */
  retryMs?: number;
  /** How long an unhealthy instance is skipped before it is checked again; default 5 s. */
  recheckMs?: number;
};

/** Builds an {@link InstancePool}. Health is known per process; leases are shared. */
export function createInstancePool(options: InstancePoolOptions): InstancePool {
  const retryMs = options.retryMs ?? 250;
  const recheckMs = options.recheckMs ?? 5_000;
  const perInstance = options.jobsPerInstance ?? 1;
  /** Unhealthy instances and when they may be checked again. */
  const unhealthy = new Map<string, number>();
  let turn = 0;

  /** The instances to try now, in this turn's order: healthy ones, and unhealthy ones whose check just passed. */
  async function healthyInOrder(): Promise<string[]> {
    const start = turn++ % options.urls.length;
    const ordered = [...options.urls.slice(start), ...options.urls.slice(0, start)];
    const now = Date.now();
    const due = ordered.filter((url) => (unhealthy.get(url) ?? 0) > 0 && (unhealthy.get(url) ?? 0) <= now);
    await Promise.all(
      due.map(async (url) => {
        if (await options.checkHealth(url)) unhealthy.delete(url);
        else unhealthy.set(url, Date.now() + recheckMs);
      }),
    );
    return ordered.filter((url) => !unhealthy.has(url));
  }

  return {
    async run(task, signal) {
      for (;;) {
        signal?.throwIfAborted();
        const healthy = await healthyInOrder();
        if (healthy.length === 0) throw new NoHealthyInstanceError(options.name);
        for (const url of healthy) {
          const lease = await options.leases.tryAcquire(`instance:${options.name}:${url}`, perInstance);
          if (!lease) continue;
          try {
            signal?.throwIfAborted();
            return await task(url);
          } finally {
            await lease.release();
          }
        }
        await pause(retryMs * (0.5 + Math.random()), signal);
      }
    },
    async runOn(url, task, signal) {
      signal?.throwIfAborted();
      const lease = await options.leases.tryAcquire(`instance:${options.name}:${url}`, perInstance);
      try {
        return await task(url, lease !== undefined);
      } finally {
        await lease?.release();
      }
    },
    markUnhealthy(url) {
      unhealthy.set(url, Date.now() + recheckMs);
    },
  };
}

function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
