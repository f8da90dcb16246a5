import type { RepliableInteraction } from 'discord.js';
import type { CommandRequest } from '#core';
import type { Acknowledgement } from '#bots/discord/acknowledgement';
import type { InteractionContext } from '#bots/discord/interaction-context';
import { renderOptionsOf } from '#bots/discord/render-options';
import { replyToInteraction } from '#bots/discord/reply-to-interaction';

/**
 * The one path of an acknowledged interaction: `core.chat.run(request)`, then its replies
 * rendered into the interaction. Marks the interaction as being rendered meanwhile, so a job it
 * starts cannot edit the message before its first answer is there.
 */
export async function runAndReply(
  interaction: RepliableInteraction,
  acknowledgement: Acknowledgement,
  request: CommandRequest,
  context: InteractionContext,
): Promise<void> {
  const finishRender = context.pendingRenders.begin(interaction.token);
  try {
    const replies = await context.core.chat.run(request);
    await replyToInteraction(interaction, acknowledgement, replies, {
      ...renderOptionsOf(context.core, interaction),
      rememberStatusMessage: (generationId, messageId) =>
        context.core.chat.rememberStatusMessage(generationId, messageId),
    });
  } finally {
    finishRender();
  }
}
