import type { PrismaClient } from '#core/infra/db/create-database';

export type Balance = {
  /** Credits that can be spent now. */
  available: number;
  /** Credits held by jobs that have not finished. */
  reserved: number;
  /** Credits owed after a refund or dispute; generation is blocked while above zero. */
  debt: number;
  /** The soonest expiry among spendable lots, and how many credits lapse then. */
  nextExpiry: { at: Date; amount: number } | undefined;
};

/** A user's balance as shown by /balance and the account page. */
export async function getBalance(prisma: PrismaClient, userId: string, now: Date): Promise<Balance> {
  const [lots, reserved, user] = await Promise.all([
    // What admission lets the user spend: the same rule (the database function spendable_lots).
    prisma.$queryRaw<{ remaining: number; expiresAt: Date | null }[]>`
      SELECT remaining, expires_at AS "expiresAt" FROM spendable_lots(${userId}::uuid, ${now}::timestamp(3)) ORDER BY spend_rank`,
    prisma.creditReservation.aggregate({ where: { userId, status: 'open' }, _sum: { amount: true } }),
    prisma.user.findUnique({ where: { id: userId }, select: { creditDebt: true } }),
  ]);
  const first = lots[0];
  const nextExpiry =
    first?.expiresAt != null
      ? { at: first.expiresAt, amount: lots.filter((lot) => lot.expiresAt?.getTime() === first.expiresAt?.getTime()).reduce((sum, lot) => sum + lot.remaining, 0) }
      : undefined;
  return {
    available: lots.reduce((sum, lot) => sum + lot.remaining, 0),
    reserved: reserved._sum.amount ?? 0,
    debt: user?.creditDebt ?? 0,
    nextExpiry,
  };
}
