import type Stripe from 'stripe';
import type { CoreDeps } from '#core/core-deps';
import { AppError } from '#core/errors/app-error';
import { verifyPassword } from '#core/accounts/password-hash';
import { cancelStripeSubscriptions } from '#core/privacy/cancel-stripe-subscriptions';
import { eraseAccount } from '#core/privacy/erase-account';

/** The phrases that confirm erasure for an account without a password (one per language). */
export const ERASE_PHRASES = ['delete my account', '删除我的账号'] as const;

/** Whether `typed` is one of the confirmation phrases (case and surrounding space ignored). */
export function isErasePhrase(typed: string): boolean {
  const normalized = typed.trim().toLowerCase().replace(/\s+/g, ' ');
  return (ERASE_PHRASES as readonly string[]).includes(normalized);
}

/**
 * Erasure from the signed-in account page, confirmed with the account's password (or, for an
 * account without one, the typed phrase). Live subscriptions are cancelled at Stripe first; then
 * core's `eraseAccount` removes the account, so it can no longer sign in. Throws
 * `invalid_credentials` for a wrong confirmation. Erasing again is `already_erased`.
 */
export async function eraseOwnAccount(
  deps: CoreDeps,
  stripe: Stripe | undefined,
  input: { userId: string; password: string; phrase: string },
): Promise<'erased' | 'already_erased'> {
  const user = await deps.prisma.user.findUnique({ where: { id: input.userId }, select: { passwordHash: true } });
  if (!user) return 'already_erased';
  const isConfirmed = user.passwordHash
    ? await verifyPassword(input.password, user.passwordHash)
    : isErasePhrase(input.phrase);
  if (!isConfirmed) throw new AppError('invalid_credentials');
  await cancelStripeSubscriptions(deps, stripe, input.userId);
  return eraseAccount({ ...deps, stripe }, input.userId, { actor: 'user:web', channel: 'web' });
}
