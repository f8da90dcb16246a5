import { Prisma, type PrismaClient } from '#core/infra/db/create-database';
import { newRowId } from '#core/infra/db/new-row-id';
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
  const plan = planReservation(lots, input.amount);
  await tx.$executeRaw`WITH ${Prisma.join(reservationWrites(input, plan), ', ')} SELECT 1`;
  return { id: plan.reservationId, amount: input.amount, isNew: true };
}

/** Where a reservation's credits come from: the id it will have and the take from each lot. */
export type ReservationPlan = { reservationId: string; takes: { lotId: string; amount: number }[] };

/**
 * Splits `amount` over spendable lots read under the account lock, in spending order (see
 * `findSpendableLots`). Throws `insufficient_credits` with the balance when they hold less.
 */
export function planReservation(lots: readonly { id: string; remaining: number }[], amount: number): ReservationPlan {
  if (!Number.isInteger(amount) || amount <= 0) throw new AppError('invalid_input', { message: 'reserve amount must be a positive integer' });
  const takes = allocateFromLots(lots, amount);
  if (!takes) {
    const balance = lots.reduce((sum, lot) => sum + lot.remaining, 0);
    throw new AppError('insufficient_credits', { vars: { cost: amount, balance } });
  }
  return { reservationId: newRowId(), takes };
}

/**
 * The writes of a planned reservation as parts of one `WITH` statement, named `reservation`,
 * `allocation`, `spent` and `reserve_entry`: the reservation, its allocations, the lots'
 * decrements and the `reserve` ledger entry. One statement instead of one per row, because
 * admission is the hot path; a caller that writes more in the same step (the admission's
 * generation row) adds parts of its own. Run it in the transaction that holds the account lock
 * and read the lots, so nothing can spend them in between.
 */
export function reservationWrites(input: ReserveCreditsInput, plan: ReservationPlan): Prisma.Sql[] {
  const createdAt = new Date();
  const takes = Prisma.join(plan.takes.map((take) => Prisma.sql`(${take.lotId}::uuid, ${take.amount}::int)`));
  return [
    Prisma.sql`reservation AS (
      INSERT INTO credit_reservations (id, "userId", "generationId", amount, "expiresAt", "createdAt")
      VALUES (${plan.reservationId}::uuid, ${input.userId}::uuid, ${input.generationId ?? null}::uuid, ${input.amount}, ${input.expiresAt}, ${createdAt}))`,
    Prisma.sql`allocation AS (
      INSERT INTO reservation_allocations ("reservationId", "lotId", amount)
      SELECT ${plan.reservationId}::uuid, take.lot_id, take.amount FROM (VALUES ${takes}) AS take(lot_id, amount))`,
    Prisma.sql`spent AS (
      UPDATE credit_lots AS lot SET remaining = lot.remaining - take.amount
      FROM (VALUES ${takes}) AS take(lot_id, amount) WHERE lot.id = take.lot_id)`,
    Prisma.sql`reserve_entry AS (
      INSERT INTO credit_ledger ("userId", kind, delta, "idempotencyKey", reason, "reservationId", "generationId", "createdAt")
      VALUES (${input.userId}::uuid, 'reserve', ${-input.amount}, ${input.idempotencyKey}, 'generation', ${plan.reservationId}::uuid, ${input.generationId ?? null}::uuid, ${createdAt}))`,
  ];
}
