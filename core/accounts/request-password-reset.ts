import { createHash } from 'node:crypto';
import type { CoreDeps } from '#core/core-deps';
import { EmailSchema } from '#core/accounts/account-input';
import { issueOneTimeToken } from '#core/accounts/one-time-token';
import { recordSecurityEvent, type RequestOrigin } from '#core/accounts/record-security-event';
import { sendAccountMail } from '#core/accounts/send-account-mail';
import { MAIL_RULES, takeAttempts } from '#core/accounts/throttle';

/** How long a password reset link works. */
export const PASSWORD_RESET_TTL_MS = 30 * 60 * 1000;

/**
 * Emails a single-use reset link (30 minutes) when the address has an account. The caller
 * answers the same whether or not it has one. Throttled per address and per IP (`rate_limited`).
 */
export async function requestPasswordReset(
  deps: CoreDeps,
  input: { email: string; locale: string; origin: RequestOrigin },
): Promise<void> {
  const parsed = EmailSchema.safeParse(input.email);
  if (!parsed.success) return;
  const email = parsed.data;
  await takeAttempts(deps, [
    {
      key: `mail:address:${createHash('sha256').update(email).digest('hex').slice(0, 32)}`,
      rule: MAIL_RULES.perAddress,
    },
    { key: `mail:ip:${input.origin.ip ?? 'unknown'}`, rule: MAIL_RULES.perIp },
  ]);
  const user = await deps.prisma.user.findUnique({
    where: { email },
    select: { id: true, locale: true, status: true },
  });
  if (!user || user.status === 'deleted') return;
  const token = await issueOneTimeToken(deps.prisma, {
    kind: 'password_reset',
    userId: user.id,
    now: deps.clock.now(),
    ttlMs: PASSWORD_RESET_TTL_MS,
  });
  await recordSecurityEvent(deps.prisma, { userId: user.id, kind: 'password.reset_requested', origin: input.origin });
  await sendAccountMail(deps, {
    to: email,
    locale: user.locale,
    kind: 'password_reset',
    url: `${deps.config.publicUrl}/reset-password/${token}`,
  });
}
