import type { CoreDeps } from '#core/core-deps';
import { AppError } from '#core/errors/app-error';
import { grantSignupBonusLocked } from '#core/credits/grant-signup-bonus';
import { withAccountLock } from '#core/credits/ledger-transaction';
import { TERMS_VERSION } from '#core/legal/terms-version';
import { recordSecurityEvent, type RequestOrigin } from '#core/accounts/record-security-event';

/**
 * Records acceptance of the current terms and the age confirmation for an account that has not
 * given them (a Google sign-up, a linked chat account, or after the terms changed), and grants
 * the signup credits once per person (`grantSignupBonusLocked`, shared with the chat onboarding).
 * Returns the credits granted now (0 when they were granted before).
 */
export async function acceptTerms(
  deps: CoreDeps,
  input: { userId: string; isAgeConfirmed: boolean; hasAcceptedTerms: boolean; origin: RequestOrigin },
): Promise<{ granted: number }> {
  if (!input.isAgeConfirmed || !input.hasAcceptedTerms) throw new AppError('terms_required');
  const now = deps.clock.now();
  return withAccountLock(deps.prisma, input.userId, async (tx) => {
    await tx.user.update({
      where: { id: input.userId },
      data: { termsAcceptedAt: now, termsVersion: TERMS_VERSION, ageConfirmedAt: now },
    });
    await recordSecurityEvent(tx, {
      userId: input.userId,
      kind: 'terms.accepted',
      origin: input.origin,
      details: { termsVersion: TERMS_VERSION },
    });
    return { granted: await grantSignupBonusLocked(tx, deps.config, input.userId) };
  });
}
