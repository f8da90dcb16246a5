import { MessageFlags, type ButtonInteraction } from 'discord.js';
import type { ActionName } from '#core';
import type { InteractionContext } from '#bots/discord/interaction-context';
import { requestBase } from '#bots/discord/interaction-request';
import { remixModalOf } from '#bots/discord/remix-modal';
import { renderOptionsOf } from '#bots/discord/render-options';
import { replyToInteraction } from '#bots/discord/reply-to-interaction';

/**
 * A result's Remix button: a form can only be the first answer to a press, so core is asked
 * before acknowledging (a quick read, well within Discord's 3 seconds). Its question opens the
 * form (interaction response 9, MODAL); anything else (a deleted result, another user's button,
 * the terms first) is answered privately.
 * https://discord.com/developers/docs/interactions/receiving-and-responding#interaction-response-object-interaction-callback-type
 */
export async function handleRemixButton(
  interaction: ButtonInteraction,
  action: { name: ActionName; arg: string },
  context: InteractionContext,
): Promise<void> {
  const replies = await context.core.chat.run({ ...requestBase(interaction, interaction.message.id), action });
  const options = renderOptionsOf(context.core, interaction);
  const question = replies.find((reply) => reply.type === 'prompt_question');
  if (question?.type === 'prompt_question') {
    await interaction.showModal(remixModalOf(question, question.locale ?? options.locale));
    return;
  }
  await interaction.deferReply({ flags: MessageFlags.Ephemeral });
  await replyToInteraction(interaction, { defer: 'reply', isPrivate: true }, replies, {
    ...options,
    rememberStatusMessage: (generationId, messageId) =>
      context.core.chat.rememberStatusMessage(generationId, messageId),
  });
}
