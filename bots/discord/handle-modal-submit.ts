import { MessageFlags, type ModalSubmitInteraction } from 'discord.js';
import { decodeAction, normalizeLocale, translate } from '#core';
import type { InteractionContext } from '#bots/discord/interaction-context';
import { requestBase } from '#bots/discord/interaction-request';
import { PROMPT_FIELD } from '#bots/discord/remix-modal';
import { runAndReply } from '#bots/discord/run-and-reply';

/**
 * A submitted form (interaction type 5, MODAL_SUBMIT): its custom_id is the action (a Remix's
 * `remix_submit` with the result's id) and its field the new prompt, run through core like a
 * button with the prompt as the request's message. The answer is the new job's public message;
 * a refusal (bad prompt, blocked, deleted result) goes to the user alone.
 */
export async function handleModalSubmit(
  interaction: ModalSubmitInteraction,
  context: InteractionContext,
): Promise<void> {
  const action = decodeAction(interaction.customId);
  const text = interaction.fields.fields.has(PROMPT_FIELD) ? interaction.fields.getTextInputValue(PROMPT_FIELD) : '';
  if (!action) {
    await interaction.reply({
      content: translate(normalizeLocale(interaction.locale), 'errors.invalid_input'),
      flags: MessageFlags.Ephemeral,
    });
    return;
  }
  const deferred = await interaction.deferReply({ withResponse: true });
  await runAndReply(
    interaction,
    { defer: 'reply', isPrivate: false },
    { ...requestBase(interaction, deferred.resource?.message?.id), action, message: { text } },
    context,
  );
}
