import { randomBytes } from 'node:crypto';
import { MessageFlags, type Interaction, type RepliableInteraction } from 'discord.js';
import { normalizeLocale, translate, type Core, type Logger } from '#core';
import { handleAutocomplete } from '#bots/discord/handle-autocomplete';
import { handleButton } from '#bots/discord/handle-button';
import { handleChatCommand } from '#bots/discord/handle-chat-command';
import { handleModalSubmit } from '#bots/discord/handle-modal-submit';
import type { PendingRenders } from '#bots/discord/pending-renders';

/**
 * The adapter's one error boundary: routes an interaction to its handler with a child logger
 * `{ platform, eventId, userId }`. Core answers its own failures as replies; anything that still
 * escapes (Discord refused a call, a download failed) is logged with a short reference and the
 * user is told privately, in their language, with that reference.
 */
export async function handleInteraction(
  interaction: Interaction,
  deps: { core: Core; logger: Logger; pendingRenders: PendingRenders },
): Promise<void> {
  const log = deps.logger.child({ platform: 'discord', eventId: interaction.id, userId: interaction.user.id });
  const context = { core: deps.core, log, pendingRenders: deps.pendingRenders };
  try {
    if (interaction.isChatInputCommand()) await handleChatCommand(interaction, context);
    else if (interaction.isButton()) await handleButton(interaction, context);
    else if (interaction.isAutocomplete()) await handleAutocomplete(interaction, context);
    else if (interaction.isModalSubmit()) await handleModalSubmit(interaction, context);
    else log.debug({ type: interaction.type }, 'interaction type not handled');
  } catch (error) {
    const ref = randomBytes(4).toString('hex');
    log.error({ err: error, ref }, 'interaction failed');
    if (interaction.isRepliable())
      await tellFailure(interaction, ref).catch((cause: unknown) =>
        log.warn({ err: cause, ref }, 'could not tell the user about the failure'),
      );
  }
}

async function tellFailure(interaction: RepliableInteraction, ref: string): Promise<void> {
  const content = translate(normalizeLocale(interaction.locale), 'errors.internal', { ref });
  if (!interaction.deferred && !interaction.replied) {
    await interaction.reply({ content, flags: MessageFlags.Ephemeral });
    return;
  }
  // `ephemeral` is set by deferReply only: after deferUpdate there is no placeholder to remove.
  const hasPlaceholder = interaction.deferred && !interaction.replied && interaction.ephemeral !== null;
  if (hasPlaceholder) await interaction.deleteReply().catch(() => undefined);
  await interaction.followUp({ content, flags: MessageFlags.Ephemeral });
}
