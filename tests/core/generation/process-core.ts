import {
  buildCoreDeps,
  createCore,
  createLogger,
  loadConfig,
  type AppConfig,
  type Core,
  type CoreDeps,
  type Notifier,
} from '#core';
import type { Clock } from '#core/infra/clock';
import type { RateLimiter } from '#core/infra/rate-limit/rate-limiter';
import type { ProviderRegistry } from '#core/providers/route-model';

/** The Redis the generation tests and the bench use; each run isolates itself under a key prefix. */
export const TEST_REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** What {@link openProcessCore} needs. */
export type ProcessCoreOptions = {
  /** A migrated PostgreSQL database shared by every process of the test. */
  databaseUrl: string;
  /** Key prefix of the queue (`<prefix>:generations:…`) and the limits (`<prefix>:rl:…`); equal in every process. */
  prefix: string;
  /** DATA_DIR, shared so a file stored by one process is read by another. */
  dataDir: string;
  /** Extra environment, e.g. `PROVIDER_LIMITS` or `DEMO_PROVIDER_LATENCY_MS`. */
  env?: Record<string, string>;
  /** Builds the providers (default: from the config, the demo ones with no keys); `limiter` reads this process's rate limiter once it exists (SDAPI_URLS needs it). */
  providers?: (config: AppConfig, limiter: () => RateLimiter) => ProviderRegistry;
  notifier: Notifier;
  clock?: Clock;
  /** BullMQ stalled-job recovery, short in tests so a killed worker's job comes back quickly. */
  stalledIntervalMs?: number;
  lockDurationMs?: number;
  /** PostgreSQL connections of this process (the product's default is 10). */
  poolSize?: number;
};

/** A core of one process, and how to close it. */
export type ProcessCore = { core: Core; deps: CoreDeps; config: AppConfig; close(): Promise<void> };

/**
 * Opens a core with the entry point's `buildCoreDeps` (PostgreSQL, BullMQ, clustered limits,
 * held requests and provider cool-downs on Redis, media as configured (local, or S3 with S3_BUCKET
 * in `env`), local moderation, providers from the config), except that the Redis key prefix is the
 * caller's, so several processes of one test (or of the bench) share a queue and limits that
 * nothing else sees. The database must already be migrated.
 */
export async function openProcessCore(options: ProcessCoreOptions): Promise<ProcessCore> {
  const config = loadConfig({
    DATABASE_URL: options.databaseUrl,
    REDIS_URL: TEST_REDIS_URL,
    DATA_DIR: options.dataDir,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    PUBLIC_URL: 'http://127.0.0.1:3999',
    MODERATION_MODE: 'local-only',
    AUTO_MIGRATE: 'false',
    SHUTDOWN_TIMEOUT_SECONDS: '5',
    ...options.env,
  });
  const { providers } = options;
  const runtime = await buildCoreDeps(config, {
    logger: createLogger({ level: config.logLevel, name: `process-${process.pid}` }),
    redisPrefix: options.prefix,
    poolSize: options.poolSize ?? 10,
    ...(providers ? { providers: (limiter: () => RateLimiter) => providers(config, limiter) } : {}),
    queue: {
      ...(options.stalledIntervalMs === undefined ? {} : { stalledIntervalMs: options.stalledIntervalMs }),
      ...(options.lockDurationMs === undefined ? {} : { lockDurationMs: options.lockDurationMs }),
    },
    ...(options.clock ? { clock: options.clock } : {}),
    notifiers: { telegram: options.notifier, discord: options.notifier },
  });
  return { core: createCore(runtime.deps), deps: runtime.deps, config, close: runtime.close };
}
