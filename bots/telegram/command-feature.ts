import { Composer } from 'grammy';
import { normalizeLocale, type Core, type Reply } from '#core';
import type { BotContext } from '#bots/telegram/bot-context';
import { placeOfContext } from '#bots/telegram/context-place';
import { eventIdOf } from '#bots/telegram/event-id';
import type { Renderer } from '#bots/telegram/render';
import type { FileSource } from '#bots/telegram/telegram-attachment';
import { intentOfMessage } from '#bots/telegram/to-command-request';

/**
 * Slash commands in messages and photo captions, and in private chats plain text and photos: the
 * update becomes a `CommandRequest`, core answers, the renderer shows the answer. A `/word` that
 * is no command of ours gets core's "unknown command" text; everything else (plain text in
 * groups, service messages) is ignored.
 */
export function commandFeature(deps: { core: Core; renderer: Renderer; files: FileSource }): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  composer.on('message', async (ctx) => {
    const intent = intentOfMessage({
      eventId: eventIdOf(ctx.update),
      message: ctx.message,
      botUsername: ctx.me.username,
      files: deps.files,
    });
    const place = placeOfContext(ctx);
    if (intent.kind === 'ignore' || !place) return;
    const replies: Reply[] =
      intent.kind === 'command'
        ? await deps.core.chat.run(intent.request)
        : [{ type: 'message', text: { key: 'errors.unknown_command' } }];
    await deps.renderer.render(place, replies, {
      locale: normalizeLocale(ctx.message.from?.language_code),
      log: ctx.log,
    });
  });
  return composer;
}
