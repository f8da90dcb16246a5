import type { Api } from 'grammy';
import type { DeliveryTarget, Logger, Notifier, Reply } from '#core';
import { createChatActionKeeper } from '#bots/telegram/chat-action-keeper';
import type { ChatPlace } from '#bots/telegram/chat-place';
import { createRenderer, type Renderer } from '#bots/telegram/render';
import { reportFailure } from '#bots/telegram/report-failure';
import { createStatusMessages } from '#bots/telegram/status-messages';

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
 * quote the request in groups. A chat that blocked the bot is logged, not retried. If rendering
 * fails otherwise, the user gets `errors.internal` with a reference that is in the log.
 */
export function createTelegramNotifier(api: Api, options: TelegramNotifierOptions): TelegramNotifier {
  const renderer =
    options.renderer ??
    createRenderer({ api, statusMessages: createStatusMessages(), chatActions: createChatActionKeeper(api, options.logger), rememberStatusMessage: options.rememberStatusMessage });
  return {
    async send(target: DeliveryTarget, replies: Reply[]) {
      const log = options.logger.child({ platform: 'telegram', chatId: target.chatId, userId: target.platformUserId });
      const place: ChatPlace = { chatId: target.chatId, chatType: target.chatType, replyToMessageId: target.replyToMessageId, userId: target.platformUserId };
      try {
        return await renderer.render(place, replies, { locale: target.locale, log, statusMessageId: target.statusMessageId });
      } catch (error) {
        await reportFailure({ error, log, renderer, place, locale: target.locale, what: `delivery of ${replies.map((reply) => reply.type).join(', ')}` });
        return {};
      }
    },
    close: () => renderer.close(),
  };
}
