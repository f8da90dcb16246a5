import type Stripe from 'stripe';
import type { CoreDeps } from '#core/core-deps';
import { AppError } from '#core/errors/app-error';
import { isUniqueViolation } from '#core/accounts/find-or-create-account';
import { withAccountLock, type Tx } from '#core/credits/ledger-transaction';
import { checkoutCompletedEffect } from '#core/payments/stripe-apply-checkout';
import {
  chargeRefundedEffect,
  disputeClosedEffect,
  disputeCreatedEffect,
} from '#core/payments/stripe-apply-chargeback';
import { invoicePaidEffect } from '#core/payments/stripe-apply-invoice';
import { syncSubscriptionEffect } from '#core/payments/stripe-sync-subscription';
import { noEffect, type WebhookEffect } from '#core/payments/stripe-webhook-effect';

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

/**
 * What happened to one delivery: `applied`; `duplicate` (processed before); `ignored` (a type we
 * do not handle, or an object that is not ours, unknown to us or gone at Stripe: recorded with
 * the reason when the type is handled); `held_for_review` (paid, but not the catalog's price).
 */
export type WebhookOutcome = 'applied' | 'duplicate' | 'ignored' | 'held_for_review';

function isHandled(type: string): type is HandledType {
  return (HANDLED_STRIPE_EVENTS as readonly string[]).includes(type);
}

/** The id of the object an event is about (the payload is trusted for nothing else). */
function objectIdOf(event: Stripe.Event): string | undefined {
  const id = (event.data.object as { id?: unknown } | undefined)?.id;
  return typeof id === 'string' && /^[A-Za-z0-9_]{1,255}$/.test(id) ? id : undefined;
}

/** Stripe answered that the object does not exist (deleted, or of another account or mode). */
function isMissingObject(error: unknown): boolean {
  // Only Stripe's own answer: a bare 404 (a wrong API base) must stay an error Stripe retries.
  return (error as { code?: unknown }).code === 'resource_missing';
}

async function effectOf(
  deps: CoreDeps,
  stripe: Stripe,
  type: HandledType,
  objectId: string,
  eventId: string,
): Promise<WebhookEffect> {
  switch (type) {
    case 'checkout.session.completed':
    case 'checkout.session.async_payment_succeeded':
      return checkoutCompletedEffect(deps, stripe, objectId, eventId);
    case 'invoice.paid':
      return invoicePaidEffect(deps, stripe, objectId, eventId);
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
 * id) and applies the effects in one transaction with the `ProcessedWebhookEvent` mark (its
 * outcome and note), holding the account's lock. A repeated or concurrent delivery of one event
 * therefore applies it once. An event about an object we do not know (no id, gone at Stripe, no
 * pack, plan, account or payment of ours) is acknowledged and marked `ignored` with the reason,
 * so Stripe stops resending it. Other Stripe API failures propagate, so Stripe retries later.
 */
export async function handleStripeWebhook(
  deps: CoreDeps,
  stripe: Stripe | undefined,
  input: { rawBody: Buffer; signature: string | undefined },
): Promise<WebhookOutcome> {
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
  const effect = await resolveEffect(deps, stripe, event as Stripe.Event & { type: HandledType });
  const outcomeOfEffect = effect.outcome ?? 'applied';
  const run = async (tx: Tx): Promise<WebhookOutcome> => {
    if (
      await tx.processedWebhookEvent.findUnique({
        where: { provider_eventId: { provider: 'stripe', eventId: event.id } },
      })
    )
      return 'duplicate';
    await effect.apply(tx);
    await tx.processedWebhookEvent.create({
      data: { provider: 'stripe', eventId: event.id, type: event.type, outcome: outcomeOfEffect, note: effect.note },
    });
    return outcomeOfEffect;
  };
  let outcome: WebhookOutcome;
  try {
    outcome = effect.userId
      ? await withAccountLock(deps.prisma, effect.userId, run)
      : await deps.prisma.$transaction(run);
  } catch (error) {
    // A concurrent delivery of the same event committed first: its mark is the winner's.
    if (!isUniqueViolation(error)) throw error;
    outcome = 'duplicate';
  }
  log.info({ outcome, note: effect.note, userId: effect.userId }, 'stripe event');
  if (outcome !== 'duplicate') await effect.afterCommit?.();
  return outcome;
}

/** The effect of a handled event; `ignored` when its object has no usable id or Stripe no longer has it. */
async function resolveEffect(
  deps: CoreDeps,
  stripe: Stripe,
  event: Stripe.Event & { type: HandledType },
): Promise<WebhookEffect> {
  const objectId = objectIdOf(event);
  if (!objectId) {
    deps.logger.warn({ stripeEvent: event.id, type: event.type }, 'stripe event without a usable object id: ignored');
    return noEffect('object_without_id');
  }
  try {
    return await effectOf(deps, stripe, event.type, objectId, event.id);
  } catch (error) {
    if (!isMissingObject(error)) throw error;
    deps.logger.warn(
      { stripeEvent: event.id, type: event.type, objectId },
      'stripe event about an object stripe does not have: ignored',
    );
    return noEffect('object_missing_at_stripe');
  }
}

async function isProcessed(deps: CoreDeps, eventId: string): Promise<boolean> {
  return (
    (await deps.prisma.processedWebhookEvent.findUnique({
      where: { provider_eventId: { provider: 'stripe', eventId } },
    })) !== null
  );
}
