import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { AppConfig } from '#core';
import type { ProviderRegistry } from '#core/providers/route-model';
import { closeRedisConnection, createRedisConnection, type Redis } from '#core/infra/redis';
import { seedTemplates } from '#core/templates/seed-templates';
import { createTestDatabase, type TestDatabase } from '#tests/support/test-database';
import { RecordingNotifier } from '#tests/support/recording-notifier';
import { TestClock } from '#tests/support/test-clock';
import type { TestCore } from '#tests/support/test-core';
import { openProcessCore, TEST_REDIS_URL } from '#tests/core/generation/process-core';
import { WorkerChild } from '#tests/core/generation/worker-child';
import type { WorkerProcessOptions } from '#tests/core/generation/worker-process';

/**
 * A clock that follows real time (moved on by `advance`): the cores of a cluster are processes
 * of one deployment and must agree on time with each other and with worker child processes.
 */
export class LiveTestClock extends TestClock {
  private offsetMs = 0;

  override now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }

  override advance(ms: number): void {
    this.offsetMs += ms;
  }
}

/** BullMQ recovery settings short enough for tests: a dead worker's job is back within ~2 s. */
export const FAST_RECOVERY = { stalledIntervalMs: 500, lockDurationMs: 1_000 } as const;

/**
 * Several "processes" of one deployment for a test file: one test database, one Redis key prefix
 * and one DATA_DIR, shared by cores opened in this process (each a process of its own as far as
 * core can tell: own Prisma client, BullMQ queue, limiter and providers) and by worker child
 * processes. `close` ends them all and removes the database, the Redis keys and the directory.
 */
export type TestCluster = {
  database: TestDatabase & { url: string };
  prefix: string;
  dataDir: string;
  /** A plain connection for assertions on Redis. */
  redis: Redis;
  /** A core in this process on the shared database and queue, shaped like `createTestCore`'s. */
  openCore(options?: {
    providers?: (config: AppConfig) => ProviderRegistry;
    env?: Record<string, string>;
    startWorker?: { concurrency: number };
    dataDir?: string;
  }): Promise<TestCore>;
  /**
   * A worker in a child process (see worker-process.ts) on the shared database and queue; `dataDir`
   * to give it a DATA_DIR of its own; with `recovery: 'production'` it keeps the product's hand-off
   * settings instead of {@link FAST_RECOVERY}.
   */
  startWorkerProcess(
    options: Omit<WorkerProcessOptions, 'databaseUrl' | 'prefix' | 'dataDir'> & {
      dataDir?: string;
      recovery?: 'fast' | 'production';
    },
  ): Promise<WorkerChild>;
  close(): Promise<void>;
};

/** Creates a {@link TestCluster} on a fresh test database and a prefix of its own. */
export async function createTestCluster(): Promise<TestCluster> {
  const database = await createTestDatabase('postgres');
  if (!database.url) throw new Error('a cluster needs a PostgreSQL test database');
  await seedTemplates(database.prisma);
  const prefix = `test:gen:${randomBytes(4).toString('hex')}`;
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'imagine-cluster-'));
  const redis = createRedisConnection(TEST_REDIS_URL, { role: 'test-cluster' });
  const closers: (() => Promise<void>)[] = [];
  const url = database.url;

  return {
    database: { ...database, url },
    prefix,
    dataDir,
    redis,
    async openCore(options = {}) {
      const notifier = new RecordingNotifier();
      const clock = new LiveTestClock();
      const opened = await openProcessCore({
        databaseUrl: url,
        prefix,
        dataDir: options.dataDir ?? dataDir,
        notifier,
        clock,
        ...FAST_RECOVERY,
        ...(options.env ? { env: options.env } : {}),
        ...(options.providers ? { providers: options.providers } : {}),
      });
      const stopWorker = options.startWorker ? await opened.core.startWorker(options.startWorker) : undefined;
      let isClosed = false;
      const close = async () => {
        if (isClosed) return;
        isClosed = true;
        await stopWorker?.();
        await opened.close();
      };
      closers.push(close);
      return {
        core: opened.core,
        deps: opened.deps,
        database,
        notifier,
        clock,
        dataDir: options.dataDir ?? dataDir,
        close,
      };
    },
    async startWorkerProcess({ recovery = 'fast', ...options }) {
      const worker = await WorkerChild.start({
        databaseUrl: url,
        prefix,
        ...(recovery === 'fast' ? FAST_RECOVERY : {}),
        ...options,
        dataDir: options.dataDir ?? dataDir,
      });
      closers.push(() => worker.stop());
      return worker;
    },
    async close() {
      await Promise.all(closers.map((close) => close()));
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
        cursor = next;
        if (keys.length > 0) await redis.unlink(...keys);
      } while (cursor !== '0');
      await closeRedisConnection(redis);
      await database.close();
      await fs.rm(dataDir, { recursive: true, force: true });
    },
  };
}
