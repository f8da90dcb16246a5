import type { CoreDeps } from '#core/core-deps';
import { textReply } from '#core/chat/reply';
import { AppError } from '#core/errors/app-error';
import { normalizeLocale } from '#core/i18n/locales';
import { liftSuspension } from '#core/moderation/suspend-account';
import { suspensionUntilVar } from '#core/moderation/suspension-notice';

/** An admin's answer to an appeal. */
export type AppealDecision = 'lift' | 'keep';

/**
 * Decides an open appeal, once: `lift` lifts the account's suspension (audited as
 * `account.unsuspend`, like any lift), `keep` leaves it; either way the decision is audited as
 * `appeal.lift` or `appeal.keep` with the admin as actor, and the user is told in their chats
 * (Telegram and Discord, privately) and on the web account page. A second decision, also a
 * concurrent one, is refused with `conflict` and changes nothing. An account that is no longer
 * suspended (ended, lifted, erased) is never turned active by a decision.
 */
export async function decideAppeal(
  deps: Pick<CoreDeps, 'prisma' | 'clock' | 'notifiers' | 'logger' | 'config'>,
  input: { appealId: string; decision: AppealDecision; actor: string },
): Promise<{ userId: string; status: 'lifted' | 'kept' }> {
  const now = deps.clock.now();
  const status = input.decision === 'lift' ? 'lifted' : 'kept';
  const appeal = await deps.prisma.appeal.findUnique({ where: { id: input.appealId }, include: { suspension: true } });
  if (!appeal) throw new AppError('not_found', { message: `no appeal ${input.appealId}` });
  const claimed = await deps.prisma.$transaction(async (tx) => {
    const updated = await tx.appeal.updateMany({
      where: { id: appeal.id, status: 'open' },
      data: { status, decidedAt: now, decidedBy: input.actor },
    });
    if (updated.count === 0) return false;
    await tx.auditLog.create({
      data: {
        actor: input.actor,
        action: `appeal.${input.decision}`,
        targetUserId: appeal.userId,
        details: { appealId: appeal.id, suspensionId: appeal.suspensionId },
      },
    });
    return true;
  });
  if (!claimed) throw new AppError('conflict', { message: `appeal ${appeal.id} is already decided` });

  const user = await deps.prisma.user.findUnique({
    where: { id: appeal.userId },
    select: { status: true, locale: true, settings: true, suspendedUntil: true },
  });
  if (input.decision === 'lift' && user?.status === 'suspended') {
    try {
      await liftSuspension(deps, { userId: appeal.userId, actor: input.actor });
    } catch (error) {
      await deps.prisma.appeal.update({
        where: { id: appeal.id },
        data: { status: 'open', decidedAt: null, decidedBy: null },
      });
      throw error;
    }
  }
  if (user && user.status !== 'deleted') await tellUser(deps, appeal.userId, user, status);
  return { userId: appeal.userId, status };
}

/** Sends the outcome to each chat identity of the account, privately; a chat that cannot be reached is logged, not fatal. */
async function tellUser(
  deps: Pick<CoreDeps, 'prisma' | 'notifiers' | 'logger'>,
  userId: string,
  user: { locale: string; settings: unknown; suspendedUntil: Date | null },
  status: 'lifted' | 'kept',
): Promise<void> {
  const identities = await deps.prisma.identity.findMany({
    where: { userId, provider: { in: ['telegram', 'discord'] } },
  });
  const settings = (user.settings ?? {}) as { locale?: string };
  const locale = normalizeLocale(settings.locale ?? user.locale);
  const reply =
    status === 'lifted'
      ? textReply('appeal.lifted')
      : textReply('appeal.kept', { until: suspensionUntilVar(user.suspendedUntil) });
  for (const identity of identities) {
    const platform = identity.provider as 'telegram' | 'discord';
    const notifier = deps.notifiers[platform];
    if (!notifier) continue;
    try {
      await notifier.send(
        { platform, chatId: identity.subject, chatType: 'private', platformUserId: identity.subject, locale },
        [{ ...reply, locale }],
      );
    } catch (error) {
      deps.logger.warn({ err: error, userId, platform }, 'could not tell the user the outcome of their appeal');
    }
  }
}
