import type { AppConfig } from '#core/config/load-config';
import { claimBonusMarks, hashIdentities, identitiesOfAccount } from '#core/accounts/identity-marks';
import { grantCreditsLocked } from '#core/credits/grant-credits';
import { isKeyApplied, type Tx } from '#core/credits/ledger-transaction';

/**
 * Grants the signup credits (SIGNUP_CREDITS) once per person, not per account: the account gets
 * them only when none of its identities (chat ids, Google subject, email) was marked as having
 * had a bonus, and the account holds no bonus yet (one merged in counts). Every identity is
 * marked either way (see `identity-marks.ts`), so erasing and starting again, or a second
 * account on the same email, gets nothing. The grant's ledger key is `signup:<userId>`.
 * Runs in the caller's transaction, which holds the account's lock (or created the account).
 * Returns the credits granted now (0 when none are due).
 */
export async function grantSignupBonusLocked(
  tx: Tx,
  config: Pick<AppConfig, 'signupCredits' | 'sessionSecret'>,
  userId: string,
): Promise<number> {
  const amount = config.signupCredits;
  if (amount <= 0) return 0;
  const idempotencyKey = `signup:${userId}`;
  if (await isKeyApplied(tx, idempotencyKey)) return 0;
  const hashes = hashIdentities(config.sessionSecret, await identitiesOfAccount(tx, userId));
  const isFirstBonus = await claimBonusMarks(tx, hashes);
  const hasBonus = (await tx.creditLot.count({ where: { userId, source: 'signup_bonus' } })) > 0;
  if (!isFirstBonus || hasBonus) return 0;
  const grant = await grantCreditsLocked(tx, {
    userId,
    amount,
    source: 'signup_bonus',
    idempotencyKey,
    reason: 'signup_bonus',
  });
  return grant.applied ? amount : 0;
}
