import { Prisma, type PrismaClient } from '#core/infra/db/create-database';

/** A Prisma client inside an interactive transaction. */
export type Tx = Prisma.TransactionClient;

/**
 * Runs `work` in one transaction after locking the account's row, so every credit movement of
 * one account is serialized (the lock order is always: user rows by id, then lots). Accounts
 * never wait on each other, which keeps admissions of many users parallel.
 */
export async function withAccountLock<T>(prisma: PrismaClient, userIds: string | readonly string[], work: (tx: Tx) => Promise<T>): Promise<T> {
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
 * The order lots are spent in: soonest-expiring first, then oldest. The database function
 * `reserve_credits_locked` (prisma/migrations/…_admit_generation_function) spends in this order too.
 */
const SPEND_ORDER = Prisma.sql`"expiresAt" ASC NULLS LAST, "createdAt" ASC, id ASC`;

function spendableWhere(userId: string, now: Date): Prisma.Sql {
  return Prisma.sql`"userId" = ${userId}::uuid AND remaining > 0 AND ("expiresAt" IS NULL OR "expiresAt" > ${now})`;
}

/** The lots a user can spend from now, in spending order (claw-backs and account merges walk them). */
export function findSpendableLots(tx: Tx, userId: string, now: Date): Promise<{ id: string; remaining: number }[]> {
  return tx.$queryRaw<{ id: string; remaining: number }[]>`SELECT id, remaining FROM credit_lots WHERE ${spendableWhere(userId, now)} ORDER BY ${SPEND_ORDER}`;
}

/** What a user can spend now: the sum of {@link findSpendableLots}' remaining credits. */
export async function spendableBalance(tx: Tx, userId: string, now: Date): Promise<number> {
  const [row] = await tx.$queryRaw<{ balance: number }[]>`SELECT coalesce(sum(remaining), 0)::int AS balance FROM credit_lots WHERE ${spendableWhere(userId, now)}`;
  return row?.balance ?? 0;
}

