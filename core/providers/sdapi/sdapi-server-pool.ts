import type { SdApiServer } from '#core/config/load-config';
import type { RateLimiter } from '#core/infra/rate-limit/rate-limiter';
import { createInstancePool, type HeldInstance, NoHealthyInstanceError } from '#core/providers/instance-pool';
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

/** A server of the pool, held by one job until released (see `HeldInstance`). */
export type HeldServer = Omit<HeldInstance, 'url'> & { server: SdApiServer };

/** Options of {@link createSdApiServerPool}. */
export type SdApiServerPoolOptions = {
  provider: string;
  servers: readonly SdApiServer[];
  /** The deployment's limiter: its holds keep one job per server across every worker process. */
  limiter: () => RateLimiter;
  /** Time-out of a health check. Default 3 s. */
  checkTimeoutMs?: number;
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

/**
 * The SD servers as an instance pool (`createInstancePool`: one job per server across every
 * worker, a freed server handed to a waiting job at once). A server is looked at with
 * `GET /sdapi/v1/progress`: one that does not answer is down, one that refuses the credentials
 * fails the call as `auth`, and one still busy (`state.job_count > 0`) is left for later.
 */
export function createSdApiServerPool(options: SdApiServerPoolOptions): SdApiServerPool {
  const { provider } = options;
  const checkTimeoutMs = options.checkTimeoutMs ?? 3_000;
  const byUrl = new Map(options.servers.map((server) => [server.baseUrl, server]));
  const checkServer = (server: SdApiServer, signal?: AbortSignal) =>
    callSdApi<SdApiProgress>(provider, server, '/sdapi/v1/progress?skip_current_image=true', {
      method: 'GET',
      signal,
      timeoutMs: checkTimeoutMs,
    });
  const pool = createInstancePool({
    name: provider,
    urls: [...byUrl.keys()],
    limiter: options.limiter,
    ...(options.maxDownMs === undefined ? {} : { maxDownMs: options.maxDownMs }),
    async checkInstance(url) {
      const server = byUrl.get(url);
      if (!server) return 'down';
      try {
        const progress = await checkServer(server);
        return (progress.state?.job_count ?? 0) > 0 ? 'busy' : 'idle';
      } catch (error) {
        // Wrong credentials are no outage: the operator must hear of them (routing logs `auth` and moves on).
        if (error instanceof ProviderError && error.kind === 'auth') throw error;
        return 'down';
      }
    },
  });
  return {
    readProgress: (server, signal) => checkServer(server, signal).catch(() => undefined),
    async acquire(signal) {
      try {
        const { url, ...held } = await pool.acquire(signal);
        return { ...held, server: byUrl.get(url) as SdApiServer };
      } catch (error) {
        if (signal?.aborted) throw abortedProviderError(provider, signal, signal.reason);
        if (error instanceof NoHealthyInstanceError) {
          throw new ProviderError(provider, 'transient', `${provider}: no Stable Diffusion server answers`, {
            cause: error,
            reason: 'network',
          });
        }
        throw error;
      }
    },
  };
}
