import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { buildCoreDeps, createCore, createLogger, loadConfig, type AppConfig, type Core, type CoreDeps } from '#core';
import type { PromptModerator } from '#core/moderation/prompt-moderator';
import type { ProviderRegistry } from '#core/providers/route-model';
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
 * Builds a core with the entry point's `buildCoreDeps`, but on a fresh test database (PostgreSQL
 * by default, PGlite on request), a temp DATA_DIR, a hand-moved clock and a recording notifier for
 * every platform; the queue and limits in this process (or, with `queue: 'bullmq'`, on Redis
 * under a key prefix of its own), the providers of `env` (the demo ones without keys) unless
 * others are given.
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
    SHUTDOWN_TIMEOUT_SECONDS: '5',
    ...(options.queue === 'bullmq' ? { REDIS_URL: 'redis://127.0.0.1:6379' } : {}),
    ...options.env,
  });
  // A test's own providers (a failing one, a recorder) offer models the models file cannot name.
  const config: AppConfig =
    options.providers && !options.env?.MODELS_FILE && !isCoveredByModels(loaded, options.providers)
      ? { ...loaded, models: modelsOfProviders(options.providers) }
      : loaded;
  const logger = createLogger({ level: config.logLevel, name: 'test' });
  const database = await createTestDatabase(options.database ?? 'postgres');
  const notifier = new RecordingNotifier();
  const clock = new TestClock();
  const { providers } = options;
  const runtime = await buildCoreDeps(config, {
    logger,
    redisPrefix: `test:${randomBytes(4).toString('hex')}`,
    database,
    ...(providers ? { providers: () => providers } : {}),
    ...(options.queue === 'bullmq' ? { queue: { stalledIntervalMs: 1_000, lockDurationMs: 2_000 } } : {}),
    clock,
    ...(options.moderator ? { moderator: options.moderator } : {}),
    notifiers: { telegram: notifier, discord: notifier },
  });
  const { deps } = runtime;
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
      await runtime.close();
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
