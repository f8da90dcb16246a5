import type { CoreDeps } from '#core/core-deps';
import { isDatabaseUnreachable } from '#core/errors/is-database-unreachable';

/** How long a claimed update id is remembered: Telegram keeps undelivered updates for 24 hours. */
export const CHAT_UPDATE_KEEP_MS = 2 * 24 * 60 * 60 * 1000;

/**
 * Claims a platform update (a Telegram `update_id`, qualified by the bot's id) before it is
 * handled: true the first time, false for a repeated delivery, which is then skipped. The claim
 * is a row in `processed_webhook_events` (provider = platform), so every process sharing the
 * database agrees, embedded mode included; the retention job forgets claims after two days.
 * An unreachable database claims nothing and answers true.
 */
export async function claimChatUpdate(
  deps: Pick<CoreDeps, 'prisma' | 'logger'>,
  input: { platform: 'telegram'; updateId: string },
): Promise<boolean> {
  try {
    const { count } = await deps.prisma.processedWebhookEvent.createMany({
      data: [{ provider: input.platform, eventId: input.updateId, type: 'update' }],
      skipDuplicates: true,
    });
    return count === 1;
  } catch (error) {
    // The database is away (a restart): handle the update unclaimed rather than fail it. The
    // command then holds or refuses it, and a generation it starts is admitted once per event anyway.
    if (!isDatabaseUnreachable(error)) throw error;
    deps.logger.warn(
      { err: error, updateId: input.updateId },
      'could not claim the update: the database is unreachable; handling it unclaimed',
    );
    return true;
  }
}

/** Forgets claimed chat updates older than {@link CHAT_UPDATE_KEEP_MS}. */
export async function purgeChatUpdateClaims(deps: Pick<CoreDeps, 'prisma'>, now: Date): Promise<number> {
  const cutoff = new Date(now.getTime() - CHAT_UPDATE_KEEP_MS);
  return (
    await deps.prisma.processedWebhookEvent.deleteMany({
      where: { provider: 'telegram', type: 'update', processedAt: { lt: cutoff } },
    })
  ).count;
}
