import type Stripe from 'stripe';
import type { CoreDeps } from '#core/core-deps';
import type { Catalog, Plan } from '#core/catalog/catalog';
import type { Tx } from '#core/credits/ledger-transaction';
import { noEffect, type WebhookEffect } from '#core/payments/stripe-webhook-effect';
import { checkPaidPrice, type PaidPrice } from '#core/payments/check-paid-price';
import { resolveUserId, userIdOfCustomer } from '#core/payments/stripe-resolve-user';

/** The catalog plan of a Stripe subscription: its `planId` metadata, else its price id. */
export function planOfSubscription(catalog: Catalog, subscription: Stripe.Subscription): Plan | undefined {
  const byMetadata = catalog.plans.find((plan) => plan.id === subscription.metadata?.planId);
  if (byMetadata) return byMetadata;
  const priceIds = subscription.items.data.map((item) => item.price.id);
  return catalog.plans.find((plan) => plan.stripePriceId !== undefined && priceIds.includes(plan.stripePriceId));
}

/** The end of the subscription's current period (Stripe keeps it per item). */
export function periodEndOf(subscription: Stripe.Subscription): Date | null {
  const ends = subscription.items.data
    .map((item) => item.current_period_end)
    .filter((end): end is number => typeof end === 'number');
  return ends.length > 0 ? new Date(Math.max(...ends) * 1000) : null;
}

/** The account of a subscription: our row for it, its `userId` metadata, or its customer. */
export async function userIdOfSubscription(
  deps: Pick<CoreDeps, 'prisma'>,
  subscription: Stripe.Subscription,
): Promise<string | undefined> {
  const row = await deps.prisma.subscription.findUnique({
    where: { stripeSubscriptionId: subscription.id },
    select: { userId: true },
  });
  return (
    row?.userId ??
    (await resolveUserId(deps.prisma, subscription.metadata?.userId)) ??
    (await userIdOfCustomer(deps.prisma, subscription.customer))
  );
}

/** Writes the subscription's current state (as re-read from Stripe) to our row; returns the row id. */
export async function upsertSubscription(
  tx: Tx,
  userId: string,
  subscription: Stripe.Subscription,
  plan: Plan,
): Promise<string> {
  const state = {
    status: subscription.status,
    currentPeriodEnd: periodEndOf(subscription),
    cancelAtPeriodEnd: subscription.cancel_at_period_end,
    planId: plan.id,
  };
  const row = await tx.subscription.upsert({
    where: { stripeSubscriptionId: subscription.id },
    create: { userId, stripeSubscriptionId: subscription.id, ...state },
    update: state,
    select: { id: true },
  });
  return row.id;
}

/** What a subscription bills each period, as {@link checkPaidPrice} compares it with the plan. */
export function billedPriceOf(subscription: Stripe.Subscription): PaidPrice {
  const items = subscription.items.data;
  return {
    amount: items.reduce((sum, item) => sum + (item.price.unit_amount ?? 0) * (item.quantity ?? 1), 0),
    currency: items[0]?.price.currency ?? '',
    lines: items.map((item) => ({ priceId: item.price.id, quantity: item.quantity ?? 1 })),
  };
}

/**
 * `customer.subscription.created/updated/deleted` (and a subscription checkout): the
 * subscription is re-read from Stripe and its status and period end stored as they are now, so a
 * delayed or out-of-order event can never bring back an older state. A subscription that does
 * not bill the catalog's price of its plan never gets a row (no plan limits without paying the
 * plan); one we already hold is still brought up to date, so its cancellation always lands.
 */
export async function syncSubscriptionEffect(
  deps: Pick<CoreDeps, 'prisma' | 'catalog' | 'logger'>,
  stripe: Stripe,
  subscriptionId: string,
): Promise<WebhookEffect> {
  const subscription = await stripe.subscriptions.retrieve(subscriptionId);
  const plan = planOfSubscription(deps.catalog, subscription);
  if (!plan) return noEffect('subscription_without_our_plan');
  const userId = await userIdOfSubscription(deps, subscription);
  if (!userId) {
    deps.logger.warn({ subscriptionId, planId: plan.id }, 'stripe subscription of a plan for no account of ours');
    return noEffect('subscription_unknown_account');
  }
  const verdict = await checkPaidPrice(stripe, deps.catalog, plan, billedPriceOf(subscription));
  if (!verdict.isMatch) {
    const known = await deps.prisma.subscription.findUnique({
      where: { stripeSubscriptionId: subscription.id },
      select: { id: true },
    });
    if (!known) {
      deps.logger.error(
        { subscriptionId, planId: plan.id, userId, reason: verdict.reason },
        'stripe subscription does not bill the catalog price of its plan: not recorded',
      );
      return noEffect(`subscription_price_${verdict.reason}`);
    }
  }
  return {
    userId,
    note: `subscription_${subscription.status}`,
    apply: async (tx) => {
      await upsertSubscription(tx, userId, subscription, plan);
    },
  };
}
