import type { CoreDeps } from '#core/core-deps';
import type { Prisma } from '#core/infra/db/create-database';
import { grantCreditsLocked } from '#core/credits/grant-credits';
import type { Tx } from '#core/credits/ledger-transaction';
import { resolveUserId } from '#core/payments/stripe-resolve-user';
import { isSamePerson } from '#core/referrals/is-same-person';

const DAY_MS = 86_400_000;

/** Who a purchase's referral reward went to, kept on the payment (`details.referral`) so a refund finds it. */
export type ReferralOnPayment = { inviteeId: string; inviterId: string | null };

/** The ledger key of one side's referral grant for a purchase: tied to the invitee and the purchase. */
export function referralGrantKey(inviteeId: string, paymentId: string, side: 'invitee' | 'inviter'): string {
  return `referral:${inviteeId}:${paymentId}:${side}`;
}

/**
 * Rewards an invitation when `paymentId` is the invited account's first purchase: the catalog's
 * `referral.inviteeCredits` to the buyer and `referral.inviterCredits` to the inviter, as
 * `referral` lots lasting like pack credits, keyed by {@link referralGrantKey} (a replayed
 * payment grants nothing more). Nothing when the account was not invited, has another payment
 * (even a refunded one: only the first purchase counts), the payment is not `succeeded`, or the
 * inviter is the same person (the same account after a merge, or sharing an identity mark). An
 * erased inviter gets nothing; the buyer still gets their share. Runs in the payment's
 * transaction, which holds the buyer's lock; the inviter's lock is taken after it.
 */
export async function rewardFirstPurchaseLocked(
  tx: Tx,
  deps: Pick<CoreDeps, 'catalog' | 'config'>,
  input: { userId: string; paymentId: string; now: Date },
): Promise<ReferralOnPayment | undefined> {
  const { userId, paymentId, now } = input;
  const user = await tx.user.findUnique({ where: { id: userId }, select: { referredById: true } });
  if (!user?.referredById) return undefined;
  if ((await tx.payment.count({ where: { userId, id: { not: paymentId } } })) > 0) return undefined;
  const payment = await tx.payment.findUniqueOrThrow({
    where: { id: paymentId },
    select: { status: true, details: true },
  });
  if (payment.status !== 'succeeded') return undefined;
  const inviterId = (await resolveUserId(tx, user.referredById)) ?? null;
  if (inviterId && (await isSamePerson(tx, deps.config.sessionSecret, userId, inviterId))) return undefined;
  const { inviteeCredits, inviterCredits } = deps.catalog.referral;
  const validDays = deps.catalog.packCreditsValidDays;
  const expiresAt = validDays === null ? null : new Date(now.getTime() + validDays * DAY_MS);
  if (inviteeCredits > 0) {
    await grantCreditsLocked(tx, {
      userId,
      amount: inviteeCredits,
      source: 'referral',
      idempotencyKey: referralGrantKey(userId, paymentId, 'invitee'),
      expiresAt,
      reason: 'referral',
      actor: 'referral',
    });
  }
  if (inviterId && inviterCredits > 0) {
    await tx.$queryRaw`SELECT id FROM users WHERE id = ${inviterId}::uuid FOR UPDATE`;
    await grantCreditsLocked(tx, {
      userId: inviterId,
      amount: inviterCredits,
      source: 'referral',
      idempotencyKey: referralGrantKey(userId, paymentId, 'inviter'),
      expiresAt,
      reason: 'referral',
      actor: 'referral',
    });
  }
  const referral: ReferralOnPayment = { inviteeId: userId, inviterId };
  const details = { ...((payment.details as Record<string, unknown> | null) ?? {}), referral };
  await tx.payment.update({ where: { id: paymentId }, data: { details: details as Prisma.InputJsonValue } });
  return referral;
}
