/**
 * A worker process for the crash test in bullmq-queue.test.ts: takes one job, reports it on stdout
 * and holds it until the test kills this process with SIGKILL.
 * Usage: node --import tsx bullmq-crash-worker.ts <redisUrl> <prefix> <queueName>
 */
import { createLogger } from '#core/infra/logger';
import { createBullmqQueue } from '#core/infra/queue/bullmq-queue';

const [redisUrl, prefix, queueName] = process.argv.slice(2);
if (!redisUrl || !prefix || !queueName)
  throw new Error('usage: bullmq-crash-worker.ts <redisUrl> <prefix> <queueName>');

const queue = createBullmqQueue({
  redisUrl,
  prefix,
  queueName,
  logger: createLogger({ level: 'silent' }),
  lockDurationMs: 1_000,
  stalledIntervalMs: 500,
});
await queue.startWorker(
  async (job) => {
    process.stdout.write(`started ${job.generationId} ${job.attempt}\n`);
    await new Promise<never>(() => {});
  },
  { concurrency: 1 },
);
process.stdout.write('ready\n');
