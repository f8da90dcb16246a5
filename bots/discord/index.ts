/**
 * The Discord adapter's public entry for the composition root: the gateway bot, the notifier a
 * worker-only process uses, and command registration.
 */
export { createDiscordBot, type DiscordBot, type DiscordBotOptions } from '#bots/discord/create-discord-bot';
export { createDiscordNotifier, type DiscordNotifierOptions } from '#bots/discord/discord-notifier';
export { createDiscordRest } from '#bots/discord/discord-rest';
export { buildCommandDefinitions } from '#bots/discord/command-definitions';
export { registerCommands } from '#bots/discord/register-commands';
export { spawnDiscordShards, type SpawnShardsOptions } from '#bots/discord/spawn-shards';
