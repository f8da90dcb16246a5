import type Stripe from 'stripe';
import type { CoreDeps } from '#core/core-deps';
import { grantCreditsLocked } from '#core/credits/grant-credits';
import { noEffect, type WebhookEffect } from '#core/payments/stripe-webhook-effect';
import { checkPaidPrice } from '#core/payments/check-paid-price';
import { holdForReview } from '#core/payments/hold-payment-for-review';
import { announceCredits, chatOriginOf } from '#core/payments/announce-card-credits';
import { rewardFirstPurchaseLocked } from '#core/referrals/reward-first-purchase';
import { owePaymentReceiptLocked } from '#core/payments/owe-payment-receipt';
import { sendReceiptAfterCommit } from '#core/payments/send-payment-receipt';
import { planOfSubscription, upsertSubscription, userIdOfSubscription } from '#core/payments/stripe-sync-subscription';

/** The invoice's subscription id (Stripe moved it under `parent.subscription_details`). */
function subscriptionIdOf(invoice: Stripe.Invoice): string | undefined {
  const subscription = invoice.parent?.subscription_details?.subscription;
  return typeof subscription === 'string' ? subscription : subscription?.id;
}

/** The end of the service period the invoice paid for: the latest end among its lines. */
function servicePeriodEnd(invoice: Stripe.Invoice): Date | undefined {
  const ends = invoice.lines.data
    .map((line) => line.period?.end)
    .filter((end): end is number => typeof end === 'number');
  return ends.length > 0 ? new Date(Math.max(...ends) * 1000) : undefined;
}

/** The PaymentIntent that paid the invoice, when Stripe lists one. */
function paymentIntentOf(invoice: Stripe.Invoice): string | undefined {
  for (const entry of invoice.payments?.data ?? []) {
    const intent = entry.payment.payment_intent;
    if (intent) return typeof intent === 'string' ? intent : intent.id;
  }
  return undefined;
}

/**
 * `invoice.paid` of a plan: the invoice and its subscription are re-read from Stripe. When the
 * amount paid (and currency, or Stripe price) is the catalog's price of the plan, the
 * subscription row is brought up to date, the Payment recorded, and the plan's monthly credits
 * granted, expiring at the end of the period the invoice paid for (key `stripe:invoice:<id>`);
 * any other amount is held for review and credits nothing. Invoices without a subscription, or
 * of a subscription without our plan or account, are not ours to credit (ignored). A
 * subscription's first invoice (`subscription_create`) that is the account's first purchase
 * rewards its invitation; renewals never do. Every paid invoice owes a buyer with an email
 * address a receipt (with the plan's next renewal), sent once the credits are committed.
 */
export async function invoicePaidEffect(
  deps: Pick<CoreDeps, 'prisma' | 'catalog' | 'logger' | 'clock' | 'notifiers' | 'config' | 'mailer'>,
  stripe: Stripe,
  invoiceId: string,
  eventId: string,
): Promise<WebhookEffect> {
  const invoice = await stripe.invoices.retrieve(invoiceId, { expand: ['payments'] });
  const subscriptionId = subscriptionIdOf(invoice);
  if (!subscriptionId) return noEffect('invoice_without_subscription');
  if (invoice.status !== 'paid') return noEffect('invoice_not_paid');
  const subscription = await stripe.subscriptions.retrieve(subscriptionId);
  const plan = planOfSubscription(deps.catalog, subscription);
  if (!plan) return noEffect('invoice_without_our_plan');
  const userId = await userIdOfSubscription(deps, subscription);
  if (!userId) {
    deps.logger.warn(
      { invoiceId, subscriptionId, planId: plan.id },
      'paid stripe invoice of a plan for no account of ours',
    );
    return noEffect('invoice_unknown_account');
  }
  const periodEnd = servicePeriodEnd(invoice);
  if (!periodEnd) {
    deps.logger.error({ invoiceId, subscriptionId }, 'paid stripe invoice without a service period');
    return noEffect('invoice_without_period');
  }
  const lines = invoice.lines.data.map((line) => ({
    priceId:
      line.pricing?.price_details?.price === undefined
        ? undefined
        : typeof line.pricing.price_details.price === 'string'
          ? line.pricing.price_details.price
          : line.pricing.price_details.price.id,
    quantity: line.quantity ?? 1,
  }));
  const verdict = await checkPaidPrice(stripe, deps.catalog, plan, {
    amount: invoice.amount_paid,
    currency: invoice.currency,
    lines,
  });
  if (!verdict.isMatch) {
    return holdForReview(deps, {
      provider: 'stripe',
      objectId: invoice.id,
      eventId,
      userId,
      productKind: 'plan',
      productId: plan.id,
      paidAmount: invoice.amount_paid,
      paidCurrency: invoice.currency,
      verdict,
    });
  }
  const paymentIntentId = paymentIntentOf(invoice);
  // The first invoice of a plan bought through a chat's /buy link is announced there.
  const origin = invoice.billing_reason === 'subscription_create' ? chatOriginOf(subscription.metadata) : undefined;
  let receiptOf: string | undefined;
  return {
    userId,
    note: 'plan_credited',
    afterCommit: async () => {
      if (origin) await announceCredits(deps, { userId, credits: plan.monthlyCredits, origin });
      if (receiptOf) await sendReceiptAfterCommit(deps, receiptOf);
    },
    apply: async (tx) => {
      const subscriptionRowId = await upsertSubscription(tx, userId, subscription, plan);
      const externalId = paymentIntentId ?? invoice.id;
      const payment = await tx.payment.upsert({
        where: { provider_externalId: { provider: 'stripe', externalId } },
        create: {
          userId,
          provider: 'stripe',
          externalId,
          amount: invoice.amount_paid,
          currency: invoice.currency,
          credits: plan.monthlyCredits,
          status: 'succeeded',
          productId: plan.id,
          details: {
            invoiceId: invoice.id,
            subscriptionId,
            paymentIntentId: paymentIntentId ?? null,
            clawedBackCredits: 0,
          },
        },
        update: {},
        select: { id: true },
      });
      await grantCreditsLocked(tx, {
        userId,
        amount: plan.monthlyCredits,
        source: 'plan_period',
        idempotencyKey: `stripe:invoice:${invoice.id}`,
        expiresAt: periodEnd,
        reason: 'plan_period',
        paymentId: payment.id,
        subscriptionId: subscriptionRowId,
        actor: 'stripe',
      });
      if (invoice.billing_reason === 'subscription_create')
        await rewardFirstPurchaseLocked(tx, deps, { userId, paymentId: payment.id, now: deps.clock.now() });
      const isOwed = await owePaymentReceiptLocked(tx, {
        paymentId: payment.id,
        userId,
        // A plan set to end with this period does not renew.
        renewsAt: subscription.cancel_at_period_end ? null : periodEnd,
        now: deps.clock.now(),
        needsVerifiedEmail: false,
      });
      receiptOf = isOwed ? payment.id : undefined;
    },
  };
}
