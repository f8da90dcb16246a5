import { InteractionContextType, type Attachment, type RepliableInteraction } from 'discord.js';
import type { CommandRequest, InputAttachment } from '#core';
import { encodeDelivery } from '#bots/discord/delivery-data';

/** How long downloading a user's input image may take. */
const DOWNLOAD_TIMEOUT_MS = 20_000;

/**
 * The platform-neutral part of a request: who (the user, their client's locale), where (the
 * channel; a server channel or a group DM is a group, the bot's DM is private) and, for jobs,
 * what a later delivery needs (`chat.delivery`: token, creation time, original message id,
 * upload limit). Uses `channelId`/`guildId`, which are set even when discord.js has not cached
 * the channel or guild.
 */
export function requestBase(
  interaction: RepliableInteraction,
  originalMessageId: string | undefined,
): Omit<CommandRequest, 'command' | 'action'> {
  const isGroup = interaction.guildId !== null || interaction.context === InteractionContextType.PrivateChannel;
  return {
    eventId: interaction.id,
    actor: {
      platform: 'discord',
      platformUserId: interaction.user.id,
      locale: interaction.locale,
      username: interaction.user.username.slice(0, 64),
      ...(interaction.user.globalName ? { displayName: interaction.user.globalName.slice(0, 128) } : {}),
    },
    chat: {
      id: interaction.channelId ?? interaction.user.id,
      type: isGroup ? 'group' : 'private',
      canReplyPrivately: true,
      delivery: encodeDelivery({
        interactionToken: interaction.token,
        applicationId: interaction.applicationId,
        interactionCreatedAt: interaction.createdTimestamp,
        originalMessageId,
        attachmentSizeLimit: interaction.attachmentSizeLimit,
      }),
    },
  };
}

/**
 * A Discord attachment as core's input image. The URL is signed and expires, so core fetches it
 * while handling the interaction (and only when it needs it).
 */
export function inputAttachmentOf(attachment: Attachment): InputAttachment {
  return {
    mime: attachment.contentType?.split(';')[0]?.trim() ?? 'application/octet-stream',
    sizeBytes: attachment.size,
    fetch: async () => {
      const response = await fetch(attachment.url, { signal: AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS) });
      if (!response.ok) throw new Error(`downloading the attachment failed with HTTP ${response.status}`);
      return Buffer.from(await response.arrayBuffer());
    },
  };
}
