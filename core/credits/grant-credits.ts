import type { PrismaClient } from '#core/infra/db/create-database';
import type { CreditSource } from '#core/infra/db/generated/enums';
import { AppError } from '#core/errors/app-error';
import { isKeyApplied, withAccountLock, type Tx } from '#core/credits/ledger-transaction';

export type GrantCreditsInput = {
  userId: string;
  amount: number;
  source: CreditSource;
  idempotencyKey: string;
  expiresAt?: Date | null;
  reason?: string;
  paymentId?: string;
  subscriptionId?: string;
  actor?: string;
};

export type GrantResult = { applied: boolean; lotId: string | undefined; debtSettled: number };

/**
 * Adds a lot of credits and its `grant` ledger entry. A debt left by an earlier clawback is
 * settled from the new lot first (a `debt_settle` entry). The same idempotency key twice
 * changes nothing and answers `applied: false`.
 */
export async function grantCredits(prisma: PrismaClient, input: GrantCreditsInput): Promise<GrantResult> {
  if (!Number.isInteger(input.amount) || input.amount <= 0)
    throw new AppError('invalid_input', { message: 'grant amount must be a positive integer' });
  return withAccountLock(prisma, input.userId, (tx) => grantCreditsLocked(tx, input));
}

/** `grantCredits` inside a transaction that already holds the account lock. */
export async function grantCreditsLocked(tx: Tx, input: GrantCreditsInput): Promise<GrantResult> {
  if (await isKeyApplied(tx, input.idempotencyKey)) return { applied: false, lotId: undefined, debtSettled: 0 };
  const lot = await tx.creditLot.create({
    data: {
      userId: input.userId,
      source: input.source,
      amount: input.amount,
      remaining: input.amount,
      expiresAt: input.expiresAt ?? null,
      paymentId: input.paymentId ?? null,
      subscriptionId: input.subscriptionId ?? null,
    },
    select: { id: true },
  });
  await tx.creditLedgerEntry.create({
    data: {
      userId: input.userId,
      kind: 'grant',
      delta: input.amount,
      idempotencyKey: input.idempotencyKey,
      reason: input.reason ?? input.source,
      lotId: lot.id,
      paymentId: input.paymentId ?? null,
      actor: input.actor ?? null,
    },
  });
  const user = await tx.user.findUniqueOrThrow({ where: { id: input.userId }, select: { creditDebt: true } });
  const debtSettled = Math.min(user.creditDebt, input.amount);
  if (debtSettled > 0) {
    await tx.creditLot.update({ where: { id: lot.id }, data: { remaining: { decrement: debtSettled } } });
    await tx.user.update({ where: { id: input.userId }, data: { creditDebt: { decrement: debtSettled } } });
    await tx.creditLedgerEntry.create({
      data: {
        userId: input.userId,
        kind: 'debt_settle',
        delta: -debtSettled,
        debtDelta: -debtSettled,
        idempotencyKey: `${input.idempotencyKey}:debt`,
        reason: 'debt_settle',
        lotId: lot.id,
        paymentId: input.paymentId ?? null,
      },
    });
  }
  return { applied: true, lotId: lot.id, debtSettled };
}
