/**
 * `npm run discord:register [-- --guild <id> | --global]`: registers the slash commands.
 * Without flags it registers to DISCORD_DEV_GUILD_ID when set, globally otherwise. Prints one
 * result line; exits 1 with the reason on failure.
 */
import { ConfigError, loadConfig } from '#core';
import { registerCommands } from '#bots/discord/register-commands';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const config = loadConfig();
  if (!config.discord) throw new ConfigError(['DISCORD_TOKEN / DISCORD_APPLICATION_ID: required to register commands']);
  const guildFlag = args.indexOf('--guild');
  const guildId = args.includes('--global')
    ? undefined
    : guildFlag >= 0
      ? args[guildFlag + 1]
      : config.discord.devGuildId;
  if (guildFlag >= 0 && !/^\d{5,25}$/.test(guildId ?? '')) throw new Error('--guild needs a server id');
  const registered = await registerCommands({ ...config.discord, guildId });
  process.stdout.write(
    `registered ${registered.length} commands ${guildId ? `in guild ${guildId}` : 'globally'}: ${registered.map((command) => `/${command.name}`).join(' ')}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`discord:register failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
