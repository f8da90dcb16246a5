import type { CoreDeps } from '#core/core-deps';
import { AppError } from '#core/errors/app-error';
import { grantSignupBonusLocked } from '#core/credits/grant-signup-bonus';
import { normalizeLocale } from '#core/i18n/locales';
import { TERMS_VERSION } from '#core/legal/terms-version';
import { inheritedSuspensionData } from '#core/moderation/inherit-suspension';
import { isUniqueViolation } from '#core/accounts/find-or-create-account';
import { DisplayNameSchema, EmailSchema, NewPasswordSchema, parseField } from '#core/accounts/account-input';
import { hashPassword } from '#core/accounts/password-hash';
import { recordSecurityEvent, type RequestOrigin } from '#core/accounts/record-security-event';
import { sendEmailVerification } from '#core/accounts/send-email-verification';
import { REGISTER_RULE, takeAttempts } from '#core/accounts/throttle';

/** What the registration form sends (the password in clear only until it is hashed). */
export type RegisterInput = {
  email: string;
  password: string;
  displayName: string;
  locale: string;
  isAgeConfirmed: boolean;
  hasAcceptedTerms: boolean;
  origin: RequestOrigin;
};

/**
 * Creates a web account: email and scrypt-hashed password, display name, the 13+ confirmation and
 * the accepted terms version, and the signup credits (once per person, `grantSignupBonusLocked`,
 * as the chat onboarding does); an email whose earlier account was suspended starts suspended
 * until that suspension ends. Then a verification link goes to the email. Throws `invalid_input` naming a
 * field, `terms_required` without both confirmations, `email_taken`, or `rate_limited`.
 */
export async function registerAccount(deps: CoreDeps, input: RegisterInput): Promise<{ userId: string }> {
  const email = parseField(EmailSchema, input.email, 'email');
  const password = parseField(NewPasswordSchema, input.password, 'password');
  const displayName = parseField(DisplayNameSchema, input.displayName, 'displayName');
  if (!input.isAgeConfirmed || !input.hasAcceptedTerms) throw new AppError('terms_required');
  await takeAttempts(deps, [{ key: `register:ip:${input.origin.ip ?? 'unknown'}`, rule: REGISTER_RULE }]);
  if (await deps.prisma.user.findUnique({ where: { email }, select: { id: true } })) throw new AppError('email_taken');

  const passwordHash = await hashPassword(password);
  const now = deps.clock.now();
  const locale = normalizeLocale(input.locale);
  let userId: string;
  try {
    userId = await deps.prisma.$transaction(async (tx) => {
      const inherited = await inheritedSuspensionData(
        tx,
        deps.config.sessionSecret,
        [{ provider: 'email', subject: email }],
        now,
      );
      const user = await tx.user.create({
        data: {
          ...inherited,
          email,
          passwordHash,
          displayName,
          locale,
          termsAcceptedAt: now,
          termsVersion: TERMS_VERSION,
          ageConfirmedAt: now,
        },
        select: { id: true },
      });
      await grantSignupBonusLocked(tx, deps.config, user.id);
      await recordSecurityEvent(tx, {
        userId: user.id,
        kind: 'register',
        origin: input.origin,
        details: { termsVersion: TERMS_VERSION },
      });
      return user.id;
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw new AppError('email_taken');
    throw error;
  }
  await sendEmailVerification(deps, { userId, email, locale });
  return { userId };
}
