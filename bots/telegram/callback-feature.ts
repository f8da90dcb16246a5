import { Composer } from 'grammy';
import { normalizeLocale, ONE_TIME_ACTIONS, type Core, type Locale, type Reply } from '#core';
import type { BotContext } from '#bots/telegram/bot-context';
import { placeOfContext } from '#bots/telegram/context-place';
import { eventIdOf } from '#bots/telegram/event-id';
import type { Renderer } from '#bots/telegram/render';
import type { FileSource } from '#bots/telegram/telegram-attachment';
import { MAX_ALERT, textOf } from '#bots/telegram/reply-text';
import { requestOfCallback } from '#bots/telegram/to-command-request';

/**
 * Button presses. Every callback query is answered exactly once, whatever happens
 * (https://core.telegram.org/bots/api#answercallbackquery): data that is not one of our actions
 * gets an empty answer and nothing else; a refusal meant for the presser alone (an ephemeral
 * message, e.g. someone else's job) is shown as an alert; other replies go to the chat. The
 * buttons of a one-time question (terms, age) are removed from its message once pressed.
 */
export function callbackFeature(deps: { core: Core; renderer: Renderer; files?: FileSource }): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  composer.on('callback_query', async (ctx) => {
    const query = ctx.callbackQuery;
    let isAnswered = false;
    const answer = async (other: { text?: string; show_alert?: boolean } = {}) => {
      if (isAnswered) return;
      isAnswered = true;
      await ctx.api
        .answerCallbackQuery(query.id, other)
        .catch((error: unknown) => ctx.log.warn({ err: error }, 'could not answer the callback query'));
    };
    try {
      const request = requestOfCallback({
        eventId: eventIdOf(ctx.update),
        from: query.from,
        data: query.data,
        message: query.message,
        ...(deps.files ? { files: deps.files } : {}),
      });
      const place = placeOfContext(ctx);
      if (!request || !place) return;
      const locale = normalizeLocale(query.from.language_code);
      const replies = await deps.core.chat.run(request);
      const alert = alertOf(replies, locale);
      if (alert !== undefined) {
        await answer({ text: alert, show_alert: true });
        return;
      }
      await answer();
      await deps.renderer.render(place, replies, { locale, log: ctx.log });
      if (request.action && ONE_TIME_ACTIONS.has(request.action.name) && query.message) {
        // A one-time question is answered: its buttons go (https://core.telegram.org/bots/api#editmessagereplymarkup).
        await ctx.api
          .editMessageReplyMarkup(query.message.chat.id, query.message.message_id)
          .catch((error: unknown) => ctx.log.warn({ err: error }, 'could not remove used buttons'));
      }
    } finally {
      await answer();
    }
  });
  return composer;
}

/** A lone ephemeral text without buttons that fits an alert: only the presser should see it. */
function alertOf(replies: readonly Reply[], locale: Locale): string | undefined {
  const [only] = replies;
  if (replies.length !== 1 || only?.type !== 'message' || only.ephemeral !== true || (only.buttons?.length ?? 0) > 0)
    return undefined;
  const text = textOf(locale, only.text);
  return text.length <= MAX_ALERT ? text : undefined;
}
