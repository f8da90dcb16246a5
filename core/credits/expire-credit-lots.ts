import type { PrismaClient } from '#core/infra/db/create-database';
import { withAccountLock } from '#core/credits/ledger-transaction';

/**
 * The expiry sweep: every lot whose expiry has passed and that still holds credits is emptied
 * with one `expire` entry (keyed by the lot, so a repeated sweep changes nothing). Returns the
 * number of lots expired.
 */
export async function expireCreditLots(prisma: PrismaClient, now: Date, batchSize = 500): Promise<number> {
  const lapsed = await prisma.creditLot.findMany({
    where: { expiresAt: { lte: now }, remaining: { gt: 0 } },
    select: { id: true, userId: true },
    take: batchSize,
  });
  let expired = 0;
  for (const lot of lapsed) {
    const didExpire = await withAccountLock(prisma, lot.userId, async (tx) => {
      const current = await tx.creditLot.findUniqueOrThrow({ where: { id: lot.id }, select: { remaining: true } });
      if (current.remaining <= 0) return false;
      const key = `expire:${lot.id}`;
      const already = await tx.creditLedgerEntry.findUnique({ where: { idempotencyKey: key }, select: { id: true } });
      await tx.creditLot.update({ where: { id: lot.id }, data: { remaining: 0, expiredAt: now } });
      await tx.creditLedgerEntry.create({
        data: {
          userId: lot.userId,
          kind: 'expire',
          delta: -current.remaining,
          idempotencyKey: already ? `${key}:${now.getTime()}` : key,
          reason: 'expired',
          lotId: lot.id,
        },
      });
      return true;
    });
    if (didExpire) expired += 1;
  }
  return expired;
}
