import type { Account } from '#core/accounts/account';
import { TERMS_VERSION } from '#core/legal/terms-version';
import { AppError } from '#core/errors/app-error';
import { suspensionReasonVar, suspensionUntilVar } from '#core/moderation/suspension-notice';

/**
 * Throws the reason an account may not start a generation now: terms or age not confirmed
 * (for the current terms version), deleted, suspended (until when, why, how to appeal),
 * processing restricted at the user's request, or a credit debt after a refund.
 */
export function assertCanGenerate(account: Account, now: Date, supportEmail: string): void {
  if (account.status === 'deleted') throw new AppError('account_deleted');
  if (!account.termsAcceptedAt || !account.ageConfirmedAt || account.termsVersion !== TERMS_VERSION)
    throw new AppError('terms_required');
  if (account.status === 'suspended' && (account.suspendedUntil === null || account.suspendedUntil > now)) {
    throw new AppError('account_suspended', {
      vars: {
        until: suspensionUntilVar(account.suspendedUntil),
        reason: suspensionReasonVar(account.suspendedReason),
        support: supportEmail,
      },
    });
  }
  if (account.isProcessingRestricted) throw new AppError('processing_restricted');
  if (account.creditDebt > 0) throw new AppError('credit_debt', { vars: { debt: account.creditDebt } });
}
