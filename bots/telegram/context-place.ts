import type { ChatPlace } from '#bots/telegram/chat-place';
import { chatTypeOf } from '#bots/telegram/to-command-request';
import type { BotContext } from '#bots/telegram/bot-context';

/**
 * Where the answers to an update go: the chat of the message or of the pressed button (quoting
 * it in groups), or the user's private chat for a pre-checkout query. Undefined when the update
 * names no chat.
 */
export function placeOfContext(ctx: BotContext): ChatPlace | undefined {
  const userId = ctx.from ? String(ctx.from.id) : undefined;
  const query = ctx.callbackQuery;
  if (query)
    return query.message
      ? {
          chatId: String(query.message.chat.id),
          chatType: chatTypeOf(query.message.chat),
          replyToMessageId: String(query.message.message_id),
          userId,
        }
      : undefined;
  const message = ctx.message;
  if (message?.chat)
    return {
      chatId: String(message.chat.id),
      chatType: chatTypeOf(message.chat),
      replyToMessageId: String(message.message_id),
      userId,
    };
  if (ctx.preCheckoutQuery && userId) return { chatId: userId, chatType: 'private', userId };
  return undefined;
}
