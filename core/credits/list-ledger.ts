import type { PrismaClient } from '#core/infra/db/create-database';
import type { LedgerKind } from '#core/infra/db/generated/enums';

export type LedgerLine = {
  id: string;
  kind: LedgerKind;
  delta: number;
  reason: string | null;
  generationId: string | null;
  paymentId: string | null;
  at: Date;
};

/** The last `limit` credit movements of a user, newest first (zero-delta captures left out for users). */
export async function listLedger(
  prisma: PrismaClient,
  userId: string,
  options: { limit?: number; includeCaptures?: boolean } = {},
): Promise<LedgerLine[]> {
  const rows = await prisma.creditLedgerEntry.findMany({
    where: { userId, ...(options.includeCaptures ? {} : { NOT: { kind: 'capture' } }) },
    orderBy: { id: 'desc' },
    take: Math.min(options.limit ?? 10, 500),
  });
  return rows.map((row) => ({
    id: row.id.toString(),
    kind: row.kind,
    delta: row.delta,
    reason: row.reason,
    generationId: row.generationId,
    paymentId: row.paymentId,
    at: row.createdAt,
  }));
}
