import type { CoreDeps } from '#core/core-deps';
import { captureReservationLocked, releaseReservationLocked } from '#core/credits/settle-reservation';
import { withAccountLock } from '#core/credits/ledger-transaction';
import type { AppErrorCode } from '#core/errors/app-error';
import { deliverFinalMessage } from '#core/generation/deliver-final-message';
import { isWebDelivery } from '#core/generation/delivery-target';
import { recordGenerationEnd } from '#core/metrics/record-generation';

/** How a generation ended. Only `succeeded` keeps the credits; every other end returns them. */
export type GenerationOutcome =
  | { status: 'succeeded' }
  | { status: 'failed'; errorCode: AppErrorCode }
  | { status: 'cancelled' }
  | { status: 'blocked'; category: string };

export const TERMINAL_STATUSES = ['succeeded', 'failed', 'cancelled', 'blocked'] as const;

/**
 * Ends a generation once: sets its final status and, in the same transaction, captures its
 * reservation (success) or releases it (any other end). A second call for the same generation
 * changes nothing and returns false, so racing workers, sweeps and cancels cannot charge or
 * refund twice. Tells the user about non-success ends (`deliverFinalMessage`, retried until the
 * chat accepts it) unless `notify` is false, when the caller answers the user itself. A success's
 * final message, the result, is the caller's to deliver once it is stored.
 */
export async function finishGeneration(
  deps: Pick<CoreDeps, 'prisma' | 'clock' | 'notifiers' | 'logger' | 'config' | 'metrics' | 'media' | 'providers'>,
  generationId: string,
  outcome: GenerationOutcome,
  options: { notify?: boolean } = {},
): Promise<boolean> {
  const now = deps.clock.now();
  const owner = await deps.prisma.generation.findUnique({ where: { id: generationId }, select: { userId: true } });
  if (!owner) return false;
  const finished = await withAccountLock(deps.prisma, owner.userId, async (tx) => {
    const generation = await tx.generation.findUniqueOrThrow({
      where: { id: generationId },
      select: { status: true, cost: true, delivery: true, kind: true, provider: true, createdAt: true },
    });
    if ((TERMINAL_STATUSES as readonly string[]).includes(generation.status)) return undefined;
    await tx.generation.update({
      where: { id: generationId },
      data: {
        status: outcome.status,
        finishedAt: now,
        errorCode:
          outcome.status === 'failed'
            ? outcome.errorCode
            : outcome.status === 'blocked'
              ? `blocked:${outcome.category}`
              : null,
        // The caller answers the user itself, or the job is the website's (its page reads the
        // result from here): no final message to deliver, and no sweep may retry one.
        ...(options.notify === false || isWebDelivery(generation.delivery) ? { deliveredAt: now } : {}),
      },
    });
    const reservation = await tx.creditReservation.findUnique({
      where: { generationId },
      select: { id: true, amount: true },
    });
    if (!reservation) return { ...generation, settled: undefined };
    const settled =
      outcome.status === 'succeeded'
        ? await captureReservationLocked(tx, reservation.id)
        : await releaseReservationLocked(tx, reservation.id, `generation_${outcome.status}`, now);
    return { ...generation, settled: { outcome: settled, amount: reservation.amount } };
  });
  if (!finished) return false;
  recordGenerationEnd(deps.metrics, {
    kind: finished.kind,
    provider: finished.provider,
    status: outcome.status,
    createdAt: finished.createdAt,
    endedAt: now,
    settled: finished.settled,
  });
  if (options.notify !== false && outcome.status !== 'succeeded') await deliverFinalMessage(deps, generationId);
  return true;
}
