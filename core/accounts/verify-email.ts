import type { CoreDeps } from '#core/core-deps';
import { AppError } from '#core/errors/app-error';
import { isUniqueViolation } from '#core/accounts/find-or-create-account';
import { consumeOneTimeToken, issueOneTimeToken, revokeEmailChangeTokens } from '#core/accounts/one-time-token';
import { recordSecurityEvent, type RequestOrigin } from '#core/accounts/record-security-event';
import { sendAccountMail } from '#core/accounts/send-account-mail';

/** How long the previous address can undo an email change. */
export const EMAIL_CHANGE_UNDO_TTL_MS = 7 * 24 * 60 * 60 * 1000;

/** `ada@example.com` as `a***@example.com`: enough for the owner to recognise, not to harvest. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  return at <= 0 ? '***' : `${email.slice(0, 1)}***${email.slice(at)}`;
}

/**
 * Confirms an email link: the account's address is marked verified, or a requested new address
 * replaces the old one (verified). On a change, every other pending change link is revoked and
 * the previous address (when there was one) is told, with a link that undoes the change for
 * 7 days. Throws `token_invalid` for an unknown, used or expired link, or when the address no
 * longer belongs to the account; `email_taken` when another account took the new address meanwhile.
 */
export async function verifyEmail(
  deps: Pick<CoreDeps, 'prisma' | 'clock' | 'mailer' | 'logger' | 'config'>,
  input: { token: string; origin: RequestOrigin },
): Promise<{ userId: string; isChange: boolean }> {
  const now = deps.clock.now();
  const result = await deps.prisma.$transaction(async (tx) => {
    const found = await consumeOneTimeToken(tx, { kind: 'email_verification', token: input.token, now });
    const email = typeof found?.payload.email === 'string' ? found.payload.email : undefined;
    if (!found?.userId || !email) throw new AppError('token_invalid');
    const isChange = found.payload.isChange === true;
    const user = await tx.user.findUnique({ where: { id: found.userId }, select: { email: true, locale: true } });
    if (!user) throw new AppError('token_invalid');
    if (!isChange && user.email !== email) throw new AppError('token_invalid');
    try {
      await tx.user.update({ where: { id: found.userId }, data: { email, emailVerifiedAt: now } });
    } catch (error) {
      if (isUniqueViolation(error)) throw new AppError('email_taken');
      throw error;
    }
    let undo: { to: string; token: string; locale: string } | undefined;
    if (isChange) {
      await revokeEmailChangeTokens(tx, { userId: found.userId, now });
      await tx.dataSubjectRequest.updateMany({
        where: { userId: found.userId, kind: 'rectify', status: 'pending_verification' },
        data: { status: 'completed', verifiedAt: now, completedAt: now, outcome: 'email_changed' },
      });
      if (user.email && user.email !== email) {
        const token = await issueOneTimeToken(tx, {
          kind: 'email_change_undo',
          userId: found.userId,
          payload: { email: user.email, replacedBy: email },
          now,
          ttlMs: EMAIL_CHANGE_UNDO_TTL_MS,
        });
        undo = { to: user.email, token, locale: user.locale };
      }
    }
    await recordSecurityEvent(tx, {
      userId: found.userId,
      kind: isChange ? 'email.changed' : 'email.verified',
      origin: input.origin,
    });
    return { userId: found.userId, isChange, undo, newEmail: email };
  });
  if (result.undo) {
    await sendAccountMail(deps, {
      to: result.undo.to,
      locale: result.undo.locale,
      kind: 'email_changed',
      url: `${deps.config.publicUrl}/undo-email-change/${result.undo.token}`,
      vars: { email: maskEmail(result.newEmail) },
    });
  }
  return { userId: result.userId, isChange: result.isChange };
}
