import { MessageFlags, type ChatInputCommandInteraction } from 'discord.js';
import { normalizeLocale, translate, type CommandRequest } from '#core';
import { acknowledgementOfCommand } from '#bots/discord/acknowledgement';
import { buildCommandArgs } from '#bots/discord/command-args';
import { isDiscordCommand, OPTION } from '#bots/discord/command-definitions';
import type { InteractionContext } from '#bots/discord/interaction-context';
import { inputAttachmentOf, requestBase } from '#bots/discord/interaction-request';
import { runAndReply } from '#bots/discord/run-and-reply';

/**
 * A slash command: acknowledge at once (public or ephemeral by command), translate the options
 * into core's request, run it, and render the replies into the deferred response.
 */
export async function handleChatCommand(
  interaction: ChatInputCommandInteraction,
  context: InteractionContext,
): Promise<void> {
  const name = interaction.commandName;
  if (!isDiscordCommand(name)) {
    await interaction.reply({
      content: translate(normalizeLocale(interaction.locale), 'errors.unknown_command'),
      flags: MessageFlags.Ephemeral,
    });
    return;
  }
  const acknowledgement = acknowledgementOfCommand(name);
  context.log.debug({ command: name, acknowledgement }, 'slash command');
  const deferred = await interaction.deferReply({
    ...(acknowledgement.isPrivate ? { flags: MessageFlags.Ephemeral } : {}),
    withResponse: true,
  });
  const image = interaction.options.getAttachment(OPTION.image);
  const request: CommandRequest = {
    ...requestBase(interaction, deferred.resource?.message?.id),
    command: { name, args: argsOf(interaction, name) },
    ...(image ? { attachments: [inputAttachmentOf(image)] } : {}),
  };
  await runAndReply(interaction, acknowledgement, request, context);
}

function argsOf(interaction: ChatInputCommandInteraction, name: string): string {
  if (name === 'appeal') return interaction.options.getString(OPTION.text) ?? '';
  if (name !== 'imagine' && name !== 'video') return '';
  const { options } = interaction;
  return buildCommandArgs({
    prompt: options.getString(OPTION.prompt),
    template: name === 'imagine' ? options.getString(OPTION.template) : null,
    aspect: options.getString(OPTION.aspect),
    count: name === 'imagine' ? options.getInteger(OPTION.count) : null,
    seconds: name === 'video' ? options.getInteger(OPTION.seconds) : null,
    model: options.getString(OPTION.model),
  });
}
