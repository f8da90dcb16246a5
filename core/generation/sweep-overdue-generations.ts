import type { CoreDeps } from '#core/core-deps';
import { finishGeneration } from '#core/generation/finish-generation';
import { OPEN_STATUSES } from '#core/generation/open-statuses';

/**
 * Ends every generation whose deadline passed while it was still open (a worker died and no
 * other picked the job up, the queue lost it): it fails with a timeout and its credits return.
 * Also releases any reservation that outlived its expiry, so none stays open past the job timeout.
 */
export async function sweepOverdueGenerations(deps: CoreDeps): Promise<number> {
  const now = deps.clock.now();
  const overdue = await deps.prisma.generation.findMany({
    where: { status: { in: [...OPEN_STATUSES] }, deadlineAt: { lt: now } },
    select: { id: true },
    take: 500,
  });
  let ended = 0;
  for (const generation of overdue) {
    if (await finishGeneration(deps, generation.id, { status: 'failed', errorCode: 'generation_timeout' })) ended += 1;
  }
  const lapsed = await deps.prisma.creditReservation.findMany({
    where: { status: 'open', expiresAt: { lt: now } },
    select: { id: true, generationId: true },
  });
  for (const reservation of lapsed) {
    if (
      reservation.generationId &&
      (await finishGeneration(deps, reservation.generationId, { status: 'failed', errorCode: 'generation_timeout' }))
    ) {
      ended += 1;
    }
  }
  return ended;
}
