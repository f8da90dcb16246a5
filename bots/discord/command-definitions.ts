import {
  ApplicationIntegrationType,
  Locale as DiscordLocale,
  type LocaleString,
  InteractionContextType,
  SlashCommandBuilder,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
  type SharedNameAndDescription,
} from 'discord.js';
import { translate, type CommandName, type Locale, type MessageKey } from '#core';

/** The slash commands the bot registers (Telegram's /paysupport has no use here). */
export const DISCORD_COMMANDS = [
  'start',
  'imagine',
  'video',
  'templates',
  'models',
  'balance',
  'buy',
  'history',
  'settings',
  'link',
  'privacy',
  'terms',
  'mydata',
  'deleteme',
  'help',
  'support',
  'cancel',
  'appeal',
] as const satisfies readonly CommandName[];
export type DiscordCommandName = (typeof DISCORD_COMMANDS)[number];

/** Option names of /imagine and /video; `buildCommandArgs` reads them back. */
export const OPTION = {
  prompt: 'prompt',
  template: 'template',
  aspect: 'aspect',
  count: 'count',
  image: 'image',
  seconds: 'seconds',
  model: 'model',
  text: 'text',
} as const;

/** The longest text Discord lets a string option carry (core checks its own, shorter limit). */
const MAX_STRING_OPTION_LENGTH = 6000;

/** Aspect ratios offered as choices; core validates again (its ASPECT_RATIOS is not exported). */
export const ASPECT_CHOICES = ['1:1', '16:9', '9:16', '4:3', '3:4', '3:2', '2:3'] as const;

/** Video lengths offered as choices; core validates again. */
export const VIDEO_SECONDS_CHOICES = [4, 5, 6, 8] as const;

/** Whether a command name from an interaction is one of ours. */
export function isDiscordCommand(name: string): name is DiscordCommandName {
  return (DISCORD_COMMANDS as readonly string[]).includes(name);
}

/**
 * The command set as Discord's API takes it (`PUT /applications/:id/commands`): English names
 * (Discord wants lower case; one name everywhere keeps help texts right), descriptions from the
 * i18n catalog with `description_localizations` for each Discord locale we speak, usable in servers
 * and in the bot's DMs.
 * https://discord.com/developers/docs/interactions/application-commands#localization
 */
export function buildCommandDefinitions(): RESTPostAPIChatInputApplicationCommandsJSONBody[] {
  return DISCORD_COMMANDS.map((name) => {
    const command = new SlashCommandBuilder()
      .setName(name)
      .setDescription(translate('en', `command.${name}`))
      .setDescriptionLocalizations(localizationsOf(`command.${name}`))
      .setContexts(InteractionContextType.Guild, InteractionContextType.BotDM)
      .setIntegrationTypes(ApplicationIntegrationType.GuildInstall);
    if (name === 'imagine') {
      command
        .addStringOption((option) => localized(option, OPTION.prompt, 'option.prompt').setRequired(true))
        .addStringOption((option) => localized(option, OPTION.template, 'option.template').setAutocomplete(true))
        .addStringOption((option) =>
          localized(option, OPTION.aspect, 'option.aspect').addChoices(
            ASPECT_CHOICES.map((aspect) => ({ name: aspect, value: aspect })),
          ),
        )
        .addIntegerOption((option) => localized(option, OPTION.count, 'option.count').setMinValue(1).setMaxValue(4))
        .addAttachmentOption((option) => localized(option, OPTION.image, 'option.image'))
        .addStringOption((option) => localized(option, OPTION.model, 'option.model').setAutocomplete(true));
    }
    if (name === 'video') {
      command
        .addStringOption((option) => localized(option, OPTION.prompt, 'option.prompt').setRequired(true))
        .addStringOption((option) =>
          localized(option, OPTION.aspect, 'option.aspect').addChoices(
            ASPECT_CHOICES.map((aspect) => ({ name: aspect, value: aspect })),
          ),
        )
        .addIntegerOption((option) =>
          localized(option, OPTION.seconds, 'option.duration').addChoices(
            VIDEO_SECONDS_CHOICES.map((seconds) => ({ name: String(seconds), value: seconds })),
          ),
        )
        .addStringOption((option) => localized(option, OPTION.model, 'option.model').setAutocomplete(true));
    }
    if (name === 'appeal') {
      command.addStringOption((option) =>
        localized(option, OPTION.text, 'option.appeal_text').setRequired(true).setMaxLength(MAX_STRING_OPTION_LENGTH),
      );
    }
    return command.toJSON();
  });
}

/**
 * Discord's locales (https://discord.com/developers/docs/reference#locales) we have a catalog for;
 * English is the default description. Both Spanish locales read our one Spanish.
 */
const DISCORD_LOCALES: readonly (readonly [Locale, readonly LocaleString[]])[] = [
  ['zh-CN', [DiscordLocale.ChineseCN]],
  ['zh-TW', [DiscordLocale.ChineseTW]],
  ['ru', [DiscordLocale.Russian]],
  ['es', [DiscordLocale.SpanishES, DiscordLocale.SpanishLATAM]],
  ['pt-BR', [DiscordLocale.PortugueseBR]],
  ['ja', [DiscordLocale.Japanese]],
  ['id', [DiscordLocale.Indonesian]],
];

/** A description in every Discord locale we speak. */
function localizationsOf(key: MessageKey): Partial<Record<LocaleString, string>> {
  return Object.fromEntries(
    DISCORD_LOCALES.flatMap(([locale, discordLocales]) => discordLocales.map((code) => [code, translate(locale, key)])),
  );
}

/** Names an option and describes it in English with the localizations. */
function localized<T extends SharedNameAndDescription>(option: T, name: string, key: MessageKey): T {
  return option.setName(name).setDescription(translate('en', key)).setDescriptionLocalizations(localizationsOf(key));
}
