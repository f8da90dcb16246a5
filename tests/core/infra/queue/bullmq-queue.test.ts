import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { connect } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBullmqQueue, type BullmqQueueOptions } from '#core/infra/queue/bullmq-queue';
import type { QueuedJob } from '#core/infra/queue/job-queue';
import { closeRedisConnection, createRedisConnection, type Redis } from '#core/infra/redis';
import { JobRecorder, describeJobQueueContract } from '#tests/core/infra/queue/job-queue-contract';
import { TEST_REDIS_URL, deferred, deleteKeys, silentLogger, uniquePrefix, waitFor } from '#tests/core/infra/test-kit';

const prefix = uniquePrefix('queue');
const repoRoot = fileURLToPath(new URL('../../../..', import.meta.url));
const crashWorkerScript = fileURLToPath(new URL('./bullmq-crash-worker.ts', import.meta.url));
let admin: Redis;
let queueCounter = 0;

function makeQueue(overrides: Partial<BullmqQueueOptions> = {}): ReturnType<typeof createBullmqQueue> {
  return createBullmqQueue({
    redisUrl: TEST_REDIS_URL,
    prefix,
    queueName: `q${++queueCounter}`,
    logger: silentLogger(),
    ...overrides,
  });
}

beforeAll(() => {
  admin = createRedisConnection(TEST_REDIS_URL, { role: 'test-admin' });
});

afterAll(async () => {
  await deleteKeys(admin, `${prefix}:*`);
  await closeRedisConnection(admin);
});

describeJobQueueContract('bullmq', (tuning) => makeQueue(tuning));

describe('bullmq queue position', () => {
  it('sends its script once and then only its SHA (EVALSHA), not the script with every ask', async () => {
    const queue = makeQueue();
    const monitor = await monitorRedis(TEST_REDIS_URL);
    const key = `"${prefix}:q${queueCounter}:wait"`;
    const asks = () =>
      monitor.lines().filter((line) => line.includes(key) && /^\+[\d.]+ \[[^\]]*\] "evalsha"/i.test(line));
    try {
      await queue.enqueue({ name: 'image', generationId: 'asked' });
      for (let ask = 0; ask < 5; ask += 1) expect(await queue.positionOf('asked')).toBe(0);
      // ioredis sends the script the first time (EVAL), then only its SHA.
      await waitFor(() => asks().length >= 4, 'four asks by SHA', 3_000);
    } finally {
      monitor.close();
      await queue.close();
    }
  });
});

/**
 * Redis's MONITOR stream on a plain socket, one line per command. (ioredis's monitor mode can lose
 * track of its replies on a busy shared server, which other test files keep busy.)
 */
async function monitorRedis(url: string): Promise<{ lines(): string[]; close(): void }> {
  const { hostname, port } = new URL(url);
  const socket = connect({ host: hostname, port: Number(port || 6379) });
  await once(socket, 'connect');
  const lines: string[] = [];
  let rest = '';
  socket.on('data', (chunk: Buffer) => {
    const parts = (rest + chunk.toString('utf8')).split('\r\n');
    rest = parts.pop() ?? '';
    lines.push(...parts);
  });
  socket.write('MONITOR\r\n');
  await waitFor(() => lines.includes('+OK'), 'MONITOR accepted', 3_000);
  return { lines: () => lines, close: () => socket.destroy() };
}

/** The lines a child process prints, with a way to await one. */
function watchOutput(child: ChildProcess): {
  waitForLine(line: string, timeoutMs?: number): Promise<void>;
  stderr(): string;
} {
  const lines: string[] = [];
  let stderr = '';
  const waiters: Array<() => void> = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    lines.push(line);
    for (const wake of waiters.splice(0)) wake();
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return {
    stderr: () => stderr,
    async waitForLine(line, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      while (!lines.includes(line)) {
        if (child.exitCode !== null)
          throw new Error(`worker process exited (${child.exitCode}) before printing "${line}": ${stderr}`);
        const remaining = deadline - Date.now();
        if (remaining <= 0) throw new Error(`worker process did not print "${line}" in time; stderr: ${stderr}`);
        await Promise.race([
          new Promise<void>((resolve) => waiters.push(resolve)),
          once(child, 'exit'),
          new Promise((resolve) => setTimeout(resolve, remaining).unref()),
        ]);
      }
    },
  };
}

describe('bullmq queue across processes', () => {
  it('hands a job interrupted by shutdown back to the queue, where another worker runs it next', async () => {
    const queueName = `q${++queueCounter}`;
    const first = makeQueue({ queueName });
    await first.enqueue({ name: 'video', generationId: 'handed-back' });
    await first.enqueue({ name: 'video', generationId: 'behind' });
    const started = deferred<QueuedJob>();
    await first.startWorker(
      (job) => {
        started.resolve(job);
        return new Promise<void>((resolve) => job.signal.addEventListener('abort', () => resolve()));
      },
      { concurrency: 1 },
    );
    expect((await started.promise).generationId).toBe('handed-back');
    await first.close(200);

    const second = makeQueue({ queueName });
    try {
      expect(await second.positionOf('handed-back')).toBe(0);
      expect(await second.positionOf('behind')).toBe(1);
      const recorder = new JobRecorder(false);
      await second.startWorker(recorder.handler, { concurrency: 1 });
      await recorder.events.waitFor('finish', 2);
      expect(recorder.started.map((job) => [job.generationId, job.attempt])).toEqual([
        ['handed-back', 2],
        ['behind', 1],
      ]);
    } finally {
      await second.close(1_000);
    }
  });

  it('recovers the job of a worker process killed with SIGKILL, and completes it once', async () => {
    const queueName = `q${++queueCounter}`;
    const rescuer = makeQueue({ queueName, stalledIntervalMs: 300, lockDurationMs: 1_000 });
    const child = spawn(process.execPath, ['--import', 'tsx', crashWorkerScript, TEST_REDIS_URL, prefix, queueName], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output = watchOutput(child);
    try {
      await output.waitForLine('ready');
      await rescuer.enqueue({ name: 'video', generationId: 'orphan' });
      await output.waitForLine('started orphan 1');

      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      const [, signal] = (await exited) as [number | null, NodeJS.Signals | null];
      expect(signal).toBe('SIGKILL');
      expect(await rescuer.counts()).toMatchObject({ active: 1, waiting: 0 });

      const recorder = new JobRecorder(false);
      await rescuer.startWorker(recorder.handler, { concurrency: 1 });
      await recorder.events.waitFor('finish', 1, 20_000);
      await waitFor(async () => (await rescuer.counts()).active === 0, 'the recovered job to complete');

      expect(recorder.started.map((job) => [job.generationId, job.attempt])).toEqual([['orphan', 2]]);
      expect(await rescuer.counts()).toEqual({ waiting: 0, active: 0, delayed: 0, failed: 0 });
      // Completed jobs are kept, so the same generation is not run a third time if enqueued again.
      await rescuer.enqueue({ name: 'video', generationId: 'orphan' });
      expect(await rescuer.counts()).toEqual({ waiting: 0, active: 0, delayed: 0, failed: 0 });
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await rescuer.close(1_000);
    }
  });
});
