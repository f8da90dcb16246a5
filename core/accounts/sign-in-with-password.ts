import { createHash } from 'node:crypto';
import type { CoreDeps } from '#core/core-deps';
import { AppError, isAppError } from '#core/errors/app-error';
import { EmailSchema } from '#core/accounts/account-input';
import { hashPassword, needsRehash, verifyAgainstDummy, verifyPassword } from '#core/accounts/password-hash';
import { recordSecurityEvent, type RequestOrigin } from '#core/accounts/record-security-event';
import { SIGN_IN_RULES, takeAttempts } from '#core/accounts/throttle';

/**
 * Checks an email and password. Attempts are throttled per account and per IP before the
 * password is looked at (`login_throttled` with the seconds to wait); a wrong email and a wrong
 * password answer the same `invalid_credentials` after the same work. Every outcome is a
 * security event with IP and user agent. A hash made with older parameters is upgraded.
 */
export async function signInWithPassword(
  deps: CoreDeps,
  input: { email: string; password: string; origin: RequestOrigin },
): Promise<{ userId: string }> {
  const parsed = EmailSchema.safeParse(input.email);
  const email = parsed.success ? parsed.data : input.email.trim().toLowerCase().slice(0, 254);
  // The limiter key never holds the address itself.
  const accountKey = createHash('sha256').update(email).digest('hex').slice(0, 32);
  try {
    await takeAttempts(
      deps,
      [
        { key: `sign-in:account:${accountKey}`, rule: SIGN_IN_RULES.perAccount },
        { key: `sign-in:ip:${input.origin.ip ?? 'unknown'}`, rule: SIGN_IN_RULES.perIp },
      ],
      'login_throttled',
    );
  } catch (error) {
    if (isAppError(error)) {
      const user = parsed.success
        ? await deps.prisma.user.findUnique({ where: { email }, select: { id: true } })
        : null;
      await recordSecurityEvent(deps.prisma, {
        userId: user?.id ?? null,
        kind: 'login.throttled',
        origin: input.origin,
      });
    }
    throw error;
  }
  const user = parsed.success
    ? await deps.prisma.user.findUnique({ where: { email }, select: { id: true, passwordHash: true, status: true } })
    : null;
  const isValid =
    user?.passwordHash && user.status !== 'deleted'
      ? await verifyPassword(input.password, user.passwordHash)
      : await verifyAgainstDummy(input.password);
  if (!user || !isValid) {
    await recordSecurityEvent(deps.prisma, {
      userId: user?.id ?? null,
      kind: 'login.failed',
      origin: input.origin,
      details: { reason: user ? 'wrong_password' : 'unknown_account' },
    });
    throw new AppError('invalid_credentials');
  }
  if (user.passwordHash && needsRehash(user.passwordHash)) {
    await deps.prisma.user.update({
      where: { id: user.id },
      data: { passwordHash: await hashPassword(input.password) },
    });
  }
  await recordSecurityEvent(deps.prisma, {
    userId: user.id,
    kind: 'login.succeeded',
    origin: input.origin,
    details: { method: 'password' },
  });
  return { userId: user.id };
}
