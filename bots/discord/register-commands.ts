import { Routes, type RESTPutAPIApplicationCommandsResult } from 'discord.js';
import { buildCommandDefinitions } from '#bots/discord/command-definitions';
import { createDiscordRest } from '#bots/discord/discord-rest';

/**
 * Replaces the bot's slash commands with {@link buildCommandDefinitions} in one bulk PUT:
 * globally, or in one server when `guildId` is given (instant, and spares the daily limit of
 * 200 command creations while developing).
 * https://discord.com/developers/docs/interactions/application-commands#bulk-overwrite-global-application-commands
 */
export async function registerCommands(options: {
  token: string;
  applicationId: string;
  apiUrl: string;
  guildId?: string | undefined;
}): Promise<RESTPutAPIApplicationCommandsResult> {
  const rest = createDiscordRest(options);
  const route = options.guildId
    ? Routes.applicationGuildCommands(options.applicationId, options.guildId)
    : Routes.applicationCommands(options.applicationId);
  return (await rest.put(route, { body: buildCommandDefinitions() })) as RESTPutAPIApplicationCommandsResult;
}
