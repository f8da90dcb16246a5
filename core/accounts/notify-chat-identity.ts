import type { Platform } from '#core/accounts/account';
import type { Reply } from '#core/chat/reply';
import type { CoreDeps } from '#core/core-deps';
import { normalizeLocale } from '#core/i18n/locales';

/** A chat identity to write to outside a request: its private chat with the bot. */
export type ChatIdentity = { platform: Platform; platformUserId: string; locale: string };

/**
 * Sends replies to a user's private chat with the bot (Telegram: the chat whose id is the user
 * id; Discord: the user's DM) through this process's `Notifier`. Returns false, after logging,
 * when there is no notifier for the platform here or the platform refused: the caller decides
 * whether that matters.
 */
export async function notifyChatIdentity(
  deps: Pick<CoreDeps, 'notifiers' | 'logger'>,
  identity: ChatIdentity,
  replies: Reply[],
): Promise<boolean> {
  const notifier = deps.notifiers[identity.platform];
  const log = deps.logger.child({ platform: identity.platform, userId: identity.platformUserId });
  if (!notifier) {
    log.warn('no notifier for this platform in this process; chat message not sent');
    return false;
  }
  const locale = normalizeLocale(identity.locale);
  try {
    await notifier.send(
      {
        platform: identity.platform,
        chatId: identity.platformUserId,
        chatType: 'private',
        platformUserId: identity.platformUserId,
        locale,
      },
      replies.map((reply) => ({ ...reply, locale })),
    );
    return true;
  } catch (error) {
    log.warn({ err: error }, 'chat message not delivered');
    return false;
  }
}
