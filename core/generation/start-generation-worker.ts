import type { CoreDeps } from '#core/core-deps';
import { expireCreditLots } from '#core/credits/expire-credit-lots';
import { runGenerationJob } from '#core/generation/run-generation-job';
import { sweepOverdueGenerations } from '#core/generation/sweep-overdue-generations';
import { requeueOpenGenerations } from '#core/generation/requeue-open-generations';

/** How often a worker sweeps overdue jobs and lapsed credit lots. */
export const SWEEP_INTERVAL_MS = 30_000;

/**
 * Makes this process a worker: consumes generation jobs (open ones from before a restart
 * included) and sweeps overdue jobs and expired credits periodically. Returns a stop function that stops taking jobs and waits for running ones.
 */
export async function startGenerationWorker(deps: CoreDeps, options: { concurrency: number; sweepIntervalMs?: number }): Promise<() => Promise<void>> {
  await deps.queue.startWorker((job) => runGenerationJob(deps, job), { concurrency: options.concurrency });
  await requeueOpenGenerations(deps);
  const sweep = async () => {
    try {
      await sweepOverdueGenerations(deps);
      await expireCreditLots(deps.prisma, deps.clock.now());
    } catch (error) {
      deps.logger.error({ err: error }, 'periodic sweep failed');
    }
  };
  const timer = setInterval(() => void sweep(), options.sweepIntervalMs ?? SWEEP_INTERVAL_MS);
  timer.unref();
  void sweep();
  return async () => {
    clearInterval(timer);
  };
}
