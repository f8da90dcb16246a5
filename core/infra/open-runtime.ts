import fs from 'node:fs/promises';
import path from 'node:path';
import type { AppConfig } from '#core/config/load-config';
import type { CoreDeps } from '#core/core-deps';
import { CATALOG } from '#core/catalog/catalog';
import { systemClock } from '#core/infra/clock';
import { createDatabase, type Database } from '#core/infra/db/create-database';
import { createLogger, type Logger } from '#core/infra/logger';
import { createJobQueue, type CreateJobQueueOptions } from '#core/infra/queue/create-job-queue';
import type { RateLimiter } from '#core/infra/rate-limit/rate-limiter';
import type { Clock } from '#core/infra/clock';
import type { NotifierRegistry } from '#core/chat/notifier';
import type { PromptModerator } from '#core/moderation/prompt-moderator';
import type { ProviderRegistry } from '#core/providers/route-model';
import { createRedisChatHold } from '#core/infra/chat-hold/redis-chat-hold';
import { createRateLimiter } from '#core/infra/rate-limit/bottleneck-rate-limiter';
import { createMediaStore } from '#core/infra/media/create-media-store';
import { createMailer } from '#core/infra/mail/create-mailer';
import { closeRedisConnection, createRedisConnection } from '#core/infra/redis';
import { buildLimits } from '#core/infra/build-limits';
import { compileModerationRules } from '#core/moderation/compile-moderation-rules';
import {
  DEFAULT_MODERATION_RULES,
  mergeModerationRules,
  ModerationRulesOverrideSchema,
} from '#core/moderation/moderation-rules';
import { createPromptModerator } from '#core/moderation/create-prompt-moderator';
import { createLazyModerator } from '#core/moderation/create-lazy-moderator';
import { createDemoImageProvider } from '#core/providers/demo/demo-image-provider';
import { createDemoVideoProvider } from '#core/providers/demo/demo-video-provider';
import { createProviderRegistry } from '#core/providers/create-provider-registry';
import { createMemoryProviderCoolDown, createRedisProviderCoolDown } from '#core/providers/provider-cool-down';
import { createProviderResilience } from '#core/providers/provider-resilience';
import { seedTemplates } from '#core/templates/seed-templates';
import { createMetrics, type Metrics } from '#core/metrics/create-metrics';

/** An opened process: its core dependencies and how to close everything in order. */
export type Runtime = { deps: CoreDeps; metrics: Metrics; close(): Promise<void> };

/** Key prefix of everything this product keeps in Redis. */
export const REDIS_PREFIX = 'imagine';

/**
 * What a caller puts in place of what {@link buildCoreDeps} would build from the configuration:
 * the tests and the benchmarks (their own database, Redis key prefix, providers, clock or notifiers).
 */
export type CoreDepsOverrides = {
  /** Default: a logger at LOG_LEVEL. */
  logger?: Logger;
  /** Prefix of every Redis key (queue, limits, leases, held requests, cool-downs); default {@link REDIS_PREFIX}. */
  redisPrefix?: string;
  /** A database the caller opened and migrated, closed with the rest; default: the configured one, migrated as configured. */
  database?: Pick<Database, 'prisma' | 'close'>;
  /** PostgreSQL connections of this process when the database is opened here (default 10). */
  poolSize?: number;
  /** Builds the providers; `limiter` reads this process's rate limiter once it exists. Default: from the configuration. */
  providers?: (limiter: () => RateLimiter) => ProviderRegistry;
  /** BullMQ stalled-job recovery, short in tests so a killed worker's job comes back quickly. */
  queue?: Pick<CreateJobQueueOptions, 'stalledIntervalMs' | 'lockDurationMs'>;
  clock?: Clock;
  moderator?: PromptModerator;
  /** The notifiers known at start; bots register theirs later (`Core.registerNotifier`). */
  notifiers?: NotifierRegistry;
};

/**
 * Opens every client the configuration asks for: the database (migrated first in embedded
 * mode, or when AUTO_MIGRATE is on), the queue and limits (Redis or in-process), the media store
 * (DATA_DIR, or the bucket of S3_BUCKET), the outbox under DATA_DIR, the providers (the demo one
 * when no key is set) and moderation; `overrides` replace single parts.
 * The one place that builds clients: the entry point, the tests and the benchmarks all build here.
 */
export async function buildCoreDeps(config: AppConfig, overrides: CoreDepsOverrides = {}): Promise<Runtime> {
  const logger = overrides.logger ?? createLogger({ level: config.logLevel });
  const prefix = overrides.redisPrefix ?? REDIS_PREFIX;
  // First: a media store without credentials is a configuration error, reported before anything opens.
  const media = await createMediaStore(config.media);
  const database =
    overrides.database ??
    (await openMigratedDatabase(config, logger, overrides.poolSize).catch((error: unknown) => {
      media.close();
      throw error;
    }));
  await seedTemplates(database.prisma);

  const providers = overrides.providers
    ? overrides.providers(() => limiter)
    : createProviderRegistry(config, {
        demoImage: createDemoImageProvider({ latencyMs: config.providers.demoLatencyMs }),
        demoVideo: createDemoVideoProvider(),
        limiter: () => limiter,
      });
  const queue = createJobQueue({
    redisUrl: config.redisUrl,
    prefix,
    queueName: 'generations',
    logger: logger.child({ component: 'queue' }),
    ...overrides.queue,
  });
  const limiter = createRateLimiter({
    limits: buildLimits(config, providers),
    redisUrl: config.redisUrl,
    keyPrefix: `${prefix}:rl:`,
    logger: logger.child({ component: 'limits' }),
  });
  const redis = config.redisUrl ? createRedisConnection(config.redisUrl, { role: 'health' }) : undefined;
  // Its own connection that gives up on a command quickly: a Redis outage must not stall a job's provider loop.
  const coolDownRedis = config.redisUrl
    ? createRedisConnection(config.redisUrl, { role: 'provider-cool-down', maxRetriesPerRequest: 1 })
    : undefined;
  const providerResilience = createProviderResilience({
    settings: config.providerRetry,
    coolDown: coolDownRedis
      ? createRedisProviderCoolDown({
          redis: coolDownRedis,
          keyPrefix: `${prefix}:provider-cool-down:`,
          logger: logger.child({ component: 'provider-cool-down' }),
        })
      : createMemoryProviderCoolDown(),
  });
  const mailer = createMailer({
    smtpUrl: config.mail.smtpUrl,
    from: config.mail.from,
    outboxDir: path.join(config.dataDir, 'outbox'),
    logger: logger.child({ component: 'mail' }),
  });
  const moderator = overrides.moderator ?? (await buildModerator(config, logger.child({ component: 'moderation' })));

  const metrics = createMetrics(
    { queue, logger: logger.child({ component: 'metrics' }) },
    { defaultLabels: { roles: config.roles.join('+') } },
  );
  const deps: CoreDeps = {
    config,
    logger,
    prisma: database.prisma,
    queue,
    limiter,
    media: media.store,
    mailer,
    clock: overrides.clock ?? systemClock,
    catalog: CATALOG,
    providers,
    providerResilience,
    moderator,
    notifiers: { ...overrides.notifiers },
    pingRedis: redis ? () => redis.ping() : undefined,
    metrics,
    ...(redis ? { chatHold: createRedisChatHold(redis, prefix) } : {}),
  };
  return {
    deps,
    metrics,
    close: async () => {
      await queue.close(config.shutdownTimeoutMs);
      await limiter.close();
      if (redis) await closeRedisConnection(redis);
      if (coolDownRedis) await closeRedisConnection(coolDownRedis);
      media.close();
      await database.close();
    },
  };
}

/** The configured database, migrated first in embedded mode or when AUTO_MIGRATE is on. */
async function openMigratedDatabase(
  config: AppConfig,
  logger: Logger,
  poolSize: number | undefined,
): Promise<Database> {
  // A fresh embedded database starts from the build's migrated baseline, when there is one for these migrations.
  const database = await createDatabase(config.database, {
    ...(poolSize === undefined ? {} : { poolSize }),
    pgliteBaseline: async () => (await import('#prisma/migrate/index')).readPgliteBaseline(),
  });
  try {
    // The migration toolchain (the schema engine's wasm) is loaded only by a process that migrates.
    if (database.pglite) {
      const { applyMigrations } = await import('#prisma/migrate/index');
      const result = await applyMigrations({ kind: 'pglite', db: database.pglite });
      if (result.applied.length > 0 || result.functions.length > 0) logger.info(result, 'embedded database migrated');
    } else if (config.autoMigrate && config.database.kind === 'postgres') {
      const { applyMigrations } = await import('#prisma/migrate/index');
      const result = await applyMigrations({ kind: 'postgres', url: config.database.url });
      if (result.applied.length > 0 || result.functions.length > 0) logger.info(result, 'database migrated');
    }
  } catch (error) {
    await database.close();
    throw error;
  }
  return database;
}

/**
 * The moderation pipeline of the configuration: the built-in rules compiled on the first check, an
 * operator's rules file (MODERATION_RULES_FILE) at start-up so a bad one stops the start; OpenAI's
 * moderation when OPENAI_API_KEY is set.
 */
async function buildModerator(config: AppConfig, logger: Logger): Promise<PromptModerator> {
  const rules = config.moderationRulesFile
    ? mergeModerationRules(
        DEFAULT_MODERATION_RULES,
        ModerationRulesOverrideSchema.parse(JSON.parse(await fs.readFile(config.moderationRulesFile, 'utf8'))),
      )
    : DEFAULT_MODERATION_RULES;
  // The openai SDK is loaded only when OPENAI_API_KEY is set.
  const openaiConfig = config.providers.openai;
  const openai = openaiConfig
    ? new (await import('openai')).default({
        apiKey: openaiConfig.apiKey,
        baseURL: openaiConfig.baseUrl,
        maxRetries: 1,
      })
    : undefined;
  const build = () =>
    createPromptModerator({ rules: compileModerationRules(rules), openai, mode: config.moderationMode, logger });
  return config.moderationRulesFile ? build() : createLazyModerator(build);
}
