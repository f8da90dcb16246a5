import type { PrismaClient } from '#core/infra/db/create-database';
import { newRowId } from '#core/infra/db/new-row-id';
import { AppError } from '#core/errors/app-error';
import { spendableBalance, withAccountLock, type Tx } from '#core/credits/ledger-transaction';

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
 * `reserve` entry (the writes are the database function `reserve_credits_locked`, which
 * admission calls too). Throws `insufficient_credits` (with the balance) when the lots hold less;
 * then nothing is written. The same key twice returns the first reservation.
 */
export async function reserveCredits(prisma: PrismaClient, input: ReserveCreditsInput): Promise<Reservation> {
  return withAccountLock(prisma, input.userId, (tx) => reserveCreditsLocked(tx, input));
}

/** `reserveCredits` inside the transaction that holds the account lock. */
async function reserveCreditsLocked(tx: Tx, input: ReserveCreditsInput): Promise<Reservation> {
  const existing = await tx.creditLedgerEntry.findUnique({
    where: { idempotencyKey: input.idempotencyKey },
    select: { reservationId: true },
  });
  if (existing?.reservationId) {
    const reservation = await tx.creditReservation.findUniqueOrThrow({
      where: { id: existing.reservationId },
      select: { id: true, amount: true },
    });
    return { ...reservation, isNew: false };
  }
  assertReservable(input.amount, await spendableBalance(tx, input.userId, input.now));
  const reservationId = newRowId();
  await tx.$executeRaw`SELECT reserve_credits_locked(${input.userId}::uuid, ${input.amount}::int, ${input.idempotencyKey}, ${reservationId}::uuid, ${input.generationId ?? null}::uuid,
    ${input.expiresAt}::timestamp(3), ${input.now}::timestamp(3), ${new Date()}::timestamp(3))`;
  return { id: reservationId, amount: input.amount, isNew: true };
}

/**
 * Refuses a reservation of `amount` from a spendable `balance`: `invalid_input` unless the amount
 * is a positive integer, `insufficient_credits` (with cost and balance) when the balance is less.
 * The database function `reserve_credits_locked` (prisma/functions/reserve_credits_locked.sql),
 * which writes every reservation, expects a caller to have checked this.
 */
export function assertReservable(amount: number, balance: number): void {
  if (!Number.isInteger(amount) || amount <= 0)
    throw new AppError('invalid_input', { message: 'reserve amount must be a positive integer' });
  if (balance < amount) throw insufficientCreditsError(amount, balance);
}

/** `insufficient_credits`, naming the cost and the spendable balance. */
export function insufficientCreditsError(cost: number, balance: number): AppError {
  return new AppError('insufficient_credits', { vars: { cost, balance } });
}
