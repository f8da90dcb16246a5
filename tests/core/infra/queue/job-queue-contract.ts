import { afterEach, describe, expect, it } from 'vitest';
import {
  JobInterruptedError,
  RetryableJobError,
  type JobHandler,
  type JobQueue,
  type QueuedJob,
} from '#core/infra/queue/job-queue';
import { EventCounter, deferred, quietWindow, waitFor, type Deferred } from '#tests/core/infra/test-kit';

/** Options a contract test may tune; every implementation accepts them. */
export type QueueTuning = { maxAttempts?: number; retryDelayMs?: number; interruptGraceMs?: number };

/** Builds a fresh, empty queue (BullMQ: a new queue name under the test file's prefix). */
export type MakeQueue = (tuning?: QueueTuning) => JobQueue;

/** A handler that records what it ran and, when holding, keeps each job running until released. */
export class JobRecorder {
  readonly started: QueuedJob[] = [];
  readonly finished: string[] = [];
  readonly events = new EventCounter();
  running = 0;
  maxRunning = 0;
  private readonly gates = new Map<string, Deferred<void>>();

  constructor(private holding: boolean) {}

  get startedIds(): string[] {
    return this.started.map((job) => job.generationId);
  }

  readonly handler: JobHandler = async (job) => {
    this.started.push(job);
    this.running += 1;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    this.events.record('start');
    try {
      if (this.holding) await this.gate(job.generationId).promise;
    } finally {
      this.running -= 1;
      this.finished.push(job.generationId);
      this.events.record('finish');
    }
  };

  release(generationId: string): void {
    this.gate(generationId).resolve();
  }

  releaseAll(): void {
    this.holding = false;
    for (const gate of this.gates.values()) gate.resolve();
  }

  private gate(generationId: string): Deferred<void> {
    let gate = this.gates.get(generationId);
    if (!gate) {
      gate = deferred<void>();
      this.gates.set(generationId, gate);
    }
    return gate;
  }
}

/**
 * The behaviour every {@link JobQueue} must have, written once and run against each
 * implementation, so embedded mode and production cannot drift apart.
 */
export function describeJobQueueContract(label: string, makeQueue: MakeQueue): void {
  describe(`JobQueue contract: ${label}`, () => {
    const opened: JobQueue[] = [];
    const open = (tuning?: QueueTuning): JobQueue => {
      const queue = makeQueue(tuning);
      opened.push(queue);
      return queue;
    };

    afterEach(async () => {
      await Promise.all(opened.splice(0).map((queue) => queue.close(1_000)));
    });

    it('adds a generation once however often it is enqueued, also after it completed', async () => {
      const queue = open();
      await queue.enqueue({ name: 'image', generationId: 'gen-a' });
      await queue.enqueue({ name: 'image', generationId: 'gen-a' });
      await queue.enqueue({ name: 'video', generationId: 'gen-b' });
      expect((await queue.counts()).waiting).toBe(2);

      const recorder = new JobRecorder(false);
      await queue.startWorker(recorder.handler, { concurrency: 1 });
      await recorder.events.waitFor('finish', 2);

      await queue.enqueue({ name: 'image', generationId: 'gen-a' });
      await queue.enqueue({ name: 'image', generationId: 'gen-c' });
      await recorder.events.waitFor('finish', 3);
      // Were gen-a run again, it would have come before gen-c (first in, first out).
      expect(recorder.startedIds).toEqual(['gen-a', 'gen-b', 'gen-c']);
      expect(recorder.started.map((job) => job.name)).toEqual(['image', 'video', 'image']);
      expect(recorder.started.every((job) => job.attempt === 1)).toBe(true);
    });

    it('runs jobs first in, first out within a priority, lower priority numbers first', async () => {
      const queue = open();
      await queue.enqueue({ name: 'image', generationId: 'low-1', priority: 5 });
      await queue.enqueue({ name: 'image', generationId: 'plain-1' });
      await queue.enqueue({ name: 'image', generationId: 'low-2', priority: 5 });
      await queue.enqueue({ name: 'image', generationId: 'plain-2', priority: 0 });
      await queue.enqueue({ name: 'image', generationId: 'mid', priority: 2 });

      const recorder = new JobRecorder(false);
      await queue.startWorker(recorder.handler, { concurrency: 1 });
      await recorder.events.waitFor('finish', 5);
      expect(recorder.startedIds).toEqual(['plain-1', 'plain-2', 'mid', 'low-1', 'low-2']);
    });

    it('tells each waiting job its place in line, and nothing for running, delayed or unknown jobs', async () => {
      const queue = open();
      await queue.enqueue({ name: 'image', generationId: 'first' });
      await queue.enqueue({ name: 'image', generationId: 'third', priority: 1 });
      await queue.enqueue({ name: 'image', generationId: 'second' });
      await queue.enqueue({ name: 'image', generationId: 'later', delayMs: 60_000 });
      expect(await queue.positionOf('first')).toBe(0);
      expect(await queue.positionOf('second')).toBe(1);
      expect(await queue.positionOf('third')).toBe(2);
      expect(await queue.positionOf('later')).toBeUndefined();
      expect(await queue.positionOf('unknown')).toBeUndefined();

      const recorder = new JobRecorder(true);
      await queue.startWorker(recorder.handler, { concurrency: 1 });
      await recorder.events.waitFor('start', 1);
      expect(recorder.startedIds).toEqual(['first']);
      expect(await queue.positionOf('first')).toBeUndefined();
      expect(await queue.positionOf('second')).toBe(0);
      expect(await queue.positionOf('third')).toBe(1);
      expect(await queue.counts()).toEqual({ waiting: 2, active: 1, delayed: 1, failed: 0 });
      recorder.releaseAll();
    });

    it('removes waiting and delayed jobs but never a running one', async () => {
      const queue = open();
      await queue.enqueue({ name: 'image', generationId: 'running' });
      await queue.enqueue({ name: 'image', generationId: 'cancelled' });
      await queue.enqueue({ name: 'image', generationId: 'kept' });
      await queue.enqueue({ name: 'video', generationId: 'scheduled', delayMs: 60_000 });

      const recorder = new JobRecorder(true);
      await queue.startWorker(recorder.handler, { concurrency: 1 });
      await recorder.events.waitFor('start', 1);

      expect(await queue.remove('running')).toBe(false);
      expect(await queue.remove('cancelled')).toBe(true);
      expect(await queue.remove('cancelled')).toBe(false);
      expect(await queue.remove('scheduled')).toBe(true);
      expect(await queue.remove('unknown')).toBe(false);
      expect(await queue.counts()).toEqual({ waiting: 1, active: 1, delayed: 0, failed: 0 });

      recorder.releaseAll();
      await recorder.events.waitFor('finish', 2);
      expect(recorder.startedIds).toEqual(['running', 'kept']);
      expect(await queue.remove('kept')).toBe(false);
    });

    it('runs at most `concurrency` handlers at once', async () => {
      const queue = open();
      const ids = ['c-1', 'c-2', 'c-3', 'c-4', 'c-5', 'c-6'];
      for (const generationId of ids) await queue.enqueue({ name: 'image', generationId });

      const recorder = new JobRecorder(true);
      await queue.startWorker(recorder.handler, { concurrency: 2 });
      await recorder.events.waitFor('start', 2);
      await quietWindow();
      expect(recorder.started).toHaveLength(2);

      recorder.release('c-1');
      await recorder.events.waitFor('start', 3);
      expect(recorder.startedIds).toEqual(['c-1', 'c-2', 'c-3']);

      recorder.releaseAll();
      await recorder.events.waitFor('finish', 6);
      expect([...recorder.startedIds].sort()).toEqual(ids);
      expect(recorder.maxRunning).toBe(2);
    });

    it('keeps jobs enqueued before the worker starts and honours delayMs', async () => {
      const queue = open();
      const enqueuedAt = Date.now();
      await queue.enqueue({ name: 'video', generationId: 'gen-delayed', delayMs: 400 });
      expect(await queue.counts()).toEqual({ waiting: 0, active: 0, delayed: 1, failed: 0 });

      const recorder = new JobRecorder(false);
      const startedAt: number[] = [];
      await queue.startWorker(
        async (job) => {
          startedAt.push(Date.now());
          await recorder.handler(job);
        },
        { concurrency: 1 },
      );
      await recorder.events.waitFor('finish', 1);
      expect(recorder.startedIds).toEqual(['gen-delayed']);
      expect(startedAt[0]! - enqueuedAt).toBeGreaterThanOrEqual(390);
    });

    it('retries a RetryableJobError with a higher attempt and fails any other error at once', async () => {
      const queue = open({ maxAttempts: 3, retryDelayMs: 50 });
      const attempts: Array<[string, number]> = [];
      const events = new EventCounter();
      await queue.enqueue({ name: 'image', generationId: 'flaky' });
      await queue.enqueue({ name: 'image', generationId: 'broken' });
      await queue.startWorker(
        async (job) => {
          attempts.push([job.generationId, job.attempt]);
          events.record(job.generationId);
          if (job.generationId === 'flaky' && job.attempt === 1) throw new RetryableJobError('provider busy');
          if (job.generationId === 'broken') throw new Error('prompt rejected');
        },
        { concurrency: 1 },
      );

      await events.waitFor('flaky', 2);
      await waitFor(async () => (await queue.counts()).failed === 1, 'the broken job to fail');
      expect(attempts).toEqual([
        ['flaky', 1],
        ['broken', 1],
        ['flaky', 2],
      ]);
      await waitFor(async () => (await queue.counts()).active === 0, 'the retried job to complete');
      expect(await queue.counts()).toEqual({ waiting: 0, active: 0, delayed: 0, failed: 1 });
    });

    it('stops after maxAttempts retryable failures', async () => {
      const queue = open({ maxAttempts: 2, retryDelayMs: 20 });
      const attempts: number[] = [];
      await queue.enqueue({ name: 'image', generationId: 'always-busy' });
      await queue.startWorker(
        async (job) => {
          attempts.push(job.attempt);
          throw new RetryableJobError('still busy');
        },
        { concurrency: 1 },
      );
      await waitFor(async () => (await queue.counts()).failed === 1, 'the job to fail for good');
      expect(attempts).toEqual([1, 2]);
    });

    it('close waits for the running handler and takes no further job', async () => {
      const queue = open();
      await queue.enqueue({ name: 'video', generationId: 'long' });
      await queue.enqueue({ name: 'video', generationId: 'next' });
      const recorder = new JobRecorder(true);
      await queue.startWorker(recorder.handler, { concurrency: 1 });
      await recorder.events.waitFor('start', 1);

      const order: string[] = [];
      const closed = queue.close(10_000).then(() => order.push('closed'));
      await quietWindow();
      expect(order).toEqual([]);

      void recorder.events.waitFor('finish', 1).then(() => order.push('handler finished'));
      recorder.releaseAll();
      await closed;
      expect(order).toEqual(['handler finished', 'closed']);
      expect(recorder.startedIds).toEqual(['long']);
      expect(recorder.started[0]!.signal.aborted).toBe(false);
    });

    it('close interrupts a handler that outlives the timeout, with reason shutdown', async () => {
      const queue = open({ interruptGraceMs: 5_000 });
      await queue.enqueue({ name: 'video', generationId: 'stubborn' });
      const aborted = deferred<unknown>();
      await queue.startWorker(
        (job) =>
          new Promise<void>((resolve) => {
            job.signal.addEventListener('abort', () => {
              aborted.resolve(job.signal.reason);
              resolve();
            });
          }),
        { concurrency: 1 },
      );
      await waitFor(async () => (await queue.counts()).active === 1, 'the job to start');
      await queue.close(200);
      const reason = await aborted.promise;
      expect(reason).toBeInstanceOf(JobInterruptedError);
      expect((reason as JobInterruptedError).interruption).toBe('shutdown');
    });

    it('rejects job ids BullMQ cannot store (numbers, colons, its own key names)', async () => {
      const queue = open();
      await expect(queue.enqueue({ name: 'image', generationId: 'a:b' })).rejects.toThrow(/generation id/);
      await expect(queue.enqueue({ name: 'image', generationId: '42' })).rejects.toThrow(/generation id/);
      await expect(queue.enqueue({ name: 'image', generationId: 'delayed' })).rejects.toThrow(/generation id/);
      await expect(queue.enqueue({ name: 'image', generationId: 'ok', priority: -1 })).rejects.toThrow(/priority/);
    });
  });
}
