import { auditAdminAction, type AdminActor, type AdminDeps } from '#core/admin/admin-deps';
import { AppError } from '#core/errors/app-error';
import type { PaymentProvider, PaymentReviewStatus } from '#core/infra/db/generated/enums';

/** A payment held for review (paid, but not the catalog's price), as the admin tools show it. */
export type PaymentReviewLine = {
  id: string;
  at: Date;
  provider: PaymentProvider;
  objectId: string;
  userId: string | null;
  productKind: string;
  productId: string | null;
  expectedAmount: number | null;
  expectedCurrency: string | null;
  paidAmount: number;
  paidCurrency: string;
  reason: string;
  status: PaymentReviewStatus;
  resolvedAt: Date | null;
  resolvedBy: string | null;
  resolution: string | null;
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The payments held for review, open ones first, then the latest resolved (at most `limit`,
 * default 100). Looking is audited (`admin.view_payment_reviews`), like every admin look-up.
 */
export async function listPaymentReviews(
  deps: AdminDeps,
  input: { limit?: number; actor: AdminActor },
): Promise<PaymentReviewLine[]> {
  const rows = await deps.prisma.paymentReview.findMany({
    orderBy: [{ status: 'asc' }, { createdAt: 'desc' }],
    take: Math.min(Math.max(input.limit ?? 100, 1), 500),
  });
  await auditAdminAction(deps.prisma, {
    actor: input.actor,
    action: 'admin.view_payment_reviews',
    details: { lines: rows.length },
  });
  return rows.map((row) => ({
    id: row.id,
    at: row.createdAt,
    provider: row.provider,
    objectId: row.objectId,
    userId: row.userId,
    productKind: row.productKind,
    productId: row.productId,
    expectedAmount: row.expectedAmount,
    expectedCurrency: row.expectedCurrency,
    paidAmount: row.paidAmount,
    paidCurrency: row.paidCurrency,
    reason: row.reason,
    status: row.status,
    resolvedAt: row.resolvedAt,
    resolvedBy: row.resolvedBy,
    resolution: row.resolution,
  }));
}

/**
 * Marks a held payment resolved, with what was done (for example "refunded in the Dashboard" or
 * "granted by hand"); crediting or refunding is the admin's separate, audited action. Once:
 * a second call changes nothing and answers `already_resolved` (no second audit row). Throws
 * `not_found`.
 */
export async function resolvePaymentReview(
  deps: AdminDeps,
  input: { id: string; resolution: string; actor: AdminActor },
): Promise<'resolved' | 'already_resolved'> {
  if (!UUID.test(input.id)) throw new AppError('not_found', { message: `no payment review has the id ${input.id}` });
  const id = input.id.toLowerCase();
  return deps.prisma.$transaction(async (tx) => {
    const review = await tx.paymentReview.findUnique({ where: { id }, select: { userId: true, objectId: true } });
    if (!review) throw new AppError('not_found', { message: `no payment review has the id ${id}` });
    const { count } = await tx.paymentReview.updateMany({
      where: { id, status: 'open' },
      data: { status: 'resolved', resolvedAt: deps.clock.now(), resolvedBy: input.actor, resolution: input.resolution },
    });
    if (count === 0) return 'already_resolved';
    await auditAdminAction(tx, {
      actor: input.actor,
      action: 'payment_review.resolve',
      targetUserId: review.userId,
      details: { reviewId: id, objectId: review.objectId, resolution: input.resolution },
    });
    return 'resolved';
  });
}
