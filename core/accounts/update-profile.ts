import type { CoreDeps } from '#core/core-deps';
import { AppError } from '#core/errors/app-error';
import { LOCALES } from '#core/i18n/locales';
import { DisplayNameSchema, EmailSchema, parseField } from '#core/accounts/account-input';
import { revokeEmailChangeTokens } from '#core/accounts/one-time-token';
import { recordSecurityEvent, type RequestOrigin } from '#core/accounts/record-security-event';
import { sendEmailVerification } from '#core/accounts/send-email-verification';
import { MAIL_RULES, takeAttempts } from '#core/accounts/throttle';

/**
 * Rectification of the profile: display name and language (the language also drives the
 * chat bots' replies). Records a completed `rectify` data request.
 */
export async function updateProfile(
  deps: Pick<CoreDeps, 'prisma' | 'clock'>,
  input: { userId: string; displayName: string; locale: string },
): Promise<void> {
  const displayName = parseField(DisplayNameSchema, input.displayName, 'displayName');
  if (!(LOCALES as readonly string[]).includes(input.locale))
    throw new AppError('invalid_input', { vars: { field: 'locale' } });
  const now = deps.clock.now();
  await deps.prisma.$transaction(async (tx) => {
    const user = await tx.user.findUniqueOrThrow({ where: { id: input.userId }, select: { settings: true } });
    const settings =
      typeof user.settings === 'object' && user.settings !== null && !Array.isArray(user.settings)
        ? (user.settings as Record<string, unknown>)
        : {};
    await tx.user.update({
      where: { id: input.userId },
      data: { displayName, locale: input.locale, settings: { ...settings, locale: input.locale } as object },
    });
    await tx.dataSubjectRequest.create({
      data: {
        userId: input.userId,
        kind: 'rectify',
        status: 'completed',
        channel: 'web',
        completedAt: now,
        outcome: 'profile_updated',
        details: { fields: ['displayName', 'locale'] },
      },
    });
  });
}

/**
 * Rectification of the email: a link goes to the new address, which replaces the old one only
 * when the link is opened (so nobody can point an account at an address they do not hold). A new
 * request revokes every earlier change link, so only the latest address can take effect.
 * The link is written in the account's language. Throws `email_taken` when another account has it.
 */
export async function requestEmailChange(
  deps: CoreDeps,
  input: { userId: string; email: string; origin: RequestOrigin },
): Promise<void> {
  const email = parseField(EmailSchema, input.email, 'email');
  await takeAttempts(deps, [{ key: `mail:change:${input.userId}`, rule: MAIL_RULES.perAddress }]);
  const owner = await deps.prisma.user.findUnique({ where: { email }, select: { id: true } });
  if (owner && owner.id !== input.userId) throw new AppError('email_taken');
  await revokeEmailChangeTokens(deps.prisma, { userId: input.userId, now: deps.clock.now() });
  await recordSecurityEvent(deps.prisma, {
    userId: input.userId,
    kind: 'email.change_requested',
    origin: input.origin,
  });
  await deps.prisma.dataSubjectRequest.create({
    data: {
      userId: input.userId,
      kind: 'rectify',
      status: 'pending_verification',
      channel: 'web',
      details: { fields: ['email'] },
    },
  });
  const { locale } = await deps.prisma.user.findUniqueOrThrow({
    where: { id: input.userId },
    select: { locale: true },
  });
  await sendEmailVerification(deps, { userId: input.userId, email, locale, isChange: true });
}
