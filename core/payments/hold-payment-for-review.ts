import type { CoreDeps } from '#core/core-deps';
import type { Tx } from '#core/credits/ledger-transaction';
import type { PaymentProvider } from '#core/infra/db/generated/enums';
import type { PriceVerdict } from '#core/payments/check-paid-price';
import type { WebhookEffect } from '#core/payments/stripe-webhook-effect';

/** A paid payment that does not match the catalog's price for what it names. */
export type PaymentReviewInput = {
  provider: PaymentProvider;
  objectId: string;
  eventId: string | undefined;
  userId: string | undefined;
  productKind: 'pack' | 'plan';
  productId: string;
  paidAmount: number;
  paidCurrency: string;
  verdict: Extract<PriceVerdict, { isMatch: false }>;
};

/**
 * Records a payment for an admin to review (the admin area lists open reviews). One row per
 * provider object: a resent event, or a second event about the same object, adds nothing.
 * Returns whether this call added the row.
 */
export async function recordPaymentReview(db: Pick<Tx, 'paymentReview'>, input: PaymentReviewInput): Promise<boolean> {
  const { count } = await db.paymentReview.createMany({
    data: {
      provider: input.provider,
      objectId: input.objectId,
      eventId: input.eventId ?? null,
      userId: input.userId ?? null,
      productKind: input.productKind,
      productId: input.productId,
      expectedAmount: input.verdict.expectedAmount,
      expectedCurrency: input.verdict.expectedCurrency,
      paidAmount: input.paidAmount,
      paidCurrency: input.paidCurrency,
      reason: input.verdict.reason,
    },
    skipDuplicates: true,
  });
  return count > 0;
}

/** Logs a held payment at error level: an operator must look (the money arrived, no credits did). */
export function logHeldPayment(deps: Pick<CoreDeps, 'logger'>, input: PaymentReviewInput): void {
  const { verdict, ...rest } = input;
  deps.logger.error(
    {
      ...rest,
      reason: verdict.reason,
      expectedAmount: verdict.expectedAmount,
      expectedCurrency: verdict.expectedCurrency,
    },
    'payment does not match the catalog price: nothing credited, held for review',
  );
}

/**
 * The webhook effect of a paid Stripe object whose amount, currency or price is not the
 * catalog's: a PaymentReview row and nothing credited, logged at error level once (when this
 * delivery committed it).
 */
export function holdForReview(deps: Pick<CoreDeps, 'logger'>, input: PaymentReviewInput): WebhookEffect {
  return {
    userId: input.userId,
    note: `held_for_review:${input.verdict.reason}`,
    outcome: 'held_for_review',
    apply: async (tx) => {
      await recordPaymentReview(tx, input);
    },
    afterCommit: async () => logHeldPayment(deps, input),
  };
}
