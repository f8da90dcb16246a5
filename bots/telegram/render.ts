import { InputFile, type Api } from 'grammy';
import { STARS_CURRENCY, translate, type Locale, type Logger, type Reply } from '#core';
import type { ChatActionKeeper } from '#bots/telegram/chat-action-keeper';
import { chatIdOf, replyParametersOf, type ChatPlace } from '#bots/telegram/chat-place';
import { inlineKeyboardOf } from '#bots/telegram/keyboard';
import { sendMediaReply } from '#bots/telegram/render-media';
import { fit, MAX_CAPTION, MAX_TEXT, textOf } from '#bots/telegram/reply-text';
import type { StatusMessages } from '#bots/telegram/status-messages';
import { isChatUnreachable, isMessageGone, isNotModified } from '#bots/telegram/telegram-errors';

type StatusReply = Extract<Reply, { type: 'status' }>;
type MediaReply = Extract<Reply, { type: 'media' }>;

/** Statuses while a job is waiting or working (with or without a percentage and ETA); any other ends the job's chat action. */
const isOpenStatus = (key: string) => key.startsWith('job.queued') || isWorkingStatus(key);
/** Statuses while a provider works or the result uploads: "sending photo…" shows meanwhile. */
const isWorkingStatus = (key: string) => key.startsWith('job.running') || key === 'job.uploading';
/** Invoice title and description limits (https://core.telegram.org/bots/api#sendinvoice). */
const MAX_INVOICE_TITLE = 32;
const MAX_INVOICE_DESCRIPTION = 255;

/** How one batch of replies is rendered. */
export type RenderOptions = {
  locale: Locale;
  log: Logger;
  /** The job's status message as core last remembered it (notifier). */
  statusMessageId?: string | undefined;
};

/** Turns core's replies into Bot API calls. */
export type Renderer = {
  /** Renders replies in order; returns the status message shown, if any. Throws what Telegram refused. */
  render(
    place: ChatPlace,
    replies: readonly Reply[],
    options: RenderOptions,
  ): Promise<{ statusMessageId?: string | undefined }>;
  /** The last word of the error boundary: `errors.internal` with the reference that is in the log. */
  sendInternalError(place: ChatPlace, locale: Locale, ref: string): Promise<void>;
  /** Stops chat actions (shutdown). */
  close(): void;
};

/** What the renderer works with. */
export type RendererDeps = {
  api: Api;
  statusMessages: StatusMessages;
  chatActions: ChatActionKeeper;
  /** Core's `rememberStatusMessage`, so progress from any process edits the message shown. */
  rememberStatusMessage: ((generationId: string, messageId: string) => Promise<void>) | undefined;
};

/**
 * The Telegram renderer (`render.ts` of the house shape): each Reply becomes calls, translated
 * into the user's language.
 * - message: text (lines joined) with an inline keyboard; ephemeral ones in a group go to the
 *   user's private chat when the bot may write there, else to the group.
 * - status: sent once, then the same message is edited; the job's chat action runs while it works.
 * - media: see `sendMediaReply`; afterwards the status message is removed, the result replacing it.
 * - document: a named file; invoice: a Telegram Stars invoice (XTR, empty provider token).
 */
export function createRenderer(deps: RendererDeps): Renderer {
  const { api, statusMessages, chatActions } = deps;

  async function renderOne(place: ChatPlace, reply: Reply, options: RenderOptions): Promise<string | undefined> {
    const locale = reply.locale ?? options.locale;
    switch (reply.type) {
      case 'message': {
        const keyboard = inlineKeyboardOf(reply.buttons, locale);
        await api.sendMessage(chatIdOf(place), fit(textOf(locale, reply.text), MAX_TEXT), {
          ...(keyboard ? { reply_markup: keyboard } : {}),
          ...replyParametersOf(place),
        });
        return undefined;
      }
      case 'prompt_question':
        // A forced reply opens the user's reply to this question, the old prompt in the input field.
        await api.sendMessage(chatIdOf(place), fit(textOf(locale, reply.text), MAX_TEXT), {
          reply_markup: { force_reply: true, input_field_placeholder: reply.placeholder },
          ...replyParametersOf(place),
        });
        return undefined;
      case 'status':
        return renderStatus(place, reply, options);
      case 'media':
        await renderMedia(place, reply, options);
        return undefined;
      case 'document':
        await api.sendDocument(chatIdOf(place), new InputFile(reply.bytes, reply.filename), {
          ...(reply.caption ? { caption: fit(textOf(locale, reply.caption), MAX_CAPTION) } : {}),
          ...replyParametersOf(place),
        });
        return undefined;
      case 'invoice': {
        const title = fit(textOf(locale, reply.title), MAX_INVOICE_TITLE);
        await api.sendInvoice(
          chatIdOf(place),
          title,
          fit(textOf(locale, reply.description), MAX_INVOICE_DESCRIPTION),
          reply.payload,
          STARS_CURRENCY,
          [{ label: title, amount: reply.stars }],
          {
            provider_token: '',
            ...replyParametersOf(place),
          },
        );
        return undefined;
      }
    }
  }

  function renderStatus(place: ChatPlace, reply: StatusReply, options: RenderOptions): Promise<string | undefined> {
    const { generationId } = reply;
    return statusMessages.serialize(generationId, async () => {
      if (statusMessages.isDelivered(generationId)) return statusMessages.messageIdOf(generationId);
      if (isWorkingStatus(reply.text.key)) chatActions.keep(generationId, chatIdOf(place));
      else if (!isOpenStatus(reply.text.key)) chatActions.stop(generationId);
      const text = fit(textOf(reply.locale ?? options.locale, reply.text), MAX_TEXT);
      const keyboard = inlineKeyboardOf(reply.buttons, reply.locale ?? options.locale);
      const known = statusMessages.messageIdOf(generationId) ?? options.statusMessageId;
      if (known) {
        try {
          await api.editMessageText(chatIdOf(place), Number(known), text, keyboard ? { reply_markup: keyboard } : {});
          statusMessages.remember(generationId, known);
          return known;
        } catch (error) {
          if (isNotModified(error)) return known;
          if (!isMessageGone(error)) throw error;
          // A progress update never brings back a status message the result (or the user) removed.
          if (reply.isProgress) return undefined;
          options.log.info({ generationId, messageId: known }, 'status message is gone; sending a new one');
        }
      }
      if (reply.isProgress) return undefined;
      const sent = await api.sendMessage(chatIdOf(place), text, {
        ...(keyboard ? { reply_markup: keyboard } : {}),
        ...replyParametersOf(place),
      });
      const messageId = String(sent.message_id);
      statusMessages.remember(generationId, messageId);
      await deps.rememberStatusMessage?.(generationId, messageId).catch((error: unknown) => {
        options.log.warn({ err: error, generationId }, 'could not remember the status message');
      });
      return messageId;
    });
  }

  function renderMedia(place: ChatPlace, reply: MediaReply, options: RenderOptions): Promise<void> {
    const { generationId } = reply;
    return statusMessages.serialize(generationId, async () => {
      chatActions.stop(generationId);
      await sendMediaReply(api, place, reply, options.locale);
      const statusMessageId = statusMessages.isDelivered(generationId)
        ? undefined
        : (statusMessages.messageIdOf(generationId) ?? options.statusMessageId);
      statusMessages.markDelivered(generationId);
      if (statusMessageId) {
        // Not awaited: the result is out, and the caller records that at once (the per-chat
        // spacing would hold this call for a second, a window in which a crash re-sends the result).
        void api.deleteMessage(chatIdOf(place), Number(statusMessageId)).catch((error: unknown) => {
          options.log.debug({ err: error, generationId }, 'could not remove the status message');
        });
      }
    });
  }

  return {
    async render(place, replies, options) {
      let statusMessageId: string | undefined;
      for (const reply of replies) {
        const isPrivateOnly =
          (reply.type === 'message' || reply.type === 'document') &&
          reply.ephemeral === true &&
          place.chatType !== 'private' &&
          place.userId !== undefined;
        if (isPrivateOnly && place.userId) {
          try {
            await renderOne({ chatId: place.userId, chatType: 'private', userId: place.userId }, reply, options);
            continue;
          } catch (error) {
            if (!isChatUnreachable(error)) throw error;
            options.log.debug({ err: error }, 'cannot write to the user privately; answering in the group');
          }
        }
        statusMessageId = (await renderOne(place, reply, options)) ?? statusMessageId;
      }
      return { statusMessageId };
    },
    async sendInternalError(place, locale, ref) {
      await api.sendMessage(chatIdOf(place), translate(locale, 'errors.internal', { ref }), replyParametersOf(place));
    },
    close: () => chatActions.close(),
  };
}
