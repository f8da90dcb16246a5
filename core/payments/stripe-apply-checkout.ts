import type Stripe from 'stripe';
import type { CoreDeps } from '#core/core-deps';
import { findPack } from '#core/catalog/catalog';
import { grantCreditsLocked } from '#core/credits/grant-credits';
import type { Tx } from '#core/credits/ledger-transaction';
import { noEffect, type WebhookEffect } from '#core/payments/stripe-webhook-effect';
import { resolveUserId } from '#core/payments/stripe-resolve-user';
import { syncSubscriptionEffect } from '#core/payments/stripe-sync-subscription';
import { checkPaidPrice } from '#core/payments/check-paid-price';
import { holdForReview } from '#core/payments/hold-payment-for-review';
import { announceCredits, chatOriginOf } from '#core/payments/announce-card-credits';
import { rewardFirstPurchaseLocked } from '#core/referrals/reward-first-purchase';
import { owePaymentReceiptLocked } from '#core/payments/owe-payment-receipt';
import { sendReceiptAfterCommit } from '#core/payments/send-payment-receipt';

const DAY_MS = 24 * 60 * 60 * 1000;

/** Stores the customer of a completed checkout for the account when it has none yet. */
async function rememberCustomer(tx: Tx, userId: string, customer: Stripe.Checkout.Session['customer']): Promise<void> {
  const customerId = typeof customer === 'string' ? customer : customer?.id;
  if (!customerId) return;
  const [mine, taken] = await Promise.all([
    tx.stripeCustomer.findUnique({ where: { userId } }),
    tx.stripeCustomer.findUnique({ where: { customerId } }),
  ]);
  if (!mine && !taken) await tx.stripeCustomer.create({ data: { userId, customerId } });
}

/**
 * `checkout.session.completed` / `checkout.session.async_payment_succeeded`. The session is
 * re-read from Stripe. A paid pack checkout whose amount and currency are the catalog's price for
 * that pack (`checkPaidPrice`) records the Payment and grants the pack's credits (key
 * `stripe:checkout:<session id>`, expiring after the catalog's validity), then tells the chat the
 * purchase started from, if any; any other amount is held for review and credits nothing. An
 * unpaid one (a delayed payment method) waits for its `async_payment_succeeded`. A session
 * without our pack or account is ignored. A subscription checkout only syncs the subscription:
 * its credits come with `invoice.paid`. The account's first purchase also rewards its invitation.
 * A buyer with an email address is owed a receipt, sent once the credits are committed.
 */
export async function checkoutCompletedEffect(
  deps: Pick<CoreDeps, 'prisma' | 'catalog' | 'clock' | 'logger' | 'notifiers' | 'config' | 'mailer'>,
  stripe: Stripe,
  sessionId: string,
  eventId: string,
): Promise<WebhookEffect> {
  const session = await stripe.checkout.sessions.retrieve(sessionId);
  if (session.mode === 'subscription') {
    const subscriptionId = typeof session.subscription === 'string' ? session.subscription : session.subscription?.id;
    if (!subscriptionId) return noEffect('subscription_checkout_without_subscription');
    const effect = await syncSubscriptionEffect(deps, stripe, subscriptionId);
    const { userId } = effect;
    if (!userId) return effect;
    return {
      ...effect,
      apply: async (tx) => {
        await effect.apply(tx);
        await rememberCustomer(tx, userId, session.customer);
      },
    };
  }
  if (session.mode !== 'payment') return noEffect('unsupported_mode');
  if (session.payment_status !== 'paid') return noEffect('awaiting_payment');
  const pack = findPack(deps.catalog, session.metadata?.packId ?? '');
  if (!pack) return noEffect('checkout_without_our_pack');
  const userId = await resolveUserId(deps.prisma, session.metadata?.userId ?? session.client_reference_id);
  if (!userId) {
    deps.logger.warn(
      { sessionId, packId: pack.id },
      'paid stripe checkout for an account that does not exist (erased?)',
    );
    return noEffect('checkout_unknown_account');
  }
  const paid = { amount: session.amount_total ?? 0, currency: session.currency ?? '' };
  const lines = pack.stripePriceId
    ? (await stripe.checkout.sessions.listLineItems(session.id)).data.map((line) => ({
        priceId: line.price?.id,
        quantity: line.quantity ?? 0,
      }))
    : undefined;
  const verdict = await checkPaidPrice(stripe, deps.catalog, pack, { ...paid, ...(lines ? { lines } : {}) });
  if (!verdict.isMatch) {
    return holdForReview(deps, {
      provider: 'stripe',
      objectId: session.id,
      eventId,
      userId,
      productKind: 'pack',
      productId: pack.id,
      paidAmount: paid.amount,
      paidCurrency: paid.currency,
      verdict,
    });
  }
  const paymentIntentId =
    typeof session.payment_intent === 'string' ? session.payment_intent : session.payment_intent?.id;
  const now = deps.clock.now();
  const validDays = deps.catalog.packCreditsValidDays;
  const origin = chatOriginOf(session.metadata);
  let receiptOf: string | undefined;
  return {
    userId,
    note: 'pack_credited',
    apply: async (tx) => {
      const externalId = paymentIntentId ?? session.id;
      const payment = await tx.payment.upsert({
        where: { provider_externalId: { provider: 'stripe', externalId } },
        create: {
          userId,
          provider: 'stripe',
          externalId,
          amount: paid.amount,
          currency: paid.currency,
          credits: pack.credits,
          status: 'succeeded',
          productId: pack.id,
          details: { checkoutSessionId: session.id, paymentIntentId: paymentIntentId ?? null, clawedBackCredits: 0 },
        },
        update: {},
        select: { id: true },
      });
      await grantCreditsLocked(tx, {
        userId,
        amount: pack.credits,
        source: 'pack',
        idempotencyKey: `stripe:checkout:${session.id}`,
        expiresAt: validDays === null ? null : new Date(now.getTime() + validDays * DAY_MS),
        reason: 'pack',
        paymentId: payment.id,
        actor: 'stripe',
      });
      await rememberCustomer(tx, userId, session.customer);
      await rewardFirstPurchaseLocked(tx, deps, { userId, paymentId: payment.id, now });
      const isOwed = await owePaymentReceiptLocked(tx, {
        paymentId: payment.id,
        userId,
        renewsAt: null,
        now,
        needsVerifiedEmail: false,
      });
      receiptOf = isOwed ? payment.id : undefined;
    },
    afterCommit: async () => {
      if (origin) await announceCredits(deps, { userId, credits: pack.credits, origin });
      if (receiptOf) await sendReceiptAfterCommit(deps, receiptOf);
    },
  };
}
