/**
 * The port for generation jobs. The queue only carries ids: the handler re-reads the generation
 * row and records its own outcome, so a job can be run again (after a crash, a retry or a
 * shutdown) without losing or duplicating anything the user sees.
 *
 * Implementations: `createBullmqQueue` (Redis, shared by many worker processes) and
 * `createInProcessQueue` (embedded mode, one process, nothing survives a restart);
 * `createJobQueue` picks one from the configuration.
 */

/** What a generation job produces; the kind also picks the handler's timeout. */
export type JobName = 'image' | 'video';

/** A job as it is added. */
export type EnqueueJob = {
  name: JobName;
  /** Also the job id: adding a generation that is already queued, running or recently finished is a no-op. */
  generationId: string;
  /**
   * 0 (the default) runs first; a higher number waits behind every lower one; first in, first out
   * within one priority. An integer up to {@link MAX_JOB_PRIORITY} (BullMQ's range).
   */
  priority?: number;
  /** Waits this long before the job becomes waiting (it is "delayed" until then). */
  delayMs?: number;
};

/** The highest (least urgent) priority BullMQ accepts. */
export const MAX_JOB_PRIORITY = 2_097_151;

/** Why a running handler's signal was aborted; see {@link QueuedJob.signal}. */
export type JobInterruption = 'shutdown' | 'lock-lost';

/** A job handed to the handler. */
export type QueuedJob = {
  name: JobName;
  generationId: string;
  /**
   * 1 on the first run. Higher when an earlier run failed with a {@link RetryableJobError}, or
   * was interrupted (worker killed, shut down, lock lost): the handler should resume work it may
   * already have started (for example poll a video operation it stored) rather than start over.
   */
  attempt: number;
  /**
   * Aborted when this process stops running the job: on shutdown after the grace period, or when
   * its lock was lost and another worker may take it. The reason is a {@link JobInterruptedError}.
   * The job will run again elsewhere, so the handler should stop quickly and must NOT record a
   * final failure for an interruption.
   */
  signal: AbortSignal;
};

/**
 * Consumes the jobs. Returning completes the job; throwing a {@link RetryableJobError} retries it
 * with backoff while attempts remain; any other error fails it at once, because the handler has
 * recorded that outcome itself.
 */
export type JobHandler = (job: QueuedJob) => Promise<void>;

/** Jobs by state, for the status page and metrics. */
export type JobCounts = {
  /** Ready to run, whatever their priority. */
  waiting: number;
  active: number;
  /** Waiting for `delayMs` or for a retry's backoff. */
  delayed: number;
  /** Failed jobs still kept for inspection. */
  failed: number;
};

/**
 * A queue of generation jobs.
 *
 * Difference from the first draft of this port: `QueuedJob.extendLock` is gone. BullMQ renews a
 * running job's lock by itself every `lockDuration / 2` while the process is alive, and a manual
 * extension cannot help a process whose event loop is blocked, so it would only be an
 * implementation detail leaking into handlers.
 */
export interface JobQueue {
  /** Adds a job for a generation id. Adding the same generation id twice adds it once. */
  enqueue(job: EnqueueJob): Promise<void>;
  /**
   * Starts consuming with `handler`, at most `concurrency` jobs at once in this process. Resolves
   * once the worker is taking jobs. Jobs enqueued before this call wait for it. Call it once.
   */
  startWorker(handler: JobHandler, options: { concurrency: number }): Promise<void>;
  /**
   * How many jobs run before this one (0 = next), or undefined when it is not waiting (running,
   * delayed, finished or unknown). Shown to users as their place in line.
   */
  positionOf(generationId: string): Promise<number | undefined>;
  /**
   * Removes a job that is not running: waiting, delayed, or waiting for a retry. False when it is
   * running, finished or unknown, so a cancel never races a handler that already started.
   */
  remove(generationId: string): Promise<boolean>;
  counts(): Promise<JobCounts>;
  /**
   * Resolves when the queue's store answers (BullMQ: Redis `PING`), for the readiness probe. Absent
   * when there is nothing to ask (in-process queue).
   */
  ping?(): Promise<void>;
  /**
   * Calls `listener` each time the queue's store answers again after its connection was lost
   * (BullMQ: Redis reconnected). A Redis that restarted without its data lost every job, so the
   * owner should offer its open work again. Absent when the store cannot be lost (in-process).
   */
  onReconnect?(listener: () => void): void;
  /**
   * Stops taking new jobs and waits up to `timeoutMs` for running handlers. Handlers still running
   * then are interrupted (their signal aborts with reason `shutdown`) and given a short grace; BullMQ
   * hands their jobs back to the queue for another worker. Closing twice is harmless. The process
   * should exit afterwards: a handler that ignores its signal is not waited for.
   */
  close(timeoutMs?: number): Promise<void>;
}

/** Thrown by a handler for a failure worth another attempt later (a provider outage, a timeout). */
export class RetryableJobError extends Error {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'RetryableJobError';
  }
}

/** Whether `error` asks for a retry (also across module copies). */
export function isRetryableJobError(error: unknown): boolean {
  return error instanceof RetryableJobError || (error instanceof Error && error.name === 'RetryableJobError');
}

/** The reason of an aborted {@link QueuedJob.signal}. */
export class JobInterruptedError extends Error {
  readonly interruption: JobInterruption;

  constructor(interruption: JobInterruption) {
    super(`job interrupted: ${interruption}`);
    this.name = 'JobInterruptedError';
    this.interruption = interruption;
  }
}

/** Defaults both implementations share, so embedded mode behaves like production. */
export const JOB_QUEUE_DEFAULTS = {
  /** Runs in total for a job whose handler keeps throwing {@link RetryableJobError}. */
  maxAttempts: 3,
  /** First retry after this long, then doubling. */
  retryDelayMs: 5_000,
  /** How long `close` waits for running handlers before interrupting them. */
  closeTimeoutMs: 30_000,
  /** After interrupting, how long `close` still waits for handlers to notice. */
  interruptGraceMs: 5_000,
  /** How long a finished job is remembered, so enqueueing its generation again stays a no-op. */
  keepCompletedMs: 24 * 60 * 60 * 1000,
  keepFailedMs: 7 * 24 * 60 * 60 * 1000,
} as const;

// BullMQ stores job `x` at `<prefix>:<queue>:x`, next to its own keys; an id equal to one of
// them would overwrite that key (a job called "delayed" breaks every delayed job).
const RESERVED_JOB_IDS = new Set([
  'active',
  'wait',
  'waiting-children',
  'paused',
  'id',
  'delayed',
  'prioritized',
  'stalled-check',
  'completed',
  'failed',
  'stalled',
  'repeat',
  'limiter',
  'meta',
  'events',
  'pc',
  'marker',
  'de',
  'metrics',
]);

/**
 * Rejects, in both implementations, what BullMQ cannot store: a job id must be a non-numeric
 * string without ':' that is not one of BullMQ's own key names. Generation ids (cuid/uuid) pass.
 */
export function assertValidJob(job: EnqueueJob): void {
  if (job.name !== 'image' && job.name !== 'video') throw new Error(`Unknown job name: ${String(job.name)}`);
  const id = job.generationId;
  if (!id || id.includes(':') || /^\d+$/.test(id) || RESERVED_JOB_IDS.has(id)) {
    throw new Error(`Invalid generation id for a job: ${JSON.stringify(job.generationId)}`);
  }
  const priority = job.priority ?? 0;
  if (!Number.isInteger(priority) || priority < 0 || priority > MAX_JOB_PRIORITY) {
    throw new Error(`Job priority must be an integer from 0 to ${MAX_JOB_PRIORITY}, got ${priority}`);
  }
  if (job.delayMs !== undefined && (!Number.isFinite(job.delayMs) || job.delayMs < 0)) {
    throw new Error(`Job delay must be a non-negative number of milliseconds, got ${job.delayMs}`);
  }
}

/** The backoff before retry number `attempt` (the attempt that failed, 1-based): exponential, like BullMQ's. */
export function retryDelayFor(attempt: number, retryDelayMs: number): number {
  return retryDelayMs * 2 ** (attempt - 1);
}
