import { hashIdentities, identitiesOfAccount } from '#core/accounts/identity-marks';
import type { Tx } from '#core/credits/ledger-transaction';

/**
 * Whether two accounts are one person: the same account, or accounts that share an identity
 * as the identity marks see it (the same chat id, Google subject, or mailbox once normalized,
 * e.g. `a.b+x@gmail.com` and `ab@googlemail.com`; see `identity-marks.ts`).
 */
export async function isSamePerson(tx: Tx, secret: string, userId: string, otherUserId: string): Promise<boolean> {
  if (userId === otherUserId) return true;
  const [mine, theirs] = await Promise.all([identitiesOfAccount(tx, userId), identitiesOfAccount(tx, otherUserId)]);
  const marks = new Set(hashIdentities(secret, mine));
  return hashIdentities(secret, theirs).some((hash) => marks.has(hash));
}
