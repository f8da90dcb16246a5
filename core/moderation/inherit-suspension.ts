import { findInheritedSuspension, hashIdentities, type IdentityRef } from '#core/accounts/identity-marks';
import type { Tx } from '#core/credits/ledger-transaction';

/** The reason recorded on an account that starts suspended because its identity was suspended before. */
export const INHERITED_SUSPENSION_REASON = 'earlier_account_suspended';

/** What a new user row starts with when it inherits a suspension (spread into `user.create`'s data). */
export type InheritedSuspensionData = {
  status?: 'suspended';
  suspendedReason?: string;
  suspendedUntil?: Date | null;
  suspensions?: { create: { reason: string; category: string; endsAt: Date | null } };
};

/**
 * For an account about to be created on `identities`: when one of them carries a suspension mark
 * that has not ended (an earlier account was suspended, then erased), the new account starts
 * suspended until the same end, with a `Suspension` row saying so. Otherwise nothing.
 */
export async function inheritedSuspensionData(
  tx: Tx,
  secret: string,
  identities: readonly IdentityRef[],
  now: Date,
): Promise<InheritedSuspensionData> {
  const inherited = await findInheritedSuspension(tx, hashIdentities(secret, identities), now);
  if (!inherited) return {};
  return {
    status: 'suspended',
    suspendedReason: INHERITED_SUSPENSION_REASON,
    suspendedUntil: inherited.until,
    suspensions: {
      create: { reason: INHERITED_SUSPENSION_REASON, category: 'identity_mark', endsAt: inherited.until },
    },
  };
}
