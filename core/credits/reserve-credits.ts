import type { PrismaClient } from '#core/infra/db/create-database';
import { AppError } from '#core/errors/app-error';
import { allocateFromLots, findSpendableLots, withAccountLock, type Tx } from '#core/credits/ledger-transaction';

export type ReserveCreditsInput = {
  userId: string;
  amount: number;
  idempotencyKey: string;
  /** When the reservation lapses if nothing captured or released it (admission + job timeout). */
  expiresAt: Date;
  generationId?: string;
  now: Date;
};

export type Reservation = { id: string; amount: number; isNew: boolean };

/**
 * Holds `amount` credits for a job, taking the soonest-expiring lots first, and writes a
 * `reserve` entry. Throws `insufficient_credits` (with the balance) when the lots hold less;
 * then nothing is written. The same key twice returns the first reservation.
 */
export async function reserveCredits(prisma: PrismaClient, input: ReserveCreditsInput): Promise<Reservation> {
  return withAccountLock(prisma, input.userId, (tx) => reserveCreditsLocked(tx, input));
}

/** `reserveCredits` inside a transaction that already holds the account lock. */
export async function reserveCreditsLocked(tx: Tx, input: ReserveCreditsInput): Promise<Reservation> {
  if (!Number.isInteger(input.amount) || input.amount <= 0) throw new AppError('invalid_input', { message: 'reserve amount must be a positive integer' });
  const existing = await tx.creditLedgerEntry.findUnique({ where: { idempotencyKey: input.idempotencyKey }, select: { reservationId: true } });
  if (existing?.reservationId) {
    const reservation = await tx.creditReservation.findUniqueOrThrow({ where: { id: existing.reservationId }, select: { id: true, amount: true } });
    return { ...reservation, isNew: false };
  }
  const lots = await findSpendableLots(tx, input.userId, input.now);
  const takes = allocateFromLots(lots, input.amount);
  if (!takes) {
    const balance = lots.reduce((sum, lot) => sum + lot.remaining, 0);
    throw new AppError('insufficient_credits', { vars: { cost: input.amount, balance } });
  }
  const reservation = await tx.creditReservation.create({
    data: {
      userId: input.userId,
      amount: input.amount,
      expiresAt: input.expiresAt,
      generationId: input.generationId ?? null,
      allocations: { createMany: { data: takes } },
    },
    select: { id: true, amount: true },
  });
  for (const take of takes) {
    await tx.creditLot.update({ where: { id: take.lotId }, data: { remaining: { decrement: take.amount } } });
  }
  await tx.creditLedgerEntry.create({
    data: {
      userId: input.userId,
      kind: 'reserve',
      delta: -input.amount,
      idempotencyKey: input.idempotencyKey,
      reason: 'generation',
      reservationId: reservation.id,
      generationId: input.generationId ?? null,
    },
  });
  return { ...reservation, isNew: true };
}
