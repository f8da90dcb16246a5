import type { PrismaClient } from '#core/infra/db/create-database';
import { withAccountLock, type Tx } from '#core/credits/ledger-transaction';

export type SettleOutcome = 'captured' | 'released' | 'already_captured' | 'already_released' | 'not_found';

/**
 * Makes a reservation's spending final: the job succeeded. Writes a zero-delta `capture` entry
 * so the history shows it. Settling twice changes nothing.
 */
export async function captureReservation(prisma: PrismaClient, reservationId: string): Promise<SettleOutcome> {
  const owner = await findReservationOwner(prisma, reservationId);
  if (!owner) return 'not_found';
  return withAccountLock(prisma, owner, (tx) => captureReservationLocked(tx, reservationId));
}

/**
 * `captureReservation` inside a transaction holding the owner's lock. With `part` only
 * `part.keep` credits are spent (a job that delivered fewer pictures than it reserved for): the
 * rest goes back in the same step as a `release` entry (`part.reason`), to the lots spent last,
 * so capture and release both happen once or not at all.
 */
export async function captureReservationLocked(
  tx: Tx,
  reservationId: string,
  part?: { keep: number; reason: string; now: Date },
): Promise<SettleOutcome> {
  const reservation = await tx.creditReservation.findUnique({ where: { id: reservationId } });
  if (!reservation) return 'not_found';
  if (reservation.status !== 'open') return reservation.status === 'captured' ? 'already_captured' : 'already_released';
  await tx.creditReservation.update({
    where: { id: reservationId },
    data: { status: 'captured', settledAt: part?.now ?? new Date() },
  });
  await tx.creditLedgerEntry.create({
    data: {
      userId: reservation.userId,
      kind: 'capture',
      delta: 0,
      idempotencyKey: `capture:${reservationId}`,
      reason: 'generation',
      reservationId,
      generationId: reservation.generationId,
    },
  });
  const unused = part ? reservation.amount - Math.max(0, Math.min(part.keep, reservation.amount)) : 0;
  if (part && unused > 0) await returnUnusedLocked(tx, reservation, unused, part.reason, part.now);
  return 'captured';
}

/**
 * Gives a reservation's credits back to the lots they came from: the job failed, timed out,
 * was cancelled or refused. Credits that return to a lot which expired meanwhile expire at once
 * (an `expire` entry), so expired credits never come back to life. Releasing twice changes nothing.
 */
export async function releaseReservation(
  prisma: PrismaClient,
  reservationId: string,
  reason: string,
  now: Date,
): Promise<SettleOutcome> {
  const owner = await findReservationOwner(prisma, reservationId);
  if (!owner) return 'not_found';
  return withAccountLock(prisma, owner, (tx) => releaseReservationLocked(tx, reservationId, reason, now));
}

/** `releaseReservation` inside a transaction holding the owner's lock. */
export async function releaseReservationLocked(
  tx: Tx,
  reservationId: string,
  reason: string,
  now: Date,
): Promise<SettleOutcome> {
  const reservation = await tx.creditReservation.findUnique({
    where: { id: reservationId },
    include: { allocations: { include: { lot: { select: { expiresAt: true } } } } },
  });
  if (!reservation) return 'not_found';
  if (reservation.status !== 'open') return reservation.status === 'captured' ? 'already_captured' : 'already_released';
  await tx.creditReservation.update({ where: { id: reservationId }, data: { status: 'released', settledAt: now } });
  await tx.creditLedgerEntry.create({
    data: {
      userId: reservation.userId,
      kind: 'release',
      delta: reservation.amount,
      idempotencyKey: `release:${reservationId}`,
      reason,
      reservationId,
      generationId: reservation.generationId,
    },
  });
  for (const allocation of reservation.allocations) {
    await returnToLotLocked(tx, reservation, allocation.lotId, allocation.amount, allocation.lot.expiresAt, now);
  }
  return 'released';
}

/**
 * Gives `amount` of a reservation being captured back: a `release` entry, then the credits to the
 * lots the reservation took last (reserving spends the soonest-expiring first, so these live
 * longest), shrinking their allocations so the allocations add up to what was spent.
 */
async function returnUnusedLocked(
  tx: Tx,
  reservation: { id: string; userId: string; generationId: string | null },
  amount: number,
  reason: string,
  now: Date,
): Promise<void> {
  await tx.creditLedgerEntry.create({
    data: {
      userId: reservation.userId,
      kind: 'release',
      delta: amount,
      idempotencyKey: `release:${reservation.id}`,
      reason,
      reservationId: reservation.id,
      generationId: reservation.generationId,
    },
  });
  const allocations = await tx.reservationAllocation.findMany({
    where: { reservationId: reservation.id },
    include: { lot: { select: { expiresAt: true, createdAt: true } } },
  });
  // The reverse of the spending order (soonest-expiring first, never-expiring last, then oldest first).
  const spentLastFirst = allocations.sort(
    (a, b) =>
      (b.lot.expiresAt?.getTime() ?? Number.POSITIVE_INFINITY) -
        (a.lot.expiresAt?.getTime() ?? Number.POSITIVE_INFINITY) ||
      b.lot.createdAt.getTime() - a.lot.createdAt.getTime() ||
      b.lotId.localeCompare(a.lotId),
  );
  let left = amount;
  for (const allocation of spentLastFirst) {
    if (left === 0) break;
    const back = Math.min(left, allocation.amount);
    left -= back;
    await tx.reservationAllocation.update({
      where: { reservationId_lotId: { reservationId: reservation.id, lotId: allocation.lotId } },
      data: { amount: { decrement: back } },
    });
    await returnToLotLocked(tx, reservation, allocation.lotId, back, allocation.lot.expiresAt, now);
  }
}

/** Puts `amount` back into a lot, or expires it at once (an `expire` entry) when the lot expired meanwhile. */
async function returnToLotLocked(
  tx: Tx,
  reservation: { id: string; userId: string },
  lotId: string,
  amount: number,
  expiresAt: Date | null,
  now: Date,
): Promise<void> {
  if (expiresAt !== null && expiresAt <= now) {
    await tx.creditLedgerEntry.create({
      data: {
        userId: reservation.userId,
        kind: 'expire',
        delta: -amount,
        idempotencyKey: `expire:${lotId}:release:${reservation.id}`,
        reason: 'expired_while_reserved',
        lotId,
        reservationId: reservation.id,
      },
    });
    return;
  }
  await tx.creditLot.update({ where: { id: lotId }, data: { remaining: { increment: amount } } });
}

async function findReservationOwner(prisma: PrismaClient, reservationId: string): Promise<string | undefined> {
  const row = await prisma.creditReservation.findUnique({ where: { id: reservationId }, select: { userId: true } });
  return row?.userId;
}
