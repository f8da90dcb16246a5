import { isDatabaseUnreachable } from '#core/errors/is-database-unreachable';
import type { Logger } from '#core/infra/logger';
import { sleepUntilAborted } from '#core/infra/sleep-until-aborted';

const NEVER_ABORTED = new AbortController().signal;

/** The longest pause between two tries at an unreachable database. */
const MAX_PAUSE_MS = 2_000;

/** How long {@link retryWhileDatabaseUnreachable} keeps trying, and what ends it early. */
export type RetryUntil = {
  /** Epoch ms after which the last error is thrown (a job's deadline). */
  until: number;
  /** Stops the tries at once (a worker shutting down, a job lock lost). */
  signal?: AbortSignal | undefined;
  log: Logger;
  /** What is being written, for the log. */
  what: string;
};

/**
 * Runs `task`, and runs it again while it fails only because the database is away (a restart, a
 * crash: see `isDatabaseUnreachable`), pausing 250 ms, doubling up to 2 s, until `until`. Any
 * other failure, or one past `until`, is thrown. `task` must be safe to repeat: a write that
 * reached the database before the connection dropped may run twice.
 */
export async function retryWhileDatabaseUnreachable<T>(task: () => Promise<T>, options: RetryUntil): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await task();
    } catch (error) {
      const pauseMs = Math.min(MAX_PAUSE_MS, 250 * 2 ** (attempt - 1));
      if (!isDatabaseUnreachable(error) || options.signal?.aborted || Date.now() + pauseMs >= options.until)
        throw error;
      options.log.warn({ err: error, attempt }, `${options.what}: the database is unreachable; trying again`);
      await sleepUntilAborted(pauseMs, options.signal ?? NEVER_ABORTED);
    }
  }
}
