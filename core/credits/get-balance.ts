import { Prisma, type PrismaClient } from '#core/infra/db/create-database';

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

/** The columns {@link balanceColumnsSql} selects, as `$queryRaw` returns them. */
export type BalanceColumns = {
  lots: { remaining: number; expiresAtMs: number | null }[];
  reserved: number;
  debt: number | null;
};

/** A user's balance as shown by /balance and the account page, in one query. */
export async function getBalance(prisma: PrismaClient, userId: string, now: Date): Promise<Balance> {
  const [row] = await prisma.$queryRaw<BalanceColumns[]>`SELECT ${balanceColumnsSql(userId, now)}`;
  return toBalance(row);
}

/**
 * The select list of a balance (`lots`, `reserved`, `debt`), for one query that may read more next
 * to it. Spendable lots follow the rule admission spends by (the database function
 * spendable_lots), in spending order; times as epoch milliseconds, so JSON keeps them exact.
 */
export function balanceColumnsSql(userId: string, now: Date): Prisma.Sql {
  return Prisma.sql`
    (SELECT coalesce(json_agg(json_build_object('remaining', remaining, 'expiresAtMs', (extract(epoch FROM expires_at) * 1000)::bigint) ORDER BY spend_rank), '[]'::json)
       FROM spendable_lots(${userId}::uuid, ${now}::timestamp(3))) AS lots,
    (SELECT coalesce(sum(amount), 0)::int FROM credit_reservations WHERE "userId" = ${userId}::uuid AND status = 'open') AS reserved,
    (SELECT "creditDebt" FROM users WHERE id = ${userId}::uuid) AS debt`;
}

/** The {@link Balance} of the columns {@link balanceColumnsSql} selected (none: an empty balance). */
export function toBalance(row: BalanceColumns | undefined): Balance {
  const lots = row?.lots ?? [];
  const firstExpiry = lots[0]?.expiresAtMs ?? null;
  return {
    available: lots.reduce((sum, lot) => sum + lot.remaining, 0),
    reserved: Number(row?.reserved ?? 0),
    debt: row?.debt ?? 0,
    nextExpiry:
      firstExpiry === null
        ? undefined
        : {
            at: new Date(Number(firstExpiry)),
            amount: lots
              .filter((lot) => lot.expiresAtMs !== null && Number(lot.expiresAtMs) === Number(firstExpiry))
              .reduce((sum, lot) => sum + lot.remaining, 0),
          },
  };
}
