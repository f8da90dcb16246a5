import fs from 'node:fs/promises';
import path from 'node:path';
import OpenAI from 'openai';
import type { AppConfig } from '#core/config/load-config';
import type { CoreDeps } from '#core/core-deps';
import { CATALOG } from '#core/catalog/catalog';
import { systemClock } from '#core/infra/clock';
import { createDatabase } from '#core/infra/db/create-database';
import type { Logger } from '#core/infra/logger';
import { createJobQueue } from '#core/infra/queue/create-job-queue';
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
 * Opens every client the configuration asks for: the database (migrated first in embedded
 * mode, or when AUTO_MIGRATE is on), the queue and limits (Redis or in-process), the media store
 * (DATA_DIR, or the bucket of S3_BUCKET), the outbox under DATA_DIR, the providers (the demo one
 * when no key is set) and moderation.
 * The one place in the product that builds clients.
 */
export async function openRuntime(config: AppConfig, logger: Logger): Promise<Runtime> {
  // First: a media store without credentials is a configuration error, reported before anything opens.
  const media = await createMediaStore(config.media);
  const database = await createDatabase(config.database).catch((error: unknown) => {
    media.close();
    throw error;
  });
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
  await seedTemplates(database.prisma);

  const providers = createProviderRegistry(config, {
    demoImage: createDemoImageProvider({ latencyMs: config.providers.demoLatencyMs }),
    demoVideo: createDemoVideoProvider(),
    limiter: () => limiter,
  });
  const queue = createJobQueue({
    redisUrl: config.redisUrl,
    prefix: REDIS_PREFIX,
    queueName: 'generations',
    logger: logger.child({ component: 'queue' }),
  });
  const limiter = createRateLimiter({
    limits: buildLimits(config, providers),
    redisUrl: config.redisUrl,
    keyPrefix: `${REDIS_PREFIX}:rl:`,
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
          keyPrefix: `${REDIS_PREFIX}:provider-cool-down:`,
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
  const rules = config.moderationRulesFile
    ? mergeModerationRules(
        DEFAULT_MODERATION_RULES,
        ModerationRulesOverrideSchema.parse(JSON.parse(await fs.readFile(config.moderationRulesFile, 'utf8'))),
      )
    : DEFAULT_MODERATION_RULES;
  const openai = config.providers.openai
    ? new OpenAI({ apiKey: config.providers.openai.apiKey, baseURL: config.providers.openai.baseUrl, maxRetries: 1 })
    : undefined;
  const buildModerator = () =>
    createPromptModerator({
      rules: compileModerationRules(rules),
      openai,
      mode: config.moderationMode,
      logger: logger.child({ component: 'moderation' }),
    });
  // The built-in rules are compiled on the first check; an operator's rules file at start-up, so a bad one stops the start.
  const moderator = config.moderationRulesFile ? buildModerator() : createLazyModerator(buildModerator);

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
    clock: systemClock,
    catalog: CATALOG,
    providers,
    providerResilience,
    moderator,
    notifiers: {},
    pingRedis: redis ? () => redis.ping() : undefined,
    metrics,
    ...(redis ? { chatHold: createRedisChatHold(redis, REDIS_PREFIX) } : {}),
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
