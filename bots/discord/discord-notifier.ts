import {
  DiscordAPIError,
  MessageFlags,
  Routes,
  type APIChannel,
  type APIMessage,
  type REST,
  type RawFile,
} from 'discord.js';
import { ChatUnreachableError, type DeliveryTarget, type Logger, type Notifier, type Reply } from '#core';
import { decodeDelivery, isTokenUsable, ORIGINAL_MESSAGE, type DiscordDelivery } from '#bots/discord/delivery-data';
import type { PendingRenders } from '#bots/discord/pending-renders';
import { renderReply, type DiscordMessage } from '#bots/discord/render-reply';

/** Options of {@link createDiscordNotifier}. */
export type DiscordNotifierOptions = {
  logger: Logger;
  /** In the gateway process: waits for an interaction's first answer before a job edits it. */
  pendingRenders?: PendingRenders;
  /** Milliseconds since the epoch; for the age of interaction tokens. */
  now?: () => number;
};

/** "Cannot send messages to this user" (https://discord.com/developers/docs/topics/opcodes-and-status-codes#json). */
const CANNOT_DM_CODE = 50007;
/** Error codes meaning the interaction webhook can no longer be used. */
const TOKEN_GONE_CODES = new Set([10015, 50027]);

/**
 * Delivers job progress and results to Discord; works in any process that has a REST client
 * with the bot token (no gateway needed). A job's status and result edit one message:
 * - while the interaction token is young (< 15 min), through the interaction webhook
 *   (`PATCH /webhooks/:app/:token/messages/@original`), which also works for ephemeral answers;
 * - later (slow videos), with the bot token: status edits the original message in its channel,
 *   and the result is posted to the channel as a reply mentioning the user, or to the user's DM
 *   for DMs and for channels the bot cannot post in.
 * Results larger than the chat's upload limit are sent as signed links (see `renderReply`).
 * Failures are thrown (the port's contract): `ChatUnreachableError` when even the DM is closed.
 */
export function createDiscordNotifier(rest: REST, options: DiscordNotifierOptions): Notifier {
  const now = options.now ?? Date.now;
  const log = options.logger.child({ platform: 'discord', component: 'notifier' });

  return {
    async send(target: DeliveryTarget, replies: Reply[]) {
      const delivery = decodeDelivery(target.extra);
      await options.pendingRenders?.settled(delivery.interactionToken);
      let statusMessageId = target.statusMessageId;
      for (const reply of replies) {
        const message = await renderReply(reply, {
          locale: target.locale,
          attachmentSizeLimit: delivery.attachmentSizeLimit,
          supportEmail: undefined,
        });
        if (isTokenUsable(delivery, now())) {
          try {
            const sent = await sendWithToken(rest, delivery, statusMessageId, message);
            if (message.isJobMessage) statusMessageId = sent;
            continue;
          } catch (error) {
            if (!isGone(error)) throw error;
            log.info(
              { code: (error as DiscordAPIError).code },
              'interaction webhook unusable; sending with the bot token',
            );
          }
        }
        const sent = await sendWithBot(rest, target, delivery, statusMessageId, message, reply);
        if (message.isJobMessage) statusMessageId = sent;
      }
      return { statusMessageId };
    },
  };
}

async function sendWithToken(
  rest: REST,
  delivery: DiscordDelivery & { interactionToken: string; applicationId: string },
  statusMessageId: string | undefined,
  message: DiscordMessage,
): Promise<string> {
  const { applicationId, interactionToken } = delivery;
  if (message.isJobMessage) {
    const reference =
      !statusMessageId || statusMessageId === delivery.originalMessageId ? ORIGINAL_MESSAGE : statusMessageId;
    await rest.patch(Routes.webhookMessage(applicationId, interactionToken, reference), {
      auth: false,
      ...payload(message),
    });
    return reference;
  }
  const sent = (await rest.post(Routes.webhook(applicationId, interactionToken), {
    auth: false,
    query: new URLSearchParams({ wait: 'true' }),
    ...payload(message, message.isPrivate ? { flags: MessageFlags.Ephemeral } : {}),
  })) as APIMessage;
  return sent.id;
}

async function sendWithBot(
  rest: REST,
  target: DeliveryTarget,
  delivery: DiscordDelivery,
  statusMessageId: string | undefined,
  message: DiscordMessage,
  reply: Reply,
): Promise<string> {
  const messageId =
    statusMessageId === undefined || statusMessageId === ORIGINAL_MESSAGE
      ? delivery.originalMessageId
      : statusMessageId;
  if (reply.type === 'status' && messageId) {
    try {
      await rest.patch(Routes.channelMessage(target.chatId, messageId), payload(message));
      return messageId;
    } catch (error) {
      if (!isUnreachable(error)) throw error;
    }
  }
  // A progress update only edits: a status message that is gone is not posted again.
  if (reply.type === 'status' && reply.isProgress) return statusMessageId ?? ORIGINAL_MESSAGE;
  if (target.chatType !== 'private' && !message.isPrivate) {
    try {
      const mention = reply.type === 'media' ? target.platformUserId : undefined;
      const extra = {
        ...(mention
          ? { content: `<@${mention}> ${message.content}`.trim(), allowed_mentions: { parse: [], users: [mention] } }
          : {}),
        ...(messageId ? { message_reference: { message_id: messageId, fail_if_not_exists: false } } : {}),
      };
      const sent = (await rest.post(Routes.channelMessages(target.chatId), payload(message, extra))) as APIMessage;
      return sent.id;
    } catch (error) {
      if (!isUnreachable(error)) throw error;
    }
  }
  try {
    const dm = (await rest.post(Routes.userChannels(), {
      body: { recipient_id: target.platformUserId },
    })) as APIChannel;
    const sent = (await rest.post(Routes.channelMessages(dm.id), payload(message))) as APIMessage;
    return sent.id;
  } catch (error) {
    // The last way to reach the user is closed too (DMs off, the bot blocked): nothing to retry.
    if (isUnreachable(error) || (error instanceof DiscordAPIError && error.code === CANNOT_DM_CODE))
      throw new ChatUnreachableError(`discord user ${target.platformUserId} is unreachable`, { cause: error });
    throw error;
  }
}

/** The REST body (JSON, or `payload_json` with `files[n]`) of a message; mentions off unless `extra` allows some. */
function payload(
  message: DiscordMessage,
  extra: Record<string, unknown> = {},
): { body: Record<string, unknown>; files?: RawFile[] } {
  const body: Record<string, unknown> = {
    content: message.content,
    components: message.components,
    allowed_mentions: { parse: [] },
    ...extra,
  };
  if (message.files.length === 0) return { body };
  body.attachments = message.files.map((file, index) => ({ id: index, filename: file.name }));
  return {
    body,
    files: message.files.map((file) => ({ name: file.name, data: file.data, contentType: file.contentType })),
  };
}

function isGone(error: unknown): boolean {
  return (
    error instanceof DiscordAPIError &&
    (TOKEN_GONE_CODES.has(Number(error.code)) || error.status === 401 || error.status === 404)
  );
}

/** The channel or message is gone or closed to the bot: fall back to a new message or a DM. */
function isUnreachable(error: unknown): boolean {
  return error instanceof DiscordAPIError && (error.status === 403 || error.status === 404 || error.code === 50005);
}
