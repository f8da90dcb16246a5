import type { PrismaClient } from '#core/infra/db/create-database';
import { AppError } from '#core/errors/app-error';
import { findSpendableLots, isKeyApplied, withAccountLock } from '#core/credits/ledger-transaction';

export type ClawbackResult = { applied: boolean; taken: number; owed: number };

/**
 * Takes back credits after a refund or dispute: from the payment's own lot first, then from
 * the soonest-expiring lots. What the balance cannot cover becomes a debt that blocks
 * generation until a later grant settles it. The same key twice changes nothing.
 */
export async function clawBackCredits(
  prisma: PrismaClient,
  input: {
    userId: string;
    amount: number;
    idempotencyKey: string;
    reason: string;
    paymentId?: string;
    actor?: string;
    now: Date;
  },
): Promise<ClawbackResult> {
  if (!Number.isInteger(input.amount) || input.amount <= 0)
    throw new AppError('invalid_input', { message: 'clawback amount must be a positive integer' });
  return withAccountLock(prisma, input.userId, async (tx) => {
    if (await isKeyApplied(tx, input.idempotencyKey)) return { applied: false, taken: 0, owed: 0 };
    const lots = await findSpendableLots(tx, input.userId, input.now);
    const paymentLots = input.paymentId
      ? new Set(
          (await tx.creditLot.findMany({ where: { paymentId: input.paymentId }, select: { id: true } })).map(
            (lot) => lot.id,
          ),
        )
      : new Set<string>();
    const ordered = [
      ...lots.filter((lot) => paymentLots.has(lot.id)),
      ...lots.filter((lot) => !paymentLots.has(lot.id)),
    ];
    let left = input.amount;
    for (const lot of ordered) {
      if (left === 0) break;
      const take = Math.min(lot.remaining, left);
      await tx.creditLot.update({ where: { id: lot.id }, data: { remaining: { decrement: take } } });
      left -= take;
    }
    const taken = input.amount - left;
    if (left > 0) await tx.user.update({ where: { id: input.userId }, data: { creditDebt: { increment: left } } });
    await tx.creditLedgerEntry.create({
      data: {
        userId: input.userId,
        kind: 'clawback',
        delta: -taken,
        debtDelta: left,
        idempotencyKey: input.idempotencyKey,
        reason: input.reason,
        paymentId: input.paymentId ?? null,
        actor: input.actor ?? null,
      },
    });
    return { applied: true, taken, owed: left };
  });
}
