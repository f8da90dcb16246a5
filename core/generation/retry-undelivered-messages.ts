import type { CoreDeps } from '#core/core-deps';
import { deliverFinalMessage, isFinalMessageDue } from '#core/generation/deliver-final-message';

/** Final messages older than this are not retried any more (the result stays in /history). */
const RETRY_WINDOW_MS = 24 * 3600_000;
const BATCH = 200;
const PARALLEL = 8;

/**
 * Sends again the final messages of ended generations that no chat has accepted yet and whose
 * next try is due: those the platform refused (flood limits, an outage), and those whose sender
 * died mid-send (its lease ran out). Run by every worker's sweep; the claim in
 * `deliverFinalMessage` makes sure two workers never send the same one. Returns how many were
 * delivered.
 */
export async function retryUndeliveredMessages(
  deps: Pick<CoreDeps, 'prisma' | 'notifiers' | 'logger' | 'clock' | 'config' | 'media' | 'providers'>,
): Promise<number> {
  const platforms = Object.keys(deps.notifiers);
  if (platforms.length === 0) return 0;
  const now = deps.clock.now();
  const due = await deps.prisma.$queryRaw<{ id: string }[]>`
    SELECT id::text FROM generations
    WHERE "finishedAt" > ${new Date(now.getTime() - RETRY_WINDOW_MS)} AND ${isFinalMessageDue(now, platforms)}
    ORDER BY "finishedAt" LIMIT ${BATCH}`;
  let delivered = 0;
  const pending = [...due];
  // A few at once: one chat's flood wait must not hold up the others.
  await Promise.all(
    Array.from({ length: Math.min(PARALLEL, pending.length) }, async () => {
      for (let next = pending.shift(); next; next = pending.shift()) {
        if ((await deliverFinalMessage(deps, next.id)) === 'delivered') delivered += 1;
      }
    }),
  );
  return delivered;
}
