import type { PrismaClient } from '#core/infra/db/create-database';

/**
 * The ledger's invariants, checked for every user: the sum of ledger deltas equals the remaining
 * credits of the user's lots, no lot is negative, and the debt equals the sum of debt deltas.
 * Returns the users that break one (empty = all hold).
 */
export async function findLedgerViolations(
  prisma: PrismaClient,
): Promise<{ userId: string; ledger: number; lots: number; debt: number; debtLedger: number }[]> {
  return prisma.$queryRaw`
    WITH ledger AS (SELECT "userId", SUM(delta)::int AS total, SUM("debtDelta")::int AS debt FROM credit_ledger GROUP BY "userId"),
         lots AS (SELECT "userId", SUM(remaining)::int AS total, MIN(remaining) AS lowest FROM credit_lots GROUP BY "userId")
    SELECT u.id AS "userId", COALESCE(l.total, 0) AS ledger, COALESCE(o.total, 0) AS lots, u."creditDebt" AS debt, COALESCE(l.debt, 0) AS "debtLedger"
    FROM users u LEFT JOIN ledger l ON l."userId" = u.id LEFT JOIN lots o ON o."userId" = u.id
    WHERE COALESCE(l.total, 0) <> COALESCE(o.total, 0) OR COALESCE(o.lowest, 0) < 0 OR u."creditDebt" <> COALESCE(l.debt, 0) OR u."creditDebt" < 0`;
}
