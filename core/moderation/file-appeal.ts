import { isUniqueViolation } from '#core/accounts/find-or-create-account';
import type { CoreDeps } from '#core/core-deps';
import { AppError } from '#core/errors/app-error';
import { formatUtc, suspensionUntilVar } from '#core/moderation/suspension-notice';

/** The longest appeal text, in characters (about a screen of a phone). */
export const MAX_APPEAL_LENGTH = 1000;

/** The suspension that applies now: not lifted, not yet ended; the newest when several overlap. */
export async function findCurrentSuspension(deps: Pick<CoreDeps, 'prisma'>, userId: string, now: Date) {
  return deps.prisma.suspension.findFirst({
    where: { userId, liftedAt: null, OR: [{ endsAt: null }, { endsAt: { gt: now } }] },
    orderBy: { startsAt: 'desc' },
    include: { appeal: true },
  });
}

/**
 * Files the user's appeal against their current suspension, for an admin to decide (lift or
 * keep), audited as `appeal.file`. One appeal per suspension: a second one is refused with the
 * date of the first (open or already answered), also when two arrive at once. Empty or too long
 * text, or no current suspension, is refused and changes nothing.
 */
export async function fileAppeal(
  deps: Pick<CoreDeps, 'prisma' | 'clock'>,
  input: { userId: string; text: string },
): Promise<{ appealId: string; until: string }> {
  const text = input.text.trim();
  if (text === '') throw new AppError('appeal_empty');
  if ([...text].length > MAX_APPEAL_LENGTH)
    throw new AppError('appeal_too_long', { vars: { length: [...text].length, max: MAX_APPEAL_LENGTH } });
  const now = deps.clock.now();
  const suspension = await findCurrentSuspension(deps, input.userId, now);
  if (!suspension) throw new AppError('appeal_not_suspended');
  if (suspension.appeal) throw alreadyAppealed(suspension.appeal);
  try {
    const appeal = await deps.prisma.$transaction(async (tx) => {
      const created = await tx.appeal.create({ data: { userId: input.userId, suspensionId: suspension.id, text } });
      await tx.auditLog.create({
        data: {
          actor: `user:${input.userId}`,
          action: 'appeal.file',
          targetUserId: input.userId,
          details: { appealId: created.id, suspensionId: suspension.id },
        },
      });
      return created;
    });
    return { appealId: appeal.id, until: suspensionUntilVar(suspension.endsAt) };
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    const existing = await deps.prisma.appeal.findUniqueOrThrow({ where: { suspensionId: suspension.id } });
    throw alreadyAppealed(existing);
  }
}

function alreadyAppealed(appeal: { status: string; createdAt: Date; decidedAt: Date | null }): AppError {
  return appeal.status === 'open'
    ? new AppError('appeal_already_open', { vars: { date: formatUtc(appeal.createdAt) } })
    : new AppError('appeal_already_decided', { vars: { date: formatUtc(appeal.decidedAt ?? appeal.createdAt) } });
}
