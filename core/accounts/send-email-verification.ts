import type { CoreDeps } from '#core/core-deps';
import { issueOneTimeToken } from '#core/accounts/one-time-token';
import { sendAccountMail } from '#core/accounts/send-account-mail';

/** How long an email verification link works. */
export const EMAIL_VERIFICATION_TTL_MS = 24 * 60 * 60 * 1000;

/**
 * Emails a single-use link proving the person controls `email`: the account's own address, or
 * (with `isChange`) a new address that replaces it once confirmed.
 */
export async function sendEmailVerification(
  deps: Pick<CoreDeps, 'prisma' | 'clock' | 'mailer' | 'logger' | 'config'>,
  input: { userId: string; email: string; locale: string; isChange?: boolean },
): Promise<boolean> {
  const token = await issueOneTimeToken(deps.prisma, {
    kind: 'email_verification',
    userId: input.userId,
    payload: { email: input.email, isChange: input.isChange === true },
    now: deps.clock.now(),
    ttlMs: EMAIL_VERIFICATION_TTL_MS,
  });
  return sendAccountMail(deps, {
    to: input.email,
    locale: input.locale,
    kind: input.isChange ? 'change_email' : 'verify_email',
    url: `${deps.config.publicUrl}/verify-email/${token}`,
  });
}
