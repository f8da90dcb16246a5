import { MessageFlags, type ButtonInteraction } from 'discord.js';
import { decodeAction, normalizeLocale, ONE_TIME_ACTIONS, translate } from '#core';
import { acknowledgementOfAction } from '#bots/discord/acknowledgement';
import type { InteractionContext } from '#bots/discord/interaction-context';
import { requestBase } from '#bots/discord/interaction-request';
import { runAndReply } from '#bots/discord/run-and-reply';
import { handleRemixButton } from '#bots/discord/handle-remix-button';

/**
 * A button press: decode the action from the custom_id, acknowledge at once (see
 * `acknowledgementOfAction`), run it through core and render the replies. Core decides who may
 * press what (e.g. `not_job_owner`, answered privately while the message stays as it is).
 * A custom_id that is not ours gets a private "not valid" note. The buttons of a one-time
 * question (terms, age) are removed once pressed (an update replaces them with the answer's).
 */
export async function handleButton(interaction: ButtonInteraction, context: InteractionContext): Promise<void> {
  const action = decodeAction(interaction.customId);
  if (!action) {
    await interaction.reply({
      content: translate(normalizeLocale(interaction.locale), 'errors.invalid_input'),
      flags: MessageFlags.Ephemeral,
    });
    return;
  }
  if (action.name === 'remix_job') {
    await handleRemixButton(interaction, action, context);
    return;
  }
  const acknowledgement = acknowledgementOfAction(action, interaction.message.flags.has(MessageFlags.Ephemeral));
  context.log.debug({ action: action.name, acknowledgement }, 'button');
  let originalMessageId: string | undefined = interaction.message.id;
  if (acknowledgement.defer === 'update') {
    await interaction.deferUpdate();
  } else {
    const deferred = await interaction.deferReply({
      ...(acknowledgement.isPrivate ? { flags: MessageFlags.Ephemeral } : {}),
      withResponse: true,
    });
    originalMessageId = deferred.resource?.message?.id;
  }
  await runAndReply(interaction, acknowledgement, { ...requestBase(interaction, originalMessageId), action }, context);
  if (ONE_TIME_ACTIONS.has(action.name) && acknowledgement.defer === 'reply') {
    // The answer is a new message; the question's buttons go from the message they were on.
    await interaction.webhook
      .editMessage(interaction.message.id, { components: [] })
      .catch((error: unknown) => context.log.warn({ err: error }, 'could not remove used buttons'));
  }
}
