import { auditAdminAction, type AdminActor, type AdminDeps } from '#core/admin/admin-deps';
import { resolveUser, type AdminUser, type UserRef } from '#core/admin/find-user';
import type { PaymentProvider, PaymentStatus } from '#core/infra/db/generated/enums';

/** One payment as the admin tools show it (ids included, so it can be refunded). */
export type AdminPaymentLine = {
  id: string;
  at: Date;
  provider: PaymentProvider;
  externalId: string;
  status: PaymentStatus;
  /** In the currency's minor unit (whole Stars for XTR). */
  amount: number;
  currency: string;
  credits: number;
  refundedAmount: number;
  productId: string | null;
};

/** The most payments one call returns. */
export const MAX_PAYMENT_LINES = 200;

/**
 * `payments`: a user's last `limit` payments (default 20, at most 200), newest first, audited as
 * `admin.view_payments` (payment history is personal data, so looking is recorded like the ledger).
 * With `paymentId`, only that payment, if it is this user's.
 */
export async function viewPayments(
  deps: AdminDeps,
  input: { ref: UserRef; limit?: number; paymentId?: string; actor: AdminActor },
): Promise<{ user: AdminUser; payments: AdminPaymentLine[] }> {
  const user = await resolveUser(deps, input.ref);
  const rows = await deps.prisma.payment.findMany({
    where: { userId: user.id, ...(input.paymentId === undefined ? {} : { id: input.paymentId }) },
    orderBy: { createdAt: 'desc' },
    take: Math.min(Math.max(input.limit ?? 20, 1), MAX_PAYMENT_LINES),
  });
  await auditAdminAction(deps.prisma, {
    actor: input.actor,
    action: 'admin.view_payments',
    targetUserId: user.id,
    details: { payments: rows.length },
  });
  return {
    user,
    payments: rows.map((row) => ({
      id: row.id,
      at: row.createdAt,
      provider: row.provider,
      externalId: row.externalId,
      status: row.status,
      amount: row.amount,
      currency: row.currency,
      credits: row.credits,
      refundedAmount: row.refundedAmount,
      productId: row.productId,
    })),
  };
}
