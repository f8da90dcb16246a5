import { REST } from 'discord.js';

/**
 * A REST client with the bot token for `apiUrl` (e.g. `https://discord.com/api`, or a local
 * fake). For processes without a gateway: a worker's notifier, the command registration.
 * @discordjs/rest waits out 429s (Retry-After) and retries 5xx itself.
 */
export function createDiscordRest(options: { token: string; apiUrl: string }): REST {
  return new REST({ api: options.apiUrl }).setToken(options.token);
}
