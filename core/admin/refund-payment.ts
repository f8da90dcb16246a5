import type Stripe from 'stripe';
import { auditAdminAction, type AdminActor, type AdminDeps } from '#core/admin/admin-deps';
import { AppError } from '#core/errors/app-error';
import type { PaymentProvider } from '#core/infra/db/generated/enums';
import { refundStarsPayment, type StarsRefunds } from '#core/payments/refund-stars-payment';

/** How the refund of one payment went. */
export type AdminRefundResult = {
  paymentId: string;
  provider: PaymentProvider;
  externalId: string;
  userId: string | null;
  credits: number;
  /**
   * `refunded`: money returned and credits clawed back now (Telegram Stars).
   * `requested`: Stripe accepted the refund; the credits are clawed back when its
   * `charge.refunded` webhook is processed, as for a refund made in the Stripe Dashboard.
   * `already_refunded`: nothing was done.
   */
  outcome: 'refunded' | 'requested' | 'already_refunded';
  stripeRefundId: string | undefined;
};

/** The clients a refund may need; a missing one makes that provider's refunds refuse with the reason. */
export type RefundClients = { stars: StarsRefunds | undefined; stripe: Stripe | undefined };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * `refund-payment <payment id | external id>`: refunds a whole payment through its provider.
 * Telegram Stars: `refundStarPayment`, then the clawback (a debt when spent), the payment marked
 * refunded and audited (`core/payments/refund-stars-payment`). Stripe: a refund of the payment
 * intent with an idempotency key per payment, audited as `payment.refund_requested`; the
 * webhook then claws the credits back, so a refund from the CLI and one from the Dashboard take
 * the same path and are never clawed back twice. Throws `not_found`, or `conflict` /
 * `payments_unavailable` with the reason when the refund cannot be made.
 */
export async function refundPayment(
  deps: AdminDeps,
  clients: RefundClients,
  input: { ref: string; actor: AdminActor },
): Promise<AdminRefundResult> {
  const ref = input.ref.trim();
  const payment = UUID.test(ref)
    ? await deps.prisma.payment.findUnique({ where: { id: ref.toLowerCase() } })
    : await deps.prisma.payment.findFirst({ where: { externalId: ref }, orderBy: { createdAt: 'desc' } });
  if (!payment) throw new AppError('not_found', { message: `no payment has the id or external id ${ref}` });
  const base = {
    paymentId: payment.id,
    provider: payment.provider,
    externalId: payment.externalId,
    userId: payment.userId,
    credits: payment.credits,
    stripeRefundId: undefined,
  };
  if (payment.status === 'refunded') return { ...base, outcome: 'already_refunded' };
  if (payment.status !== 'succeeded' && payment.status !== 'partially_refunded') {
    throw new AppError('conflict', {
      message: `payment ${payment.id} is ${payment.status}; only a succeeded payment can be refunded`,
    });
  }

  if (payment.provider === 'telegram_stars') {
    if (!clients.stars)
      throw new AppError('payments_unavailable', {
        message: 'TELEGRAM_BOT_TOKEN is not set: Stars are refunded through the bot that received them',
      });
    const outcome = await refundStarsPayment(deps, clients.stars, { chargeId: payment.externalId, actor: input.actor });
    return { ...base, outcome };
  }

  if (!clients.stripe)
    throw new AppError('payments_unavailable', {
      message: 'STRIPE_SECRET_KEY is not set: card payments are refunded through Stripe',
    });
  const details = (payment.details ?? {}) as { paymentIntentId?: string | null };
  const paymentIntent =
    details.paymentIntentId ?? (payment.externalId.startsWith('pi_') ? payment.externalId : undefined);
  if (!paymentIntent)
    throw new AppError('conflict', {
      message: `payment ${payment.id} has no Stripe payment intent; refund it in the Stripe Dashboard`,
    });
  let refundId: string | undefined;
  try {
    const refund = await clients.stripe.refunds.create(
      { payment_intent: paymentIntent, metadata: { paymentId: payment.id, refundedBy: input.actor } },
      { idempotencyKey: `admin-refund:${payment.id}` },
    );
    refundId = refund.id;
  } catch (error) {
    if ((error as { code?: string }).code === 'charge_already_refunded')
      return { ...base, outcome: 'already_refunded' };
    throw new AppError('payments_unavailable', {
      message: `Stripe refused the refund: ${(error as Error).message}`,
      cause: error,
    });
  }
  await auditAdminAction(deps.prisma, {
    actor: input.actor,
    action: 'payment.refund_requested',
    targetUserId: payment.userId,
    details: { provider: 'stripe', paymentId: payment.id, paymentIntent, refundId },
  });
  return { ...base, outcome: 'requested', stripeRefundId: refundId };
}
