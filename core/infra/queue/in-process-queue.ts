import type { Logger } from '#core/infra/logger';
import { settlesWithin } from '#core/infra/queue/settles-within';
import {
  JOB_QUEUE_DEFAULTS,
  JobInterruptedError,
  assertValidJob,
  isRetryableJobError,
  retryDelayFor,
  type EnqueueJob,
  type JobCounts,
  type JobHandler,
  type JobName,
  type JobQueue,
} from '#core/infra/queue/job-queue';

/** What `createInProcessQueue` needs. */
export type InProcessQueueOptions = {
  logger: Logger;
  maxAttempts?: number;
  retryDelayMs?: number;
  /** How long after an interruption `close` still waits for handlers (default 5 s). */
  interruptGraceMs?: number;
};

type Entry = {
  name: JobName;
  generationId: string;
  priority: number;
  /** Order of arrival in the waiting line; renewed when a retry comes back. */
  seq: number;
  state: 'waiting' | 'delayed' | 'active';
  /** Runs started so far. */
  attempts: number;
  timer: NodeJS.Timeout | undefined;
};

/**
 * A {@link JobQueue} in memory for the embedded mode (one process, no Redis), with the same rules as
 * the BullMQ queue: generation id as job id (kept a day after completion, a week after failure),
 * priority then first-in-first-out, `concurrency` handlers at most, retries with exponential
 * backoff for {@link RetryableJobError}, graceful close. Jobs enqueued before `startWorker` wait
 * for it.
 *
 * Nothing survives the process: waiting jobs are dropped at close and a job interrupted by shutdown
 * is not run again, so at start-up core must re-enqueue generations that are still pending.
 */
export function createInProcessQueue(options: InProcessQueueOptions): JobQueue {
  const logger = options.logger.child({ queue: 'in-process' });
  const maxAttempts = options.maxAttempts ?? JOB_QUEUE_DEFAULTS.maxAttempts;
  const retryDelayMs = options.retryDelayMs ?? JOB_QUEUE_DEFAULTS.retryDelayMs;
  const interruptGraceMs = options.interruptGraceMs ?? JOB_QUEUE_DEFAULTS.interruptGraceMs;

  const entries = new Map<string, Entry>();
  /** Sorted by priority, then arrival. */
  const waiting: Entry[] = [];
  const running = new Map<string, { controller: AbortController; done: Promise<void> }>();
  // Finished ids by finishing time, one map per retention so each is pruned from its front.
  const completed = new Map<string, number>();
  const failed = new Map<string, number>();
  let nextSeq = 0;
  let handler: JobHandler | undefined;
  let concurrency = 0;
  let closing: Promise<void> | undefined;

  function pruneFinished(now: number): void {
    for (const [map, keepMs] of [
      [completed, JOB_QUEUE_DEFAULTS.keepCompletedMs],
      [failed, JOB_QUEUE_DEFAULTS.keepFailedMs],
    ] as const) {
      for (const [id, finishedAt] of map) {
        if (finishedAt + keepMs > now) break;
        map.delete(id);
      }
    }
  }

  function insertWaiting(entry: Entry): void {
    entry.state = 'waiting';
    entry.seq = nextSeq++;
    let low = 0;
    let high = waiting.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      const other = waiting[middle] as Entry;
      if (other.priority < entry.priority || (other.priority === entry.priority && other.seq < entry.seq))
        low = middle + 1;
      else high = middle;
    }
    waiting.splice(low, 0, entry);
    pump();
  }

  function delay(entry: Entry, ms: number): void {
    entry.state = 'delayed';
    entry.timer = setTimeout(() => {
      entry.timer = undefined;
      insertWaiting(entry);
    }, ms);
  }

  function pump(): void {
    while (handler && !closing && running.size < concurrency && waiting.length > 0) {
      run(waiting.shift() as Entry, handler);
    }
  }

  function run(entry: Entry, jobHandler: JobHandler): void {
    entry.state = 'active';
    entry.attempts += 1;
    const controller = new AbortController();
    const jobLogger = logger.child({ generationId: entry.generationId, job: entry.name, attempt: entry.attempts });
    const done = (async () => {
      let failure: { error: unknown } | undefined;
      try {
        await jobHandler({
          name: entry.name,
          generationId: entry.generationId,
          attempt: entry.attempts,
          signal: controller.signal,
        });
      } catch (error) {
        failure = { error };
      }
      if (controller.signal.aborted) {
        entries.delete(entry.generationId);
        jobLogger.warn('job interrupted by shutdown; the in-process queue cannot hand it on');
        return;
      }
      if (failure && isRetryableJobError(failure.error) && entry.attempts < maxAttempts) {
        if (closing) {
          entries.delete(entry.generationId);
          jobLogger.warn(
            { err: failure.error },
            'job failed while the queue closes; its retry is lost with the process',
          );
          return;
        }
        jobLogger.warn({ err: failure.error }, 'job failed; will retry');
        delay(entry, retryDelayFor(entry.attempts, retryDelayMs));
        return;
      }
      entries.delete(entry.generationId);
      if (failure) {
        jobLogger.warn({ err: failure.error }, 'job failed; not retried');
        failed.set(entry.generationId, Date.now());
      } else {
        completed.set(entry.generationId, Date.now());
      }
    })();
    running.set(entry.generationId, { controller, done });
    void done.finally(() => {
      running.delete(entry.generationId);
      pump();
    });
  }

  return {
    async enqueue(job: EnqueueJob): Promise<void> {
      assertValidJob(job);
      if (closing) throw new Error('the queue is closed');
      pruneFinished(Date.now());
      const id = job.generationId;
      if (entries.has(id) || completed.has(id) || failed.has(id)) return;
      const entry: Entry = {
        name: job.name,
        generationId: id,
        priority: job.priority ?? 0,
        seq: 0,
        state: 'waiting',
        attempts: 0,
        timer: undefined,
      };
      entries.set(id, entry);
      if (job.delayMs) delay(entry, job.delayMs);
      else insertWaiting(entry);
    },

    async startWorker(jobHandler: JobHandler, workerOptions: { concurrency: number }): Promise<void> {
      if (handler) throw new Error('startWorker was already called on this queue');
      if (closing) throw new Error('the queue is closed');
      if (!Number.isInteger(workerOptions.concurrency) || workerOptions.concurrency < 1) {
        throw new Error(`Worker concurrency must be a positive integer, got ${workerOptions.concurrency}`);
      }
      handler = jobHandler;
      concurrency = workerOptions.concurrency;
      pump();
    },

    async positionOf(generationId: string): Promise<number | undefined> {
      const entry = entries.get(generationId);
      if (entry?.state !== 'waiting') return undefined;
      return waiting.indexOf(entry);
    },

    async remove(generationId: string): Promise<boolean> {
      const entry = entries.get(generationId);
      if (!entry || entry.state === 'active') return false;
      clearTimeout(entry.timer);
      const index = waiting.indexOf(entry);
      if (index >= 0) waiting.splice(index, 1);
      entries.delete(generationId);
      return true;
    },

    async counts(): Promise<JobCounts> {
      pruneFinished(Date.now());
      let delayed = 0;
      for (const entry of entries.values()) if (entry.state === 'delayed') delayed += 1;
      return { waiting: waiting.length, active: running.size, delayed, failed: failed.size };
    },

    close(timeoutMs: number = JOB_QUEUE_DEFAULTS.closeTimeoutMs): Promise<void> {
      closing ??= (async () => {
        for (const entry of entries.values()) clearTimeout(entry.timer);
        const allDone = Promise.all([...running.values()].map((job) => job.done));
        if (!(await settlesWithin(allDone, timeoutMs))) {
          logger.warn({ running: running.size }, 'handlers still running at shutdown; interrupting them');
          for (const job of running.values()) job.controller.abort(new JobInterruptedError('shutdown'));
          if (!(await settlesWithin(allDone, interruptGraceMs))) {
            logger.error({ running: running.size }, 'handlers ignored the interruption; closing without them');
          }
        }
        const dropped = entries.size - running.size;
        if (dropped > 0)
          logger.warn({ dropped }, 'in-process queue closed with jobs not run; they are lost with the process');
      })();
      return closing;
    },
  };
}
