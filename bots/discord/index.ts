/**
 * The Discord adapter's public entry for the composition root: the gateway bot, the notifier a
 * worker-only process uses and the REST client they share. Command registration and sharding have
 * entry points of their own (register-commands-cli.ts, sharding.ts).
 */
export { createDiscordBot } from '#bots/discord/create-discord-bot';
export { createDiscordNotifier } from '#bots/discord/discord-notifier';
export { createDiscordRest } from '#bots/discord/discord-rest';
