import type { Prisma, PrismaClient } from '#core/infra/db/create-database';

/** A Prisma client inside an interactive transaction. */
export type Tx = Prisma.TransactionClient;

/**
 * Runs `work` in one transaction after locking the account's row, so every credit movement of
 * one account is serialized (the lock order is always: user rows by id, then lots). Accounts
 * never wait on each other, which keeps admissions of many users parallel.
 */
export async function withAccountLock<T>(
  prisma: PrismaClient,
  userIds: string | readonly string[],
  work: (tx: Tx) => Promise<T>,
): Promise<T> {
  const ids = [...new Set(typeof userIds === 'string' ? [userIds] : userIds)].sort();
  return prisma.$transaction(
    async (tx) => {
      for (const id of ids) {
        await tx.$queryRaw`SELECT id FROM users WHERE id = ${id}::uuid FOR UPDATE`;
      }
      return work(tx);
    },
    { maxWait: 10_000, timeout: 20_000 },
  );
}

/** Whether a ledger entry with this idempotency key was already written. */
export async function isKeyApplied(tx: Tx, idempotencyKey: string): Promise<boolean> {
  const existing = await tx.creditLedgerEntry.findUnique({ where: { idempotencyKey }, select: { id: true } });
  return existing !== null;
}

/**
 * The lots a user can spend at `now`, in spending order (soonest-expiring first, then oldest);
 * claw-backs and account merges walk them. The rule is the database function `spendable_lots`
 * (prisma/functions/spendable_lots.sql), which reservations and admission use too.
 */
export function findSpendableLots(tx: Tx, userId: string, now: Date): Promise<{ id: string; remaining: number }[]> {
  return tx.$queryRaw<
    { id: string; remaining: number }[]
  >`SELECT id, remaining FROM spendable_lots(${userId}::uuid, ${now}::timestamp(3)) ORDER BY spend_rank`;
}

/** What a user can spend at `now`: the sum of {@link findSpendableLots}' remaining credits. */
export async function spendableBalance(tx: Tx, userId: string, now: Date): Promise<number> {
  const [row] = await tx.$queryRaw<
    { balance: number }[]
  >`SELECT coalesce(sum(remaining), 0)::int AS balance FROM spendable_lots(${userId}::uuid, ${now}::timestamp(3))`;
  return row?.balance ?? 0;
}
