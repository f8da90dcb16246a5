import type { CoreDeps } from '#core/core-deps';
import { findCurrentSuspension, MAX_APPEAL_LENGTH } from '#core/moderation/file-appeal';
import { suspensionReasonVar, suspensionUntilVar } from '#core/moderation/suspension-notice';

/** What the web account page shows about suspensions and appeals. */
export type SuspensionStatus = {
  /** The suspension that applies now, in words (message variables), and whether it can still be appealed. */
  current: { until: string; reason: string; canAppeal: boolean } | undefined;
  /** The newest appeal (of any suspension) and its outcome. */
  lastAppeal: { status: 'open' | 'lifted' | 'kept'; filedAt: Date; decidedAt: Date | null } | undefined;
  maxAppealLength: number;
};

/** The account's current suspension and newest appeal, for its own account page. */
export async function getSuspensionStatus(
  deps: Pick<CoreDeps, 'prisma' | 'clock'>,
  userId: string,
): Promise<SuspensionStatus> {
  const [suspension, appeal] = await Promise.all([
    findCurrentSuspension(deps, userId, deps.clock.now()),
    deps.prisma.appeal.findFirst({ where: { userId }, orderBy: { createdAt: 'desc' } }),
  ]);
  return {
    current: suspension
      ? {
          until: suspensionUntilVar(suspension.endsAt),
          reason: suspensionReasonVar(suspension.reason),
          canAppeal: suspension.appeal === null,
        }
      : undefined,
    lastAppeal: appeal ? { status: appeal.status, filedAt: appeal.createdAt, decidedAt: appeal.decidedAt } : undefined,
    maxAppealLength: MAX_APPEAL_LENGTH,
  };
}
