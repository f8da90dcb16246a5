import { auditAdminAction, type AdminActor, type AdminDeps } from '#core/admin/admin-deps';
import { resolveUser, type AdminUser, type UserRef } from '#core/admin/find-user';
import { getBalance, type Balance } from '#core/credits/get-balance';
import type { LedgerKind } from '#core/infra/db/generated/enums';

/** One ledger entry as the admin tools show it: everything, captures and actors included. */
export type AdminLedgerLine = {
  id: string;
  at: Date;
  kind: LedgerKind;
  delta: number;
  debtDelta: number;
  reason: string | null;
  actor: string | null;
  idempotencyKey: string;
  generationId: string | null;
  paymentId: string | null;
};

/** The most ledger lines one call returns. */
export const MAX_LEDGER_LINES = 500;

/** `balance`: a user's available, reserved and owed credits, audited as a look-up. */
export async function viewBalance(
  deps: AdminDeps,
  input: { ref: UserRef; actor: AdminActor },
): Promise<{ user: AdminUser; balance: Balance }> {
  const user = await resolveUser(deps, input.ref);
  const balance = await getBalance(deps.prisma, user.id, deps.clock.now());
  await auditAdminAction(deps.prisma, { actor: input.actor, action: 'admin.view_balance', targetUserId: user.id });
  return { user, balance };
}

/** `ledger`: a user's last `limit` credit movements (default 20, at most 500), newest first, audited. */
export async function viewLedger(
  deps: AdminDeps,
  input: { ref: UserRef; limit?: number; actor: AdminActor },
): Promise<{ user: AdminUser; lines: AdminLedgerLine[] }> {
  const user = await resolveUser(deps, input.ref);
  const rows = await deps.prisma.creditLedgerEntry.findMany({
    where: { userId: user.id },
    orderBy: { id: 'desc' },
    take: Math.min(Math.max(input.limit ?? 20, 1), MAX_LEDGER_LINES),
  });
  await auditAdminAction(deps.prisma, {
    actor: input.actor,
    action: 'admin.view_ledger',
    targetUserId: user.id,
    details: { lines: rows.length },
  });
  return {
    user,
    lines: rows.map((row) => ({
      id: row.id.toString(),
      at: row.createdAt,
      kind: row.kind,
      delta: row.delta,
      debtDelta: row.debtDelta,
      reason: row.reason,
      actor: row.actor,
      idempotencyKey: row.idempotencyKey,
      generationId: row.generationId,
      paymentId: row.paymentId,
    })),
  };
}
