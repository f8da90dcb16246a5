import type { CoreDeps } from '#core/core-deps';
import { withAccountLock } from '#core/credits/ledger-transaction';
import { resolveUserId } from '#core/payments/stripe-resolve-user';
import { normalizeReferralCode } from '#core/referrals/referral-code';
import { isSamePerson } from '#core/referrals/is-same-person';

/**
 * What became of a code: `applied` (the account is now invited by the code's owner),
 * `unknown_code` (no live account has it, or it is not a code), `own_code` (the owner is this
 * person, or was invited by this account: a loop), `already_referred` (the account was invited
 * before: set once), `already_purchased` (too late: it has bought before).
 */
export type ReferralCodeOutcome = 'applied' | 'unknown_code' | 'own_code' | 'already_referred' | 'already_purchased';

/**
 * Records who invited the account, from the code of an invite link. Set at most once per
 * account and only before its first purchase; never the account's own code or another account
 * of the same person (`isSamePerson`). Runs under both accounts' locks, so it is ordered with
 * the account's purchases and with the inviter applying a code of its own. Changes nothing unless `applied`.
 */
export async function applyReferralCode(
  deps: Pick<CoreDeps, 'prisma' | 'config'>,
  input: { userId: string; code: string | undefined },
): Promise<ReferralCodeOutcome> {
  const code = normalizeReferralCode(input.code);
  if (!code) return 'unknown_code';
  const owner = await deps.prisma.user.findUnique({ where: { referralCode: code }, select: { id: true } });
  if (!owner) return 'unknown_code';
  // Both rows locked (in id order): two people applying each other's codes at once cannot both pass the loop check.
  return withAccountLock(deps.prisma, [input.userId, owner.id], async (tx) => {
    const inviter = await tx.user.findUniqueOrThrow({
      where: { id: owner.id },
      select: { status: true, referredById: true },
    });
    if (inviter.status === 'deleted') return 'unknown_code';
    const user = await tx.user.findUniqueOrThrow({ where: { id: input.userId }, select: { referredById: true } });
    if (user.referredById) return 'already_referred';
    if ((await tx.payment.count({ where: { userId: input.userId } })) > 0) return 'already_purchased';
    const ownersInviter = await resolveUserId(tx, inviter.referredById);
    if (ownersInviter === input.userId || (await isSamePerson(tx, deps.config.sessionSecret, input.userId, owner.id)))
      return 'own_code';
    await tx.user.update({ where: { id: input.userId }, data: { referredById: owner.id } });
    return 'applied';
  });
}
