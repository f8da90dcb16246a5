import type { Update } from 'grammy/types';

/**
 * The id of an update as core sees it (`CommandRequest.eventId`, the admission's idempotency
 * key) and as the logs show it. Stable when Telegram or the runner delivers the update again:
 * a message is named by its chat and message id (update ids may restart after a quiet week,
 * https://core.telegram.org/bots/api#update), a query by its query id.
 */
export function eventIdOf(update: Update): string {
  if (update.callback_query) return `tg:cq:${update.callback_query.id}`;
  if (update.pre_checkout_query) return `tg:pcq:${update.pre_checkout_query.id}`;
  const message = update.message;
  if (message?.chat && typeof message.message_id === 'number') return `tg:m:${message.chat.id}:${message.message_id}`;
  return `tg:u:${update.update_id}`;
}
