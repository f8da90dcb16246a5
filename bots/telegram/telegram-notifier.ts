import type { Api } from 'grammy';
import { ChatUnreachableError, type DeliveryTarget, type Logger, type Notifier, type Reply } from '#core';
import { createChatActionKeeper } from '#bots/telegram/chat-action-keeper';
import type { ChatPlace } from '#bots/telegram/chat-place';
import { createRenderer, type Renderer } from '#bots/telegram/render';
import { createStatusMessages } from '#bots/telegram/status-messages';
import { isChatUnreachable } from '#bots/telegram/telegram-errors';

/** The Telegram {@link Notifier}, with a way to stop its chat actions on shutdown. */
export type TelegramNotifier = Notifier & { close(): void };

/** Options of {@link createTelegramNotifier}. */
export type TelegramNotifierOptions = {
  logger: Logger;
  /** Core's `chat.rememberStatusMessage`: a status message this notifier creates is edited by later notices. */
  rememberStatusMessage?: ((generationId: string, messageId: string) => Promise<void>) | undefined;
  /** The bot's renderer, so the bot and the notifier of one process share status messages. */
  renderer?: Renderer | undefined;
};

/**
 * Delivers job progress and results to a Telegram chat (core's `Notifier` port). Works with
 * only a Bot API client (`createTelegramApi`), so a worker process can send without polling.
 *
 * Status replies edit `target.statusMessageId` (a new message when that one is gone); results
 * quote the request in groups. What Telegram refuses is thrown, as the port asks: a chat that
 * blocked the bot or is gone as `ChatUnreachableError` (core stops trying), anything else as it
 * came (core retries a job's final message later). 429s were already waited out by auto-retry.
 */
export function createTelegramNotifier(api: Api, options: TelegramNotifierOptions): TelegramNotifier {
  const renderer =
    options.renderer ??
    createRenderer({
      api,
      statusMessages: createStatusMessages(),
      chatActions: createChatActionKeeper(api, options.logger),
      rememberStatusMessage: options.rememberStatusMessage,
    });
  return {
    async send(target: DeliveryTarget, replies: Reply[]) {
      const log = options.logger.child({ platform: 'telegram', chatId: target.chatId, userId: target.platformUserId });
      const place: ChatPlace = {
        chatId: target.chatId,
        chatType: target.chatType,
        replyToMessageId: target.replyToMessageId,
        userId: target.platformUserId,
      };
      try {
        return await renderer.render(place, replies, {
          locale: target.locale,
          log,
          statusMessageId: target.statusMessageId,
        });
      } catch (error) {
        if (isChatUnreachable(error))
          throw new ChatUnreachableError(`telegram chat ${target.chatId} is unreachable`, { cause: error });
        throw error;
      }
    },
    close: () => renderer.close(),
  };
}
