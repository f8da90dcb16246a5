import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createCore, createLogger, loadConfig, type AppConfig, type Core, type CoreDeps } from '#core';
import { CATALOG } from '#core/catalog/catalog';
import { createInProcessQueue } from '#core/infra/queue/in-process-queue';
import { createBullmqQueue } from '#core/infra/queue/bullmq-queue';
import { createRateLimiter } from '#core/infra/rate-limit/bottleneck-rate-limiter';
import { createMediaStore } from '#core/infra/media/create-media-store';
import { createMailer } from '#core/infra/mail/create-mailer';
import { buildLimits } from '#core/infra/build-limits';
import { compileModerationRules } from '#core/moderation/compile-moderation-rules';
import { DEFAULT_MODERATION_RULES } from '#core/moderation/moderation-rules';
import { createPromptModerator } from '#core/moderation/create-prompt-moderator';
import type { PromptModerator } from '#core/moderation/prompt-moderator';
import type { ImageProvider, VideoProvider } from '#core/providers/ports';
import { createDemoImageProvider } from '#core/providers/demo/demo-image-provider';
import { createDemoVideoProvider } from '#core/providers/demo/demo-video-provider';
import type { ProviderRegistry } from '#core/providers/route-model';
import { createProviderRegistry } from '#core/providers/create-provider-registry';
import { createMemoryProviderCoolDown } from '#core/providers/provider-cool-down';
import { createProviderResilience } from '#core/providers/provider-resilience';
import { seedTemplates } from '#core/templates/seed-templates';
import { modelsOfProviders } from '#tests/support/models-of-providers';
import { createTestDatabase, type TestDatabase } from '#tests/support/test-database';
import { RecordingNotifier } from '#tests/support/recording-notifier';
import { TestClock } from '#tests/support/test-clock';

/** A whole core on a database of its own, with a recording notifier and a hand-moved clock. */
export type TestCore = {
  core: Core;
  deps: CoreDeps;
  database: TestDatabase;
  notifier: RecordingNotifier;
  clock: TestClock;
  dataDir: string;
  close(): Promise<void>;
};

/**
 * Builds a core the way the entry point does, but on a fresh test database (PostgreSQL by
 * default, PGlite on request), an in-process queue (or BullMQ with a key prefix of its own),
 * local limits, a temp DATA_DIR and the demo providers unless others are given.
 */
export async function createTestCore(
  options: {
    database?: 'postgres' | 'pglite';
    queue?: 'in-process' | 'bullmq';
    env?: Record<string, string>;
    providers?: ProviderRegistry;
    startWorker?: boolean;
    /** Another moderation pipeline (e.g. with OpenAI's moderation on a fake); default: local rules only. */
    moderator?: PromptModerator;
  } = {},
): Promise<TestCore> {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'imagine-test-'));
  const loaded: AppConfig = loadConfig({
    DATA_DIR: dataDir,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    PUBLIC_URL: 'http://127.0.0.1:3999',
    ...options.env,
  });
  // A test's own providers (a failing one, a recorder) offer models the models file cannot name.
  const config: AppConfig =
    options.providers && !options.env?.MODELS_FILE && !isCoveredByModels(loaded, options.providers)
      ? { ...loaded, models: modelsOfProviders(options.providers) }
      : loaded;
  const logger = createLogger({ level: config.logLevel, name: 'test' });
  const database = await createTestDatabase(options.database ?? 'postgres');
  await seedTemplates(database.prisma);
  const demos = { image: [createDemoImageProvider()], video: [createDemoVideoProvider()] };
  // With SDAPI_URLS or COMFYUI_URLS in `env`, the registry is built as in production: the instances first, on this core's limiter.
  const providers =
    options.providers ??
    (config.providers.sdapi || config.providers.comfyui
      ? createProviderRegistry(config, {
          demoImage: demos.image[0] as ImageProvider,
          demoVideo: demos.video[0] as VideoProvider,
          limiter: () => limiter,
        })
      : demos);
  const prefix = `test:${randomBytes(4).toString('hex')}`;
  const queue =
    options.queue === 'bullmq'
      ? createBullmqQueue({
          redisUrl: 'redis://127.0.0.1:6379',
          prefix,
          queueName: 'generations',
          logger,
          stalledIntervalMs: 1_000,
          lockDurationMs: 2_000,
        })
      : createInProcessQueue({ logger });
  const names = [...providers.image, ...providers.video].map((provider) => provider.name);
  const limiter = createRateLimiter({
    limits: buildLimits(config, names),
    redisUrl: options.queue === 'bullmq' ? 'redis://127.0.0.1:6379' : undefined,
    keyPrefix: `${prefix}:rl:`,
    logger,
  });
  const notifier = new RecordingNotifier();
  const clock = new TestClock();
  const media = await createMediaStore(config.media);
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
      outboxDir: path.join(dataDir, 'outbox'),
      logger,
    }),
    clock,
    catalog: CATALOG,
    providers,
    providerResilience: createProviderResilience({
      settings: config.providerRetry,
      coolDown: createMemoryProviderCoolDown(),
    }),
    moderator:
      options.moderator ??
      createPromptModerator({
        rules: compileModerationRules(DEFAULT_MODERATION_RULES),
        openai: undefined,
        mode: 'local-only',
        logger,
      }),
    notifiers: { telegram: notifier, discord: notifier },
    pingRedis: undefined,
  };
  const core = createCore(deps);
  const stopWorker = options.startWorker === false ? undefined : await core.startWorker({ concurrency: 2 });
  return {
    core,
    deps,
    database,
    notifier,
    clock,
    dataDir,
    close: async () => {
      await stopWorker?.();
      await queue.close(5_000);
      await limiter.close();
      media.close();
      await database.close();
      await fs.rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Whether the models file names every model of every provider given. */
function isCoveredByModels(config: AppConfig, registry: ProviderRegistry): boolean {
  return (['image', 'video'] as const).every((kind) =>
    registry[kind].every((provider) =>
      provider.capabilities.models.every((name) =>
        config.models.some(
          (model) => model.kind === kind && model.provider === provider.name && model.providerModel === name,
        ),
      ),
    ),
  );
}
