import type { Logger } from '#core/infra/logger';
import { createBullmqQueue, type BullmqQueueOptions } from '#core/infra/queue/bullmq-queue';
import { createInProcessQueue } from '#core/infra/queue/in-process-queue';
import type { JobQueue } from '#core/infra/queue/job-queue';

/** What `createJobQueue` needs; the BullMQ tuning only applies when `redisUrl` is set. */
export type CreateJobQueueOptions = {
  /** `AppConfig.redisUrl`: set → BullMQ shared by every process; unset → in memory (embedded mode). */
  redisUrl: string | undefined;
  prefix: string;
  queueName: string;
  logger: Logger;
} & Omit<BullmqQueueOptions, 'redisUrl' | 'prefix' | 'queueName' | 'logger'>;

/**
 * Picks the {@link JobQueue} for the configuration: BullMQ when Redis is configured, so web, bot and
 * worker processes share one queue; the in-process queue otherwise, which only serves jobs
 * enqueued by the same process, so that process must also run the worker.
 */
export function createJobQueue(options: CreateJobQueueOptions): JobQueue {
  const { redisUrl, ...rest } = options;
  if (redisUrl) return createBullmqQueue({ ...rest, redisUrl });
  return createInProcessQueue({
    logger: options.logger,
    ...(options.maxAttempts !== undefined ? { maxAttempts: options.maxAttempts } : {}),
    ...(options.retryDelayMs !== undefined ? { retryDelayMs: options.retryDelayMs } : {}),
    ...(options.interruptGraceMs !== undefined ? { interruptGraceMs: options.interruptGraceMs } : {}),
  });
}
