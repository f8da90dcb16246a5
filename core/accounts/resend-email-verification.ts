import type { CoreDeps } from '#core/core-deps';
import { sendEmailVerification } from '#core/accounts/send-email-verification';
import { MAIL_RULES, takeAttempts } from '#core/accounts/throttle';

/** Sends a fresh verification link to the account's unverified address (throttled). False when there is nothing to verify. */
export async function resendEmailVerification(deps: CoreDeps, userId: string): Promise<boolean> {
  const user = await deps.prisma.user.findUnique({
    where: { id: userId },
    select: { email: true, emailVerifiedAt: true, locale: true },
  });
  if (!user?.email || user.emailVerifiedAt) return false;
  await takeAttempts(deps, [{ key: `mail:verify:${userId}`, rule: MAIL_RULES.perAddress }]);
  return sendEmailVerification(deps, { userId, email: user.email, locale: user.locale });
}
