import type { CoreDeps } from '#core/core-deps';
import { buildProgressStatus } from '#core/generation/build-progress-status';
import { estimateQueuedSeconds } from '#core/generation/estimate-seconds-left';
import { notifyProgress } from '#core/generation/notify-progress';
import { measureModelTimesCached } from '#core/models/measure-model-times';

/** How often waiting jobs are shown their place in line. */
export const QUEUE_ANNOUNCE_INTERVAL_MS = 3_000;
/** The waiting jobs looked at per round, oldest first (their places change first). */
const MAX_PER_ROUND = 500;
/** Edits under way at once: they wait for the chat's send pace anyway, behind results. */
const PARALLEL_EDITS = 4;
/** One worker of the deployment announces at a time. */
const ANNOUNCER_KEY = 'progress:queue-announcer';

/**
 * One round of place-in-line updates: every waiting job with a chat status message is shown its
 * place (1 = next) and, when its model has a measured median over the last 24 h, the time until
 * its result (`estimateQueuedSeconds`: the jobs ahead, `GLOBAL_GENERATION_CONCURRENCY` at a time).
 * Edits go through `notifyProgress` (unchanged texts skipped, 3 s per chat). Only one worker of
 * the deployment runs a round at a time (a hold of the limiter); the others skip it.
 */
export async function announceQueuePositions(deps: CoreDeps): Promise<number> {
  const hold = await deps.limiter.tryHold(ANNOUNCER_KEY, 1);
  if (!hold) return 0;
  try {
    const waiting = await deps.prisma.$queryRaw<{ id: string; cost: number; kind: string; model: string | null }[]>`
      SELECT id::text, cost, kind::text, model FROM generations
       WHERE status = 'queued' AND delivery->>'platform' <> 'web' AND delivery ? 'statusMessageId'
       ORDER BY "createdAt" ASC LIMIT ${MAX_PER_ROUND}`;
    if (waiting.length === 0) return 0;
    const medians = await measureModelTimesCached(deps);
    let sent = 0;
    for (let index = 0; index < waiting.length; index += PARALLEL_EDITS) {
      const outcomes = await Promise.all(
        waiting.slice(index, index + PARALLEL_EDITS).map(async (job) => {
          const ahead = await deps.queue.positionOf(job.id);
          if (ahead === undefined) return 'not_shown'; // running already, or waiting for a retry
          const etaSeconds = estimateQueuedSeconds(
            job.model ? medians.get(`${job.kind}/${job.model}`) : undefined,
            ahead,
            deps.config.globalGenerationConcurrency,
          );
          return notifyProgress(
            deps,
            job.id,
            buildProgressStatus(job.id, { phase: 'queued', cost: job.cost, position: ahead + 1, etaSeconds }),
            'queued',
          );
        }),
      );
      sent += outcomes.filter((outcome) => outcome === 'sent').length;
    }
    return sent;
  } finally {
    await hold.release();
  }
}
