import { createHash } from 'node:crypto';
import type { CoreDeps } from '#core/core-deps';
import { AppError } from '#core/errors/app-error';
import { NewPasswordSchema, parseField } from '#core/accounts/account-input';
import {
  consumeOneTimeToken,
  peekOneTimeToken,
  revokeEmailChangeTokens,
  revokeOneTimeTokens,
} from '#core/accounts/one-time-token';
import { hashPassword } from '#core/accounts/password-hash';
import { recordSecurityEvent, type RequestOrigin } from '#core/accounts/record-security-event';
import { RESET_RULES, takeAttempts } from '#core/accounts/throttle';

/** Whether a reset link can still be used (to show the form or say it expired). */
export async function isPasswordResetUsable(deps: Pick<CoreDeps, 'prisma' | 'clock'>, token: string): Promise<boolean> {
  return (await peekOneTimeToken(deps.prisma, { kind: 'password_reset', token, now: deps.clock.now() })) !== undefined;
}

/**
 * Sets a new password with a reset link, once: the link is used up, every other reset link of
 * the account stops working, every pending email-change link is revoked, every session of the
 * account ends (a thief signed in with the old password is signed out) and the address counts as
 * verified (the link reached it).
 *
 * Attempts are throttled per IP and per link (`login_throttled` with the seconds to wait), and
 * the link is looked up (by its hash) before the password is checked or hashed, so guessed
 * links cost no scrypt work.
 */
export async function resetPassword(
  deps: CoreDeps,
  input: { token: string; password: string; origin: RequestOrigin },
): Promise<{ userId: string }> {
  // The limiter key never holds the token itself.
  const tokenKey = createHash('sha256').update(input.token).digest('hex').slice(0, 32);
  await takeAttempts(
    deps,
    [
      { key: `reset:ip:${input.origin.ip ?? 'unknown'}`, rule: RESET_RULES.perIp },
      { key: `reset:token:${tokenKey}`, rule: RESET_RULES.perToken },
    ],
    'login_throttled',
  );
  if (!(await isPasswordResetUsable(deps, input.token))) throw new AppError('token_invalid');
  const password = parseField(NewPasswordSchema, input.password, 'password');
  const passwordHash = await hashPassword(password);
  const now = deps.clock.now();
  return deps.prisma.$transaction(async (tx) => {
    const found = await consumeOneTimeToken(tx, { kind: 'password_reset', token: input.token, now });
    if (!found?.userId) throw new AppError('token_invalid');
    const user = await tx.user.findUnique({ where: { id: found.userId }, select: { id: true, emailVerifiedAt: true } });
    if (!user) throw new AppError('token_invalid');
    await tx.user.update({
      where: { id: user.id },
      data: { passwordHash, emailVerifiedAt: user.emailVerifiedAt ?? now },
    });
    await revokeOneTimeTokens(tx, { kind: 'password_reset', userId: user.id, now });
    await revokeEmailChangeTokens(tx, { userId: user.id, now });
    await tx.webSession.deleteMany({ where: { userId: user.id } });
    await recordSecurityEvent(tx, { userId: user.id, kind: 'password.reset', origin: input.origin });
    return { userId: user.id };
  });
}
