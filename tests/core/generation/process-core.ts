import path from 'node:path';
import { createCore, createLogger, loadConfig, type AppConfig, type Core, type CoreDeps, type Notifier } from '#core';
import { CATALOG } from '#core/catalog/catalog';
import type { Clock } from '#core/infra/clock';
import { systemClock } from '#core/infra/clock';
import { createDatabase } from '#core/infra/db/create-database';
import { buildLimits } from '#core/infra/build-limits';
import { createJobQueue } from '#core/infra/queue/create-job-queue';
import { createRedisChatHold } from '#core/infra/chat-hold/redis-chat-hold';
import { closeRedisConnection, createRedisConnection } from '#core/infra/redis';
import { createRateLimiter } from '#core/infra/rate-limit/bottleneck-rate-limiter';
import { createMediaStore } from '#core/infra/media/create-media-store';
import { createMailer } from '#core/infra/mail/create-mailer';
import { compileModerationRules } from '#core/moderation/compile-moderation-rules';
import { DEFAULT_MODERATION_RULES } from '#core/moderation/moderation-rules';
import { createPromptModerator } from '#core/moderation/create-prompt-moderator';
import { createDemoImageProvider } from '#core/providers/demo/demo-image-provider';
import { createDemoVideoProvider } from '#core/providers/demo/demo-video-provider';
import type { RateLimiter } from '#core/infra/rate-limit/rate-limiter';
import { createProviderRegistry } from '#core/providers/create-provider-registry';
import type { ProviderRegistry } from '#core/providers/route-model';
import { createMemoryProviderCoolDown } from '#core/providers/provider-cool-down';
import { createProviderResilience } from '#core/providers/provider-resilience';

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
  /** The providers; default as the product builds them from the config (the demo ones with no keys). */
  /** Builds the providers; `limiter` reads this process's rate limiter once it exists (SDAPI_URLS needs it). */
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
 * Opens a core the way `openRuntime` does in production (PostgreSQL, BullMQ and clustered
 * Bottleneck limits on Redis, media as configured (local, or S3 with S3_BUCKET in `env`), local moderation, providers from the config), except
 * that the Redis key prefix is the caller's, so several processes of one test (or of the bench)
 * share a queue and limits that nothing else sees. The database must already be migrated.
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
  const logger = createLogger({ level: config.logLevel, name: `process-${process.pid}` });
  const database = await createDatabase(config.database, { poolSize: options.poolSize ?? 10 });
  const providers = options.providers
    ? options.providers(config, () => limiter)
    : createProviderRegistry(config, {
        demoImage: createDemoImageProvider({ latencyMs: config.providers.demoLatencyMs }),
        demoVideo: createDemoVideoProvider(),
        limiter: () => limiter,
      });
  const queue = createJobQueue({
    redisUrl: config.redisUrl,
    prefix: options.prefix,
    queueName: 'generations',
    logger,
    ...(options.stalledIntervalMs === undefined ? {} : { stalledIntervalMs: options.stalledIntervalMs }),
    ...(options.lockDurationMs === undefined ? {} : { lockDurationMs: options.lockDurationMs }),
  });
  const limiter = createRateLimiter({
    limits: buildLimits(config, providers),
    redisUrl: config.redisUrl,
    keyPrefix: `${options.prefix}:rl:`,
    logger,
  });
  const media = await createMediaStore(config.media);
  const holdRedis = createRedisConnection(TEST_REDIS_URL, { role: 'test-chat-hold' });
  const deps: CoreDeps = {
    config,
    logger,
    prisma: database.prisma,
    queue,
    limiter,
    media: media.store,
    mailer: createMailer({
      smtpUrl: undefined,
      from: config.mail.from,
      outboxDir: path.join(config.dataDir, 'outbox'),
      logger,
    }),
    clock: options.clock ?? systemClock,
    catalog: CATALOG,
    providers,
    providerResilience: createProviderResilience({
      settings: config.providerRetry,
      coolDown: createMemoryProviderCoolDown(),
    }),
    moderator: createPromptModerator({
      rules: compileModerationRules(DEFAULT_MODERATION_RULES),
      openai: undefined,
      mode: 'local-only',
      logger,
    }),
    notifiers: { telegram: options.notifier, discord: options.notifier },
    pingRedis: undefined,
    chatHold: createRedisChatHold(holdRedis, options.prefix),
  };
  return {
    core: createCore(deps),
    deps,
    config,
    close: async () => {
      await queue.close(config.shutdownTimeoutMs);
      await limiter.close();
      media.close();
      await closeRedisConnection(holdRedis);
      await database.close();
    },
  };
}
