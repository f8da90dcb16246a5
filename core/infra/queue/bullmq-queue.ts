import os from 'node:os';
import { Queue, UnrecoverableError, WaitingError, Worker, type Job } from 'bullmq';
import type { Logger } from '#core/infra/logger';
import { closeRedisConnection, createRedisConnection, type Redis } from '#core/infra/redis';
import { settlesWithin } from '#core/infra/queue/settles-within';
import {
  JOB_QUEUE_DEFAULTS,
  JobInterruptedError,
  assertValidJob,
  isRetryableJobError,
  type EnqueueJob,
  type JobCounts,
  type JobHandler,
  type JobInterruption,
  type JobName,
  type JobQueue,
} from '#core/infra/queue/job-queue';

/** What `createBullmqQueue` needs. */
export type BullmqQueueOptions = {
  redisUrl: string;
  /** Namespaces every key (`<prefix>:<queueName>:…`), so several deployments or test files share a Redis. */
  prefix: string;
  /** BullMQ queue name; no ':' allowed. */
  queueName: string;
  logger: Logger;
  /**
   * How often this worker looks for jobs whose worker died (default {@link WORKER_HANDOFF}). A job
   * is recovered by the first check after its lock expired, so at most `lockDurationMs + this`.
   */
  stalledIntervalMs?: number;
  /** How long a worker's claim on a job lasts without renewal (default {@link WORKER_HANDOFF}; renewed every third, at most every 2 s). */
  lockDurationMs?: number;
  /**
   * How many times one job may be recovered from a dead worker before it is failed (default
   * {@link WORKER_HANDOFF}). BullMQ fails such a job inside its stalled check,
   * without a worker event: the handler never records that outcome, so core must sweep
   * generations left running.
   */
  maxStalledCount?: number;
  maxAttempts?: number;
  retryDelayMs?: number;
  /** How long after an interruption `close` still waits for handlers (default 5 s). */
  interruptGraceMs?: number;
};

type JobData = { generationId: string };

/**
 * How fast a job moves from a worker that died (SIGKILL, OOM, a lost machine) to a live one:
 * the dead worker's lock runs out at most `lockDurationMs` after its last renewal, and the next
 * stalled check of any live worker (every `stalledIntervalMs`) moves the job back to waiting,
 * where a free worker takes it at once: within 6 + 2 = 8 s, under the 10 s we promise. The lock
 * is renewed every `lockRenewMs`, so a live worker's event loop may stall 4 s before its job
 * is wrongly taken from it. A job may move this way `maxStalledCount` times (a deploy, a
 * rollback and a few crashes) before BullMQ fails it; the job's deadline bounds the total anyway.
 * See https://docs.bullmq.io/guide/workers/stalled-jobs.
 */
export const WORKER_HANDOFF = {
  lockDurationMs: 6_000,
  lockRenewMs: 2_000,
  stalledIntervalMs: 2_000,
  maxStalledCount: 5,
} as const;

// The job's place in line, in one step so it cannot move between two reads. BullMQ runs the
// `wait` list (LPUSH to add, RPOPLPUSH from the right to take) before the `prioritized` sorted set.
const POSITION_SCRIPT = `
local waitIndex = redis.call('LPOS', KEYS[1], ARGV[1])
local waitLength = redis.call('LLEN', KEYS[1])
if waitIndex then return waitLength - 1 - waitIndex end
local rank = redis.call('ZRANK', KEYS[2], ARGV[1])
if rank then return waitLength + rank end
return -1
`;

const NOT_RUNNING_STATES = new Set(['waiting', 'prioritized', 'delayed']);

/**
 * A {@link JobQueue} on BullMQ, shared by every process connected to the same Redis and prefix.
 *
 * - The BullMQ job id is the generation id, so adding it twice is a no-op while the job is kept
 *   (running, waiting, or finished within the last day for completed and week for failed jobs).
 * - A worker killed mid-job (SIGKILL, OOM, power loss) stops renewing its lock; the stalled-job
 *   check of any live worker then moves the job back to waiting and it runs again with a higher
 *   `attempt` (see https://docs.bullmq.io/guide/workers/stalled-jobs).
 * - A handler's {@link RetryableJobError} is retried with exponential backoff up to `maxAttempts`;
 *   any other error becomes BullMQ's `UnrecoverableError`, failing the job once.
 */
export function createBullmqQueue(options: BullmqQueueOptions): JobQueue {
  const logger = options.logger.child({ queue: options.queueName });
  const maxAttempts = options.maxAttempts ?? JOB_QUEUE_DEFAULTS.maxAttempts;
  const retryDelayMs = options.retryDelayMs ?? JOB_QUEUE_DEFAULTS.retryDelayMs;
  const interruptGraceMs = options.interruptGraceMs ?? JOB_QUEUE_DEFAULTS.interruptGraceMs;

  const queueConnection = createRedisConnection(options.redisUrl, { role: `queue:${options.queueName}`, logger });
  // Every /imagine asks its place in line: an ioredis command sends the script's SHA (EVALSHA),
  // and the script itself only when Redis does not have it (https://github.com/ioredis/ioredis#lua-scripting).
  queueConnection.defineCommand('queuePosition', { numberOfKeys: 2, lua: POSITION_SCRIPT });
  const positionConnection = queueConnection as Redis & {
    queuePosition(waitKey: string, prioritizedKey: string, jobId: string): Promise<number>;
  };
  const queue = new Queue<JobData, void, JobName>(options.queueName, {
    connection: queueConnection,
    prefix: options.prefix,
    defaultJobOptions: {
      attempts: maxAttempts,
      backoff: { type: 'exponential', delay: retryDelayMs },
      removeOnComplete: { age: Math.round(JOB_QUEUE_DEFAULTS.keepCompletedMs / 1000) },
      removeOnFail: { age: Math.round(JOB_QUEUE_DEFAULTS.keepFailedMs / 1000) },
    },
  });
  queue.on('error', (error) => logger.error({ err: error }, 'job queue error'));
  const reconnectListeners: (() => void)[] = [];
  let wasConnected = false;
  queueConnection.on('ready', () => {
    if (!wasConnected) {
      wasConnected = true;
      return;
    }
    logger.warn('job queue reconnected to Redis');
    for (const listener of reconnectListeners) listener();
  });

  let worker: Worker<JobData, void, JobName> | undefined;
  let workerConnection: Redis | undefined;
  let closing: Promise<void> | undefined;
  const running = new Map<string, { controller: AbortController }>();

  function interrupt(jobId: string, interruption: JobInterruption): void {
    const entry = running.get(jobId);
    if (entry && !entry.controller.signal.aborted) entry.controller.abort(new JobInterruptedError(interruption));
  }

  async function runJob(
    job: Job<JobData, void, JobName>,
    handler: JobHandler,
    token: string | undefined,
  ): Promise<void> {
    const jobId = job.id ?? job.data.generationId;
    const controller = new AbortController();
    running.set(jobId, { controller });
    const attempt = Math.max(1, job.attemptsStarted);
    const jobLogger = logger.child({ generationId: job.data.generationId, job: job.name, attempt });
    let failure: { error: unknown } | undefined;
    try {
      await handler({ name: job.name, generationId: job.data.generationId, attempt, signal: controller.signal });
    } catch (error) {
      failure = { error };
    } finally {
      running.delete(jobId);
    }

    const reason: unknown = controller.signal.reason;
    if (reason instanceof JobInterruptedError && reason.interruption === 'shutdown') {
      // Hand the job back now rather than leave it to the stalled check: another worker starts it at once.
      await job.moveToWait(token).then(
        () => jobLogger.warn('job interrupted by shutdown; handed back to the queue'),
        (error: unknown) => jobLogger.warn({ err: error }, 'job interrupted by shutdown; left to the stalled check'),
      );
      // Tells BullMQ the job was moved elsewhere, so it records no outcome.
      throw new WaitingError();
    }
    if (reason instanceof JobInterruptedError && failure) {
      // Lock lost: another worker may own the job now. A failure caused by the interruption must not
      // fail the job; leave it to its owner or to the stalled check. A success is still recorded
      // below if the lock turns out to be ours.
      jobLogger.warn({ err: failure.error }, 'job interrupted after losing its lock');
      throw new WaitingError();
    }
    if (!failure) return;
    if (isRetryableJobError(failure.error)) {
      jobLogger.warn({ err: failure.error }, 'job failed; will retry if attempts remain');
      throw failure.error;
    }
    jobLogger.warn({ err: failure.error }, 'job failed; not retried');
    throw new UnrecoverableError(failure.error instanceof Error ? failure.error.message : String(failure.error));
  }

  return {
    async enqueue(job: EnqueueJob): Promise<void> {
      assertValidJob(job);
      await queue.add(
        job.name,
        { generationId: job.generationId },
        {
          jobId: job.generationId,
          ...(job.priority ? { priority: job.priority } : {}),
          ...(job.delayMs ? { delay: job.delayMs } : {}),
        },
      );
    },

    async startWorker(handler: JobHandler, workerOptions: { concurrency: number }): Promise<void> {
      if (worker) throw new Error('startWorker was already called on this queue');
      if (closing) throw new Error('the queue is closed');
      const lockDurationMs = options.lockDurationMs ?? WORKER_HANDOFF.lockDurationMs;
      workerConnection = createRedisConnection(options.redisUrl, {
        role: `worker:${options.queueName}`,
        maxRetriesPerRequest: null,
        logger,
      });
      worker = new Worker<JobData, void, JobName>(options.queueName, (job, token) => runJob(job, handler, token), {
        connection: workerConnection,
        prefix: options.prefix,
        name: `${os.hostname()}:${process.pid}`,
        concurrency: workerOptions.concurrency,
        maxStalledCount: options.maxStalledCount ?? WORKER_HANDOFF.maxStalledCount,
        stalledInterval: options.stalledIntervalMs ?? WORKER_HANDOFF.stalledIntervalMs,
        lockDuration: lockDurationMs,
        lockRenewTime: Math.min(WORKER_HANDOFF.lockRenewMs, Math.floor(lockDurationMs / 3)),
      });
      worker.on('error', (error) => logger.error({ err: error }, 'job worker error'));
      worker.on('stalled', (jobId) =>
        logger.warn({ generationId: jobId }, 'job stalled (its worker died); running it again'),
      );
      worker.on('lockRenewalFailed', (jobIds) => {
        for (const jobId of jobIds) {
          logger.warn({ generationId: jobId }, 'job lock lost; interrupting the handler');
          interrupt(jobId, 'lock-lost');
        }
      });
      await worker.waitUntilReady();
    },

    async positionOf(generationId: string): Promise<number | undefined> {
      const keys = queue.keys;
      const position = await positionConnection.queuePosition(keys.wait ?? '', keys.prioritized ?? '', generationId);
      return position >= 0 ? position : undefined;
    },

    async remove(generationId: string): Promise<boolean> {
      // A running job holds a lock, and BullMQ's remove refuses locked jobs, so the race between
      // this read and the removal can only end with `false` for a job that just started.
      const state = await queue.getJobState(generationId);
      if (!NOT_RUNNING_STATES.has(state)) return false;
      return (await queue.remove(generationId)) === 1;
    },

    async counts(): Promise<JobCounts> {
      const counts = await queue.getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'failed');
      return {
        waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0),
        active: counts.active ?? 0,
        delayed: counts.delayed ?? 0,
        failed: counts.failed ?? 0,
      };
    },

    onReconnect(listener: () => void): void {
      reconnectListeners.push(listener);
    },

    async ping(): Promise<void> {
      await queueConnection.ping();
    },

    close(timeoutMs: number = JOB_QUEUE_DEFAULTS.closeTimeoutMs): Promise<void> {
      closing ??= (async () => {
        if (worker) {
          // `close()` stops fetching at once and resolves after the running handlers returned.
          const workerClosed = worker.close().then(() => true);
          if (!(await settlesWithin(workerClosed, timeoutMs))) {
            logger.warn({ running: running.size }, 'handlers still running at shutdown; interrupting them');
            for (const jobId of running.keys()) interrupt(jobId, 'shutdown');
            if (!(await settlesWithin(workerClosed, interruptGraceMs))) {
              // The worker itself stays open until they return; the process is expected to exit now.
              logger.error(
                { running: running.size },
                'handlers ignored the interruption; the stalled check will recover their jobs',
              );
              await worker
                .getBackend()
                .disconnect()
                .catch(() => undefined);
            }
          }
        }
        await queue.close();
        await Promise.all([
          closeRedisConnection(queueConnection),
          workerConnection && closeRedisConnection(workerConnection),
        ]);
      })();
      return closing;
    },
  };
}
