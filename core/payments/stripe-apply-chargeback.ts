import type Stripe from 'stripe';
import type { CoreDeps } from '#core/core-deps';
import type { Prisma } from '#core/infra/db/create-database';
import type { PaymentStatus } from '#core/infra/db/generated/enums';
import { clawBackCredits } from '#core/credits/claw-back-credits';
import { grantCreditsLocked } from '#core/credits/grant-credits';
import { clawBackReferral } from '#core/referrals/claw-back-referral';
import { inTransaction, noEffect, type WebhookEffect } from '#core/payments/stripe-webhook-effect';

type PaymentRow = {
  id: string;
  userId: string | null;
  amount: number;
  credits: number;
  status: PaymentStatus;
  details: Prisma.JsonValue;
};

function clawedSoFar(payment: PaymentRow): number {
  const details = payment.details as { clawedBackCredits?: unknown } | null;
  return typeof details?.clawedBackCredits === 'number' ? details.clawedBackCredits : 0;
}

async function findPaymentOfCharge(
  deps: Pick<CoreDeps, 'prisma'>,
  charge: Stripe.Charge,
): Promise<PaymentRow | undefined> {
  const intent = typeof charge.payment_intent === 'string' ? charge.payment_intent : charge.payment_intent?.id;
  if (!intent) return undefined;
  const payment = await deps.prisma.payment.findUnique({
    where: { provider_externalId: { provider: 'stripe', externalId: intent } },
    select: { id: true, userId: true, amount: true, credits: true, status: true, details: true, refundedAmount: true },
  });
  return payment ?? undefined;
}

/**
 * The writes of a refund or dispute: credits taken back through core's `clawBackCredits` (what
 * the balance cannot cover becomes a debt that blocks generation and is shown), and the Payment's
 * status, refunded amount and clawed-back total. `targetClawed` is how many of the payment's
 * credits should be gone in total, so repeated or out-of-order events take nothing twice. Any
 * refund takes back the same share of the referral credits the purchase gave, a dispute all of them
 * (`clawBackReferral`).
 */
function chargebackEffect(
  deps: Pick<CoreDeps, 'clock'>,
  payment: PaymentRow,
  input: {
    targetClawed: number;
    idempotencyKey: string;
    reason: string;
    status: PaymentStatus;
    refundedAmount?: number;
  },
): WebhookEffect {
  const toClaw = Math.max(0, Math.min(payment.credits, input.targetClawed) - clawedSoFar(payment));
  return {
    userId: payment.userId ?? undefined,
    note: `${input.reason}:${toClaw}`,
    apply: async (tx) => {
      const current = await tx.payment.findUniqueOrThrow({
        where: { id: payment.id },
        select: {
          id: true,
          userId: true,
          amount: true,
          credits: true,
          status: true,
          details: true,
          refundedAmount: true,
        },
      });
      const owed = Math.max(0, Math.min(current.credits, input.targetClawed) - clawedSoFar(current));
      if (owed > 0 && current.userId) {
        await clawBackCredits(inTransaction(tx), {
          userId: current.userId,
          amount: owed,
          idempotencyKey: input.idempotencyKey,
          reason: input.reason,
          paymentId: current.id,
          actor: 'stripe',
          now: deps.clock.now(),
        });
      }
      const details = {
        ...((current.details as Record<string, unknown> | null) ?? {}),
        clawedBackCredits: clawedSoFar(current) + owed,
      };
      await tx.payment.update({
        where: { id: current.id },
        data: {
          status: current.status === 'disputed' ? 'disputed' : input.status,
          details: details as Prisma.InputJsonValue,
          ...(input.refundedAmount === undefined ? {} : { refundedAmount: input.refundedAmount }),
        },
      });
      const refundedAmount = input.refundedAmount ?? current.refundedAmount;
      await clawBackReferral(inTransaction(tx), {
        paymentId: current.id,
        share:
          current.status === 'disputed' || input.status === 'disputed'
            ? 1
            : refundedShare(current.amount, refundedAmount),
        eventKey: input.idempotencyKey,
        actor: 'stripe',
        now: deps.clock.now(),
      });
    },
  };
}

/**
 * `charge.refunded`: the charge is re-read; the share of the payment's credits matching the
 * share refunded so far (cumulative, so a partial then a full refund take the rest, and a late
 * partial event takes nothing) is clawed back (key `stripe:refund:<charge>:<amount refunded>`).
 */
export async function chargeRefundedEffect(
  deps: Pick<CoreDeps, 'prisma' | 'clock' | 'logger'>,
  stripe: Stripe,
  chargeId: string,
): Promise<WebhookEffect> {
  const charge = await stripe.charges.retrieve(chargeId);
  const payment = await findPaymentOfCharge(deps, charge);
  if (!payment) {
    deps.logger.warn({ chargeId }, 'refund of a charge with no recorded payment');
    return noEffect('refund_unmatched');
  }
  const refunded = Math.min(charge.amount_refunded, payment.amount);
  const targetClawed = payment.amount > 0 ? Math.round((payment.credits * refunded) / payment.amount) : payment.credits;
  return chargebackEffect(deps, payment, {
    targetClawed,
    idempotencyKey: `stripe:refund:${charge.id}:${charge.amount_refunded}`,
    reason: 'refund',
    status: refunded >= payment.amount ? 'refunded' : refunded > 0 ? 'partially_refunded' : payment.status,
    refundedAmount: refunded,
  });
}

/** `charge.dispute.created`: the dispute and its charge are re-read; every credit of the payment not yet taken back is (key `stripe:dispute:<id>`). */
export async function disputeCreatedEffect(
  deps: Pick<CoreDeps, 'prisma' | 'clock' | 'logger'>,
  stripe: Stripe,
  disputeId: string,
): Promise<WebhookEffect> {
  const dispute = await stripe.disputes.retrieve(disputeId);
  const chargeId = typeof dispute.charge === 'string' ? dispute.charge : dispute.charge.id;
  const payment = await findPaymentOfCharge(deps, await stripe.charges.retrieve(chargeId));
  if (!payment) {
    deps.logger.warn({ disputeId }, 'dispute of a charge with no recorded payment');
    return noEffect('dispute_unmatched');
  }
  return chargebackEffect(deps, payment, {
    targetClawed: payment.credits,
    idempotencyKey: `stripe:dispute:${dispute.id}`,
    reason: 'dispute',
    status: 'disputed',
  });
}

/**
 * `charge.dispute.closed`: the dispute is re-read. Won (the bank sided with the merchant, the
 * money stays with us): every credit that dispute took back is given back, as a `refund` lot
 * that first settles any debt the dispute left (`grantCredits`; key `stripe:dispute-won:<id>`),
 * and the payment returns to its status before the dispute, with the referral credits the dispute
 * took (`clawBackReferral` down to the refunded share). Lost or any other end: the
 * clawback stands and nothing changes.
 */
export async function disputeClosedEffect(
  deps: Pick<CoreDeps, 'prisma' | 'clock' | 'logger'>,
  stripe: Stripe,
  disputeId: string,
): Promise<WebhookEffect> {
  const dispute = await stripe.disputes.retrieve(disputeId);
  if (dispute.status !== 'won') return noEffect(`dispute_${dispute.status}`);
  const chargeId = typeof dispute.charge === 'string' ? dispute.charge : dispute.charge.id;
  const payment = await findPaymentOfCharge(deps, await stripe.charges.retrieve(chargeId));
  if (!payment) {
    deps.logger.warn({ disputeId }, 'won dispute of a charge with no recorded payment');
    return noEffect('dispute_unmatched');
  }
  return {
    userId: payment.userId ?? undefined,
    note: 'dispute_won',
    apply: async (tx) => {
      const clawback = await tx.creditLedgerEntry.findUnique({
        where: { idempotencyKey: `stripe:dispute:${dispute.id}` },
        select: { delta: true, debtDelta: true },
      });
      const current = await tx.payment.findUniqueOrThrow({
        where: { id: payment.id },
        select: { userId: true, amount: true, refundedAmount: true, details: true },
      });
      const returned = clawback ? -clawback.delta + clawback.debtDelta : 0;
      if (returned > 0 && current.userId) {
        await grantCreditsLocked(tx, {
          userId: current.userId,
          amount: returned,
          source: 'refund',
          idempotencyKey: `stripe:dispute-won:${dispute.id}`,
          reason: 'dispute_won',
          paymentId: payment.id,
          actor: 'stripe',
        });
      }
      const details = {
        ...((current.details as Record<string, unknown> | null) ?? {}),
        clawedBackCredits: Math.max(0, clawedSoFar({ ...payment, details: current.details }) - returned),
      };
      const refunded = current.refundedAmount;
      await clawBackReferral(inTransaction(tx), {
        paymentId: payment.id,
        share: refundedShare(current.amount, refunded),
        eventKey: `stripe:dispute-won:${dispute.id}`,
        actor: 'stripe',
        now: deps.clock.now(),
      });
      await tx.payment.update({
        where: { id: payment.id },
        data: {
          status: refunded >= current.amount ? 'refunded' : refunded > 0 ? 'partially_refunded' : 'succeeded',
          details: details as Prisma.InputJsonValue,
        },
      });
    },
  };
}

/** The part of a payment refunded so far, 0 to 1 (a free payment counts as wholly refunded once any refund is recorded). */
function refundedShare(amount: number, refunded: number): number {
  if (amount <= 0) return refunded > 0 ? 1 : 0;
  return Math.min(1, refunded / amount);
}
