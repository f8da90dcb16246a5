import type { CoreDeps } from '#core/core-deps';
import { takeAttempts } from '#core/accounts/throttle';
import { AppError } from '#core/errors/app-error';
import type { TakeRule } from '#core/infra/rate-limit/rate-limiter';
import { findSharedCreation } from '#core/sharing/find-shared-creation';

/** The longest reason a report may give. */
export const MAX_REPORT_REASON_LENGTH = 500;
/** Reports per IP address (signed-out people may report). */
const REPORT_RULE: TakeRule = { points: 5, perMs: 60 * 60_000 };

/**
 * Reports a published creation's page to the admins, with a short reason (1 to
 * {@link MAX_REPORT_REASON_LENGTH} characters). Anyone may report, signed in or not, a few times
 * an hour per address (`rate_limited`); nothing about the reporter is stored. A page that is not
 * shown (unpublished, deleted, erased) is `not_found`; an empty or long reason `invalid_input`.
 */
export async function reportSharedCreation(
  deps: Pick<CoreDeps, 'prisma' | 'clock' | 'limiter' | 'config'>,
  input: { slug: string; reason: string; ip: string },
): Promise<void> {
  const reason = input.reason.trim();
  if (reason === '' || reason.length > MAX_REPORT_REASON_LENGTH)
    throw new AppError('invalid_input', { vars: { field: 'report_reason' } });
  const shared = await findSharedCreation(deps, input.slug);
  if (!shared) throw new AppError('not_found', { message: `no published creation ${input.slug}` });
  await takeAttempts(deps, [{ key: `share-report:ip:${input.ip}`, rule: REPORT_RULE }]);
  await deps.prisma.shareReport.create({ data: { generationId: shared.generationId, reason } });
}
