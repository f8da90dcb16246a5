import type Stripe from 'stripe';
import type { CoreDeps } from '#core/core-deps';
import { AppError } from '#core/errors/app-error';
import { isUniqueViolation } from '#core/accounts/find-or-create-account';
import { withAccountLock, type Tx } from '#core/credits/ledger-transaction';
import { checkoutCompletedEffect } from '#core/payments/stripe-apply-checkout';
import { chargeRefundedEffect, disputeClosedEffect, disputeCreatedEffect } from '#core/payments/stripe-apply-chargeback';
import { invoicePaidEffect } from '#core/payments/stripe-apply-invoice';
import { syncSubscriptionEffect } from '#core/payments/stripe-sync-subscription';
import type { WebhookEffect } from '#core/payments/stripe-webhook-effect';

/** The event types we act on; every other type is answered 200 and ignored. */
export const HANDLED_STRIPE_EVENTS = [
  'checkout.session.completed',
  'checkout.session.async_payment_succeeded',
  'invoice.paid',
  'customer.subscription.created',
  'customer.subscription.updated',
  'customer.subscription.deleted',
  'charge.refunded',
  'charge.dispute.created',
  'charge.dispute.closed',
] as const;

type HandledType = (typeof HANDLED_STRIPE_EVENTS)[number];

/** What happened to one delivery. */
export type WebhookOutcome = 'applied' | 'duplicate' | 'ignored';

function isHandled(type: string): type is HandledType {
  return (HANDLED_STRIPE_EVENTS as readonly string[]).includes(type);
}

/** The id of the object an event is about (the payload is trusted for nothing else). */
function objectIdOf(event: Stripe.Event): string {
  const id = (event.data.object as { id?: unknown }).id;
  if (typeof id !== 'string' || id === '') throw new AppError('invalid_input', { message: 'stripe event without an object id' });
  return id;
}

async function effectOf(deps: CoreDeps, stripe: Stripe, type: HandledType, objectId: string): Promise<WebhookEffect> {
  switch (type) {
    case 'checkout.session.completed':
    case 'checkout.session.async_payment_succeeded':
      return checkoutCompletedEffect(deps, stripe, objectId);
    case 'invoice.paid':
      return invoicePaidEffect(deps, stripe, objectId);
    case 'customer.subscription.created':
    case 'customer.subscription.updated':
    case 'customer.subscription.deleted':
      return syncSubscriptionEffect(deps, stripe, objectId);
    case 'charge.refunded':
      return chargeRefundedEffect(deps, stripe, objectId);
    case 'charge.dispute.created':
      return disputeCreatedEffect(deps, stripe, objectId);
    case 'charge.dispute.closed':
      return disputeClosedEffect(deps, stripe, objectId);
  }
}

/**
 * `POST /stripe/webhook`: verifies the signature over the raw body (`invalid_input` and nothing
 * written when it fails), ignores event types not in {@link HANDLED_STRIPE_EVENTS}, skips events
 * already processed, re-reads the event's object from Stripe (the payload is only trusted for its
 * id) and applies the effects in one transaction with the `ProcessedWebhookEvent` mark, holding
 * the account's lock. A repeated or concurrent delivery of one event therefore applies it once.
 * Stripe API failures propagate, so Stripe retries the delivery later.
 */
export async function handleStripeWebhook(deps: CoreDeps, stripe: Stripe | undefined, input: { rawBody: Buffer; signature: string | undefined }): Promise<WebhookOutcome> {
  const secret = deps.config.stripe?.webhookSecret;
  if (!stripe || !secret) throw new AppError('payments_unavailable', { message: 'stripe webhooks are not configured' });
  let event: Stripe.Event;
  try {
    event = stripe.webhooks.constructEvent(input.rawBody, input.signature ?? '', secret);
  } catch (error) {
    throw new AppError('invalid_input', { cause: error, message: 'stripe signature rejected' });
  }
  const log = deps.logger.child({ stripeEvent: event.id, type: event.type });
  if (!isHandled(event.type)) {
    log.debug('stripe event ignored');
    return 'ignored';
  }
  if (await isProcessed(deps, event.id)) return 'duplicate';
  const effect = await effectOf(deps, stripe, event.type, objectIdOf(event));
  const run = async (tx: Tx): Promise<WebhookOutcome> => {
    if (await tx.processedWebhookEvent.findUnique({ where: { provider_eventId: { provider: 'stripe', eventId: event.id } } })) return 'duplicate';
    await effect.apply(tx);
    await tx.processedWebhookEvent.create({ data: { provider: 'stripe', eventId: event.id, type: event.type } });
    return 'applied';
  };
  let outcome: WebhookOutcome;
  try {
    outcome = effect.userId ? await withAccountLock(deps.prisma, effect.userId, run) : await deps.prisma.$transaction(run);
  } catch (error) {
    // A concurrent delivery of the same event committed first: its mark is the winner's.
    if (!isUniqueViolation(error)) throw error;
    outcome = 'duplicate';
  }
  log.info({ outcome, note: effect.note, userId: effect.userId }, 'stripe event');
  return outcome;
}

async function isProcessed(deps: CoreDeps, eventId: string): Promise<boolean> {
  return (await deps.prisma.processedWebhookEvent.findUnique({ where: { provider_eventId: { provider: 'stripe', eventId } } })) !== null;
}
