import type { CoreDeps } from '#core/core-deps';
import { AppError } from '#core/errors/app-error';
import { clawBackCredits } from '#core/credits/claw-back-credits';
import { clawBackReferral } from '#core/referrals/claw-back-referral';

/** Telegram's refund call, implemented by the Telegram adapter (`refundStarPayment`). */
export interface StarsRefunds {
  refund(platformUserId: string, chargeId: string): Promise<void>;
}

/**
 * Refunds a Stars payment (admin action): asks Telegram to return the Stars, then claws the
 * pack's credits back (a debt when they were spent), and the referral credits the purchase gave
 * (`clawBackReferral`), and marks the payment refunded, audited.
 * Refunding twice changes nothing the second time.
 */
export async function refundStarsPayment(
  deps: Pick<CoreDeps, 'prisma' | 'clock'>,
  refunds: StarsRefunds,
  input: { chargeId: string; actor: string },
): Promise<'refunded' | 'already_refunded'> {
  const payment = await deps.prisma.payment.findUnique({
    where: { provider_externalId: { provider: 'telegram_stars', externalId: input.chargeId } },
  });
  if (!payment) throw new AppError('not_found');
  if (payment.status === 'refunded') return 'already_refunded';
  const platformUserId = (payment.details as { platformUserId?: string }).platformUserId;
  if (!platformUserId) throw new AppError('conflict', { message: 'payment has no Telegram user' });
  await refunds.refund(platformUserId, input.chargeId);
  if (payment.userId) {
    await clawBackCredits(deps.prisma, {
      userId: payment.userId,
      amount: payment.credits,
      idempotencyKey: `stars-refund:${input.chargeId}`,
      reason: 'refund',
      paymentId: payment.id,
      actor: input.actor,
      now: deps.clock.now(),
    });
  }
  await clawBackReferral(deps.prisma, {
    paymentId: payment.id,
    share: 1,
    eventKey: `stars-refund-${input.chargeId}`,
    actor: input.actor,
    now: deps.clock.now(),
  });
  await deps.prisma.$transaction([
    deps.prisma.payment.update({
      where: { id: payment.id },
      data: { status: 'refunded', refundedAmount: payment.amount },
    }),
    deps.prisma.auditLog.create({
      data: {
        actor: input.actor,
        action: 'payment.refund',
        targetUserId: payment.userId,
        details: { provider: 'telegram_stars', chargeId: input.chargeId },
      },
    }),
  ]);
  return 'refunded';
}
