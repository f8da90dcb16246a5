import type { MiddlewareFn } from 'grammy';
import type { Core } from '#core';
import type { BotContext } from '#bots/telegram/bot-context';

/**
 * Handles each Telegram update once: Telegram resends a webhook update it believes was not
 * received (https://core.telegram.org/bots/api#setwebhook), so the same `update_id` can
 * arrive twice, at any of the processes behind the webhook. Core claims the id (qualified by
 * the bot's id, which `update_id`s are unique within) in the database; a repeat is skipped.
 */
export function skipRepeatedUpdates(core: Core, botId: string): MiddlewareFn<BotContext> {
  return async (ctx, next) => {
    const isFirst = await core.chat.claimUpdate({ platform: 'telegram', updateId: `${botId}:${ctx.update.update_id}` });
    if (!isFirst) {
      ctx.log.info({ updateId: ctx.update.update_id }, 'repeated Telegram update skipped');
      return;
    }
    await next();
  };
}
