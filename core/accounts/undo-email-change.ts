import type { CoreDeps } from '#core/core-deps';
import { AppError } from '#core/errors/app-error';
import { isUniqueViolation } from '#core/accounts/find-or-create-account';
import {
  consumeOneTimeToken,
  peekOneTimeToken,
  revokeEmailChangeTokens,
  revokeOneTimeTokens,
} from '#core/accounts/one-time-token';
import { recordSecurityEvent, type RequestOrigin } from '#core/accounts/record-security-event';
import { sessionKey } from '#core/accounts/web-session';

/** The address an undo link would restore, while the link is usable (for its confirmation page). */
export async function describeEmailChangeUndo(
  deps: Pick<CoreDeps, 'prisma' | 'clock'>,
  token: string,
): Promise<{ email: string } | undefined> {
  const found = await peekOneTimeToken(deps.prisma, { kind: 'email_change_undo', token, now: deps.clock.now() });
  return typeof found?.payload.email === 'string' ? { email: found.payload.email } : undefined;
}

/**
 * Undoes an email change from the link mailed to the previous address, once, within 7 days: the
 * previous address is restored (and verified: the link reached it), pending change and reset
 * links and newer undo links are revoked, every other session of the account ends, and a
 * password reset since the change is dropped (it may have been sent to the replaced address), so
 * the owner sets a new one. Throws `token_invalid` for an unknown, used or expired link,
 * `email_taken` when another account has taken the previous address since.
 */
export async function undoEmailChange(
  deps: Pick<CoreDeps, 'prisma' | 'clock'>,
  input: { token: string; currentSid: string | undefined; origin: RequestOrigin },
): Promise<{ userId: string; email: string; isPasswordCleared: boolean }> {
  const now = deps.clock.now();
  return deps.prisma.$transaction(async (tx) => {
    const found = await consumeOneTimeToken(tx, { kind: 'email_change_undo', token: input.token, now });
    const email = typeof found?.payload.email === 'string' ? found.payload.email : undefined;
    if (!found?.userId || !email) throw new AppError('token_invalid');
    const user = await tx.user.findUnique({
      where: { id: found.userId },
      select: { id: true, status: true, passwordHash: true },
    });
    if (!user || user.status === 'deleted') throw new AppError('token_invalid');
    const resetSince = await tx.securityEvent.count({
      where: { userId: user.id, kind: 'password.reset', createdAt: { gte: found.createdAt } },
    });
    const isPasswordCleared = resetSince > 0 && user.passwordHash !== null;
    try {
      await tx.user.update({
        where: { id: user.id },
        data: { email, emailVerifiedAt: now, ...(isPasswordCleared ? { passwordHash: null } : {}) },
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw new AppError('email_taken');
      throw error;
    }
    await revokeEmailChangeTokens(tx, { userId: user.id, now });
    await revokeOneTimeTokens(tx, { kind: 'password_reset', userId: user.id, now });
    // Undo links issued after this one were sent to addresses this undo replaces.
    await tx.oneTimeToken.updateMany({
      where: { kind: 'email_change_undo', userId: user.id, usedAt: null, createdAt: { gte: found.createdAt } },
      data: { usedAt: now },
    });
    await tx.webSession.deleteMany({
      where: { userId: user.id, ...(input.currentSid ? { id: { not: sessionKey(input.currentSid) } } : {}) },
    });
    await recordSecurityEvent(tx, {
      userId: user.id,
      kind: 'email.change_undone',
      origin: input.origin,
      details: { isPasswordCleared },
    });
    return { userId: user.id, email, isPasswordCleared };
  });
}
