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

/** `captureReservation` inside a transaction holding the owner's lock. */
export async function captureReservationLocked(tx: Tx, reservationId: string): Promise<SettleOutcome> {
  const reservation = await tx.creditReservation.findUnique({ where: { id: reservationId } });
  if (!reservation) return 'not_found';
  if (reservation.status !== 'open') return reservation.status === 'captured' ? 'already_captured' : 'already_released';
  await tx.creditReservation.update({
    where: { id: reservationId },
    data: { status: 'captured', settledAt: new Date() },
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
    const isExpired = allocation.lot.expiresAt !== null && allocation.lot.expiresAt <= now;
    if (isExpired) {
      await tx.creditLedgerEntry.create({
        data: {
          userId: reservation.userId,
          kind: 'expire',
          delta: -allocation.amount,
          idempotencyKey: `expire:${allocation.lotId}:release:${reservationId}`,
          reason: 'expired_while_reserved',
          lotId: allocation.lotId,
          reservationId,
        },
      });
      continue;
    }
    await tx.creditLot.update({
      where: { id: allocation.lotId },
      data: { remaining: { increment: allocation.amount } },
    });
  }
  return 'released';
}

async function findReservationOwner(prisma: PrismaClient, reservationId: string): Promise<string | undefined> {
  const row = await prisma.creditReservation.findUnique({ where: { id: reservationId }, select: { userId: true } });
  return row?.userId;
}
