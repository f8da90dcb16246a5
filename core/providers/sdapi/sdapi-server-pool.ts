import { createHash } from 'node:crypto';
import type { SdApiServer } from '#core/config/load-config';
import type { RateLimiter, SlotHold } from '#core/infra/rate-limit/rate-limiter';
import { abortedProviderError } from '#core/providers/map-provider-error';
import { ProviderError } from '#core/providers/provider-error';
import { callSdApi } from '#core/providers/sdapi/call-sdapi';

/** What `GET /sdapi/v1/progress` answers (A1111 `models.ProgressResponse`). */
export type SdApiProgress = {
  progress: number;
  eta_relative: number;
  state: { job_count: number; interrupted?: boolean; sampling_step?: number; sampling_steps?: number };
  current_image: string | null;
};

/** A server of the pool, held by one job until `release`. */
export type HeldServer = {
  server: SdApiServer;
  /**
   * Call when the server is done with the job (after an interrupt: once it is idle again);
   * `isIdle` when it answered and is known to be idle, so this process's next job skips the check.
   */
  release(isIdle: boolean): Promise<void>;
  /** Call when the server failed to answer: it is skipped until a health check passes. */
  markDown(): void;
};

/** Options of {@link createSdApiServerPool}. */
export type SdApiServerPoolOptions = {
  provider: string;
  servers: readonly SdApiServer[];
  /** The deployment's limiter: its holds keep one job per server across every worker process. */
  limiter: () => RateLimiter;
  /** Time-out of a health check. Default 3 s. */
  checkTimeoutMs?: number;
  /** Pause between two looks for a free server, jittered by ±50%; a server this process gives back wakes its waiters at once. Default 25 ms. */
  retryMs?: number;
  /** Longest time a failed server is skipped before it is checked again (doubling from 1 s). Default 30 s. */
  maxDownMs?: number;
};

/** The servers of SDAPI_URLS, each taking one job at a time across the deployment. */
export type SdApiServerPool = {
  /**
   * Waits for a free, healthy server and holds it; bounded by `signal` (the job's deadline).
   * Throws a `transient` `ProviderError` when every server is down, so routing can fail over.
   */
  acquire(signal: AbortSignal | undefined): Promise<HeldServer>;
  /** Reads a server's progress; `undefined` when it does not answer. */
  readProgress(server: SdApiServer, signal?: AbortSignal): Promise<SdApiProgress | undefined>;
};

type ServerState = {
  server: SdApiServer;
  /** The hold's key: the same in every process for the same server. */
  key: string;
  downUntil: number;
  failures: number;
  /** When this process last gave the server back after a job that ended normally: it was idle then. */
  idleAt: number;
};

const FIRST_DOWN_MS = 1_000;
/** A server this process gave back idle this recently needs no check before its next job. */
const RECENTLY_IDLE_MS = 1_000;

/**
 * The instance pool. Each server takes one job at a time, across every worker process: a job
 * takes the server's hold (`RateLimiter.tryHold`, capacity 1, a Redis lease renewed while held
 * that lapses soon after a killed worker stops renewing it), then checks it with
 * `GET /sdapi/v1/progress`: a server that does not answer is marked down (one that refuses the
 * credentials fails the call as `auth`), and one still busy
 * (`state.job_count > 0`: a job of a killed worker still finishing, or someone on its web UI) is
 * left for later, so no server ever gets a second job while one runs. Jobs spread over the free
 * servers, each process starting its look at the next server in turn. A down server is skipped
 * for 1 s, doubling up to `maxDownMs` while its checks fail, and is used again as soon as one
 * passes. When every server is held a job looks again every `retryMs`, or at once when this
 * process gives one back; a server this process gave back idle within the last second is not
 * checked again (nobody can have sent it a job since without its hold).
 */
export function createSdApiServerPool(options: SdApiServerPoolOptions): SdApiServerPool {
  const { provider } = options;
  const checkTimeoutMs = options.checkTimeoutMs ?? 3_000;
  const retryMs = options.retryMs ?? 25;
  const maxDownMs = options.maxDownMs ?? 30_000;
  const states: ServerState[] = options.servers.map((server) => ({
    server,
    key: `sdapi:${createHash('sha256').update(server.baseUrl).digest('hex').slice(0, 16)}`,
    downUntil: 0,
    failures: 0,
    idleAt: 0,
  }));
  let turn = 0;
  /** Jobs of this process waiting for a server: woken when one is given back here. */
  const waiters = new Set<() => void>();
  const wakeWaiters = () => {
    for (const wake of [...waiters]) wake();
  };

  const markDown = (state: ServerState) => {
    state.failures += 1;
    state.downUntil = Date.now() + Math.min(maxDownMs, FIRST_DOWN_MS * 2 ** (state.failures - 1));
  };
  const checkServer = (server: SdApiServer, signal?: AbortSignal) =>
    callSdApi<SdApiProgress>(provider, server, '/sdapi/v1/progress?skip_current_image=true', {
      method: 'GET',
      signal,
      timeoutMs: checkTimeoutMs,
    });
  const readProgress = (server: SdApiServer, signal?: AbortSignal) =>
    checkServer(server, signal).catch(() => undefined);

  /** Takes `state`'s hold and checks the server: held and idle, or undefined. */
  const tryTake = async (state: ServerState, signal: AbortSignal | undefined): Promise<HeldServer | undefined> => {
    const hold: SlotHold | undefined = await options.limiter().tryHold(state.key, 1);
    if (!hold) return undefined;
    const release = async (isIdle: boolean) => {
      if (isIdle) state.idleAt = Date.now();
      await hold.release();
      wakeWaiters();
    };
    // Given back idle by this process just now: nobody can have sent it a job since without the hold.
    if (Date.now() - state.idleAt < RECENTLY_IDLE_MS) {
      return { server: state.server, release, markDown: () => markDown(state) };
    }
    let progress: SdApiProgress | undefined;
    try {
      progress = await checkServer(state.server, signal);
    } catch (error) {
      // Wrong credentials are no outage: the operator must hear of them (routing logs `auth` and moves on).
      if (error instanceof ProviderError && error.kind === 'auth') {
        await hold.release();
        throw error;
      }
    }
    if (!progress || (progress.state?.job_count ?? 0) > 0) {
      if (!progress && !signal?.aborted) markDown(state);
      await hold.release();
      return undefined;
    }
    state.failures = 0;
    state.downUntil = 0;
    return { server: state.server, release, markDown: () => markDown(state) };
  };

  return {
    readProgress,
    async acquire(signal) {
      for (;;) {
        if (signal?.aborted) throw abortedProviderError(provider, signal, signal.reason);
        const now = Date.now();
        const start = turn++ % states.length;
        const order = [...states.slice(start), ...states.slice(0, start)].filter((state) => state.downUntil <= now);
        for (const state of order) {
          const held = await tryTake(state, signal);
          if (held) return held;
        }
        if (states.every((state) => state.downUntil > Date.now())) {
          throw new ProviderError(provider, 'transient', `${provider}: no Stable Diffusion server answers`, {
            reason: 'network',
          });
        }
        await new Promise<void>((resolve) => {
          const wake = () => {
            waiters.delete(wake);
            clearTimeout(timer);
            signal?.removeEventListener('abort', wake);
            resolve();
          };
          const timer = setTimeout(wake, retryMs * (0.5 + Math.random()));
          signal?.addEventListener('abort', wake, { once: true });
          waiters.add(wake);
        });
      }
    },
  };
}
