import { MessageFlags, type Message, type RepliableInteraction } from 'discord.js';
import type { Reply } from '#core';
import type { Acknowledgement } from '#bots/discord/acknowledgement';
import { ORIGINAL_MESSAGE } from '#bots/discord/delivery-data';
import { renderReply, type DiscordMessage, type RenderOptions } from '#bots/discord/render-reply';

/** What answering a deferred interaction needs besides the replies. */
export type InteractionReplyContext = RenderOptions & {
  /** Records the message showing a job's status (`core.chat.rememberStatusMessage`). */
  rememberStatusMessage(generationId: string, messageId: string): Promise<void>;
};

/**
 * Sends core's replies for an acknowledged interaction. The first reply edits the original
 * response (the deferred "thinking…" placeholder, or after deferUpdate the message the button
 * is on); later replies are follow-ups, private when the acknowledgement was. A private reply (an
 * error) where the original is public deletes a public placeholder and follows up ephemerally,
 * so nobody else sees it. A job's status message is recorded so progress edits it. No replies:
 * the placeholder is removed.
 */
export async function replyToInteraction(
  interaction: RepliableInteraction,
  acknowledgement: Acknowledgement,
  replies: Reply[],
  context: InteractionReplyContext,
): Promise<void> {
  let isOriginalTaken = false;
  for (const reply of replies) {
    const message = await renderReply(reply, context);
    const isPrivate = message.isPrivate || acknowledgement.isPrivate;
    const canEditOriginal = !isOriginalTaken && (acknowledgement.isPrivate || !message.isPrivate);
    let sent: Message;
    if (canEditOriginal) {
      sent = await interaction.editReply(messageOptions(message));
      isOriginalTaken = true;
    } else {
      if (!isOriginalTaken && acknowledgement.defer === 'reply') {
        await interaction.deleteReply();
        isOriginalTaken = true;
      }
      sent = await interaction.followUp({
        ...messageOptions(message),
        ...(isPrivate ? { flags: MessageFlags.Ephemeral } : {}),
      });
    }
    if (reply.type === 'status')
      await context.rememberStatusMessage(reply.generationId, canEditOriginal ? ORIGINAL_MESSAGE : sent.id);
  }
  if (!isOriginalTaken && acknowledgement.defer === 'reply') await interaction.deleteReply();
}

function messageOptions(message: DiscordMessage) {
  return {
    content: message.content,
    components: message.components,
    allowedMentions: { parse: [] },
    ...(message.files.length > 0
      ? { files: message.files.map((file) => ({ attachment: file.data, name: file.name })) }
      : {}),
  };
}
