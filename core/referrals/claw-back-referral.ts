import type { PrismaClient } from '#core/infra/db/create-database';
import { clawBackCredits } from '#core/credits/claw-back-credits';
import { resolveUserId } from '#core/payments/stripe-resolve-user';
import { referralGrantKey, type ReferralOnPayment } from '#core/referrals/reward-first-purchase';

function referralOf(details: unknown): ReferralOnPayment | undefined {
  const referral = (details as { referral?: Partial<ReferralOnPayment> } | null)?.referral;
  return typeof referral?.inviteeId === 'string'
    ? { inviteeId: referral.inviteeId, inviterId: referral.inviterId ?? null }
    : undefined;
}

/**
 * Takes back the referral credits a purchase gave (both sides), after that purchase was
 * refunded or disputed, like the purchase's own credits (`clawBackCredits`: a debt where they
 * were spent). Keys `referral-clawback:<payment>:<side>`, so a repeated refund takes nothing
 * more. An account erased since keeps nothing to take back and is skipped. Returns the credits
 * taken back now (including what became a debt).
 */
export async function clawBackReferral(
  prisma: PrismaClient,
  input: { paymentId: string; actor: string; now: Date },
): Promise<number> {
  const payment = await prisma.payment.findUnique({ where: { id: input.paymentId }, select: { details: true } });
  const referral = referralOf(payment?.details);
  if (!referral) return 0;
  let total = 0;
  for (const side of ['invitee', 'inviter'] as const) {
    const grant = await prisma.creditLedgerEntry.findUnique({
      where: { idempotencyKey: referralGrantKey(referral.inviteeId, input.paymentId, side) },
      select: { userId: true, delta: true },
    });
    const owner = grant ? await resolveUserId(prisma, grant.userId) : undefined;
    if (!grant || !owner || grant.delta <= 0) continue;
    const result = await clawBackCredits(prisma, {
      userId: owner,
      amount: grant.delta,
      idempotencyKey: `referral-clawback:${input.paymentId}:${side}`,
      reason: 'referral_clawback',
      actor: input.actor,
      now: input.now,
    });
    if (result.applied) total += result.taken + result.owed;
  }
  return total;
}
