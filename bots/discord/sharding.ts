/**
 * `tsx bots/discord/sharding.ts` (compiled: `node dist/bots/discord/sharding.js`): the Discord bot for large deployments (Discord requires shards
 * from 2,500 servers). Spawns one `main.ts` process per shard with ROLES=discord; run the web
 * and the worker separately (ROLES=web,worker) with a shared REDIS_URL and DATABASE_URL.
 */
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, createLogger, loadConfig } from '#core';
import { spawnDiscordShards } from '#bots/discord/spawn-shards';

async function main(): Promise<void> {
  const config = loadConfig();
  if (!config.discord)
    throw new ConfigError(['DISCORD_TOKEN / DISCORD_APPLICATION_ID: required to run Discord shards']);
  const logger = createLogger({ level: config.logLevel, name: 'discord-shards' });
  // main.ts beside the sources, main.js beside the compiled build.
  const entry = fileURLToPath(new URL(`../../main${extname(fileURLToPath(import.meta.url))}`, import.meta.url));
  const manager = await spawnDiscordShards({ config: config.discord, logger, entry });
  logger.info({ shards: manager.shards.size }, 'all shards spawned');
}

main().catch((error: unknown) => {
  process.stderr.write(
    `discord sharding failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
