import type { CoreDeps } from '#core/core-deps';
import { expireCreditLots } from '#core/credits/expire-credit-lots';
import { prepareThumbnails } from '#core/gallery/make-thumbnail';
import { runGenerationJob } from '#core/generation/run-generation-job';
import { sweepOverdueGenerations } from '#core/generation/sweep-overdue-generations';
import { requeueOpenGenerations } from '#core/generation/requeue-open-generations';
import { retryUndeliveredMessages } from '#core/generation/retry-undelivered-messages';
import { retryPaymentReceipts } from '#core/payments/retry-payment-receipts';
import { retryWhileDatabaseUnreachable } from '#core/infra/db/retry-while-unreachable';
import type { QueuedJob } from '#core/infra/queue/job-queue';
import { announceQueuePositions, QUEUE_ANNOUNCE_INTERVAL_MS } from '#core/generation/announce-queue-positions';

/**
 * Runs a job, and runs it again while it fails only because the database is away (a restart),
 * until the longest the job may take: `runGenerationJob` is safe to repeat, and a job that
 * failed on the database would otherwise wait for the sweep to refund it at its deadline.
 */
function runThroughDatabaseOutages(deps: CoreDeps, job: QueuedJob): Promise<void> {
  const timeoutSeconds =
    job.name === 'video' ? deps.config.jobTimeouts.videoSeconds : deps.config.jobTimeouts.imageSeconds;
  const log = deps.logger.child({ generationId: job.generationId });
  return retryWhileDatabaseUnreachable(() => runGenerationJob(deps, job), {
    until: Date.now() + timeoutSeconds * 1000,
    signal: job.signal,
    log,
    what: 'generation job',
  });
}

/** How often a worker sweeps overdue jobs, undelivered final messages, owed receipts and lapsed credit lots. */
export const SWEEP_INTERVAL_MS = 30_000;

/**
 * Makes this process a worker (thumbnail library loaded first): consumes generation jobs (open ones from before a restart
 * included, and again whenever Redis reconnects, since a Redis that restarted empty lost them)
 * and periodically shows waiting jobs their place in line (`announceQueuePositions`), ends overdue jobs, sends final messages again that a chat has not accepted
 * yet, sends payment receipts whose mail failed, and expires credits. A sweep still running when the next is due is not doubled.
 * Returns a stop function that stops the sweeps.
 */
export async function startGenerationWorker(
  deps: CoreDeps,
  options: { concurrency: number; sweepIntervalMs?: number },
): Promise<() => Promise<void>> {
  // A missing sharp only costs the thumbnails: the gallery makes them later.
  await prepareThumbnails().catch((error: unknown) =>
    deps.logger.warn({ err: error }, 'could not load the thumbnail library'),
  );
  await deps.queue.startWorker((job) => runThroughDatabaseOutages(deps, job), { concurrency: options.concurrency });
  await requeueOpenGenerations(deps);
  // Redis back after an outage may have come back empty: offer the open jobs again at once
  // rather than at the next sweep (a no-op for jobs it still holds).
  deps.queue.onReconnect?.(() => {
    void requeueOpenGenerations(deps).catch((error: unknown) =>
      deps.logger.error({ err: error }, 'could not queue open generations again after Redis reconnected'),
    );
  });
  let isSweeping = false;
  const sweep = async () => {
    if (isSweeping) return;
    isSweeping = true;
    try {
      await sweepOverdueGenerations(deps);
      await retryUndeliveredMessages(deps);
      await retryPaymentReceipts(deps);
      await expireCreditLots(deps.prisma, deps.clock.now());
    } catch (error) {
      deps.logger.error({ err: error }, 'periodic sweep failed');
    } finally {
      isSweeping = false;
    }
  };
  const timer = setInterval(() => void sweep(), options.sweepIntervalMs ?? SWEEP_INTERVAL_MS);
  timer.unref();
  void sweep();
  let isAnnouncing = false;
  const announce = async () => {
    if (isAnnouncing) return;
    isAnnouncing = true;
    try {
      await announceQueuePositions(deps);
    } catch (error) {
      deps.logger.warn({ err: error }, 'could not show waiting jobs their place in line');
    } finally {
      isAnnouncing = false;
    }
  };
  const announcer = setInterval(() => void announce(), QUEUE_ANNOUNCE_INTERVAL_MS);
  announcer.unref();
  return async () => {
    clearInterval(timer);
    clearInterval(announcer);
  };
}
