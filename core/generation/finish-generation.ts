import type { CoreDeps } from '#core/core-deps';
import { captureReservationLocked, releaseReservationLocked } from '#core/credits/settle-reservation';
import { type Tx, withAccountLock } from '#core/credits/ledger-transaction';
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
      select: { status: true, cost: true, delivery: true, kind: true, provider: true, createdAt: true, options: true },
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
    if (outcome.status !== 'succeeded') {
      const settled = await releaseReservationLocked(tx, reservation.id, `generation_${outcome.status}`, now);
      return { ...generation, settled: { outcome: settled, amount: reservation.amount } };
    }
    const keep = await spentOnDelivered(tx, generationId, generation, reservation.amount);
    if (keep === reservation.amount) {
      const settled = await captureReservationLocked(tx, reservation.id);
      return { ...generation, settled: { outcome: settled, amount: reservation.amount } };
    }
    const settled = await captureReservationLocked(tx, reservation.id, { keep, reason: 'generation_partial', now });
    if (settled === 'captured') await tx.generation.update({ where: { id: generationId }, data: { cost: keep } });
    return { ...generation, settled: { outcome: settled, amount: keep, returned: reservation.amount - keep } };
  });
  if (!finished) return false;
  const returned = finished.settled?.returned;
  if (returned) deps.metrics?.countCreditsRefunded(returned, 'generation_partial');
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

/**
 * What a successful job costs for the pictures that arrived: a job of N images that delivered
 * fewer (the provider dropped or filtered some) pays `reserved × delivered / N`, the per-image
 * price (the quote is per image × N, so this divides exactly). Videos and complete jobs pay all.
 */
async function spentOnDelivered(
  tx: Tx,
  generationId: string,
  generation: { kind: 'image' | 'video'; options: unknown },
  reserved: number,
): Promise<number> {
  if (generation.kind !== 'image') return reserved;
  const asked = (generation.options as { count?: unknown } | null)?.count;
  const count = typeof asked === 'number' && Number.isInteger(asked) && asked > 1 ? asked : 1;
  const delivered = await tx.mediaAsset.count({ where: { generationId, role: 'output' } });
  if (delivered === 0 || delivered >= count) return reserved;
  return Math.floor((reserved * delivered) / count);
}
