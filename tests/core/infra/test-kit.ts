import { randomUUID } from 'node:crypto';
import { EventEmitter, once } from 'node:events';
import { createLogger, type Logger } from '#core/infra/logger';
import type { Redis } from '#core/infra/redis';

/** The Redis every infra test uses; each test file isolates itself under its own key prefix. */
export const TEST_REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** `test:<label>:<random>`: a key prefix no other test file (or run) shares. */
export function uniquePrefix(label: string): string {
  return `test:${label}:${randomUUID().slice(0, 8)}`;
}

/** Deletes every key matching `pattern` (SCAN, never FLUSHDB: other test files share the server). */
export async function deleteKeys(redis: Redis, pattern: string): Promise<number> {
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
    cursor = next;
    if (keys.length > 0) deleted += await redis.unlink(...keys);
  } while (cursor !== '0');
  return deleted;
}

/** A logger that writes nothing. */
export function silentLogger(): Logger {
  return createLogger({ level: 'silent' });
}

export type Deferred<T> = { promise: Promise<T>; resolve(value: T): void; reject(error: unknown): void };

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/**
 * Polls `condition` until it holds, for states that have no event to await (a job's state in
 * Redis). Fails with `message` after `timeoutMs`.
 */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  message: string,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for: ${message}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * Waits `ms` to observe that something does NOT happen (a job beyond the concurrency cap does not
 * start, close does not resolve early). Absence has no event; keep these windows short and few.
 */
export function quietWindow(ms = 300): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Counts named events and lets a test await the n-th one. */
export class EventCounter {
  private readonly emitter = new EventEmitter();
  private readonly counts = new Map<string, number>();

  record(event: string): void {
    this.counts.set(event, this.count(event) + 1);
    this.emitter.emit(event);
  }

  count(event: string): number {
    return this.counts.get(event) ?? 0;
  }

  async waitFor(event: string, count: number, timeoutMs = 10_000): Promise<void> {
    const signal = AbortSignal.timeout(timeoutMs);
    while (this.count(event) < count) {
      try {
        await once(this.emitter, event, { signal });
      } catch {
        throw new Error(`Timed out waiting for ${count} × '${event}' (saw ${this.count(event)})`);
      }
    }
  }
}
