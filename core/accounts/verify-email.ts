import type { CoreDeps } from '#core/core-deps';
import { AppError } from '#core/errors/app-error';
import { isUniqueViolation } from '#core/accounts/find-or-create-account';
import { consumeOneTimeToken } from '#core/accounts/one-time-token';
import { recordSecurityEvent, type RequestOrigin } from '#core/accounts/record-security-event';

/**
 * Confirms an email link: the account's address is marked verified, or a requested new address
 * replaces the old one (verified). Throws `token_invalid` for an unknown, used or expired link, or
 * when the address no longer belongs to the account; `email_taken` when another account took the
 * new address meanwhile.
 */
export async function verifyEmail(deps: Pick<CoreDeps, 'prisma' | 'clock'>, input: { token: string; origin: RequestOrigin }): Promise<{ userId: string; isChange: boolean }> {
  const now = deps.clock.now();
  return deps.prisma.$transaction(async (tx) => {
    const found = await consumeOneTimeToken(tx, { kind: 'email_verification', token: input.token, now });
    const email = typeof found?.payload.email === 'string' ? found.payload.email : undefined;
    if (!found?.userId || !email) throw new AppError('token_invalid');
    const isChange = found.payload.isChange === true;
    const user = await tx.user.findUnique({ where: { id: found.userId }, select: { email: true } });
    if (!user) throw new AppError('token_invalid');
    if (!isChange && user.email !== email) throw new AppError('token_invalid');
    try {
      await tx.user.update({ where: { id: found.userId }, data: { email, emailVerifiedAt: now } });
    } catch (error) {
      if (isUniqueViolation(error)) throw new AppError('email_taken');
      throw error;
    }
    if (isChange) {
      await tx.dataSubjectRequest.updateMany({
        where: { userId: found.userId, kind: 'rectify', status: 'pending_verification' },
        data: { status: 'completed', verifiedAt: now, completedAt: now, outcome: 'email_changed' },
      });
    }
    await recordSecurityEvent(tx, { userId: found.userId, kind: isChange ? 'email.changed' : 'email.verified', origin: input.origin });
    return { userId: found.userId, isChange };
  });
}
