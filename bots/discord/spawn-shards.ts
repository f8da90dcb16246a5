import { Routes, ShardingManager, type RESTGetAPIGatewayBotResult } from 'discord.js';
import type { AppConfig, Logger } from '#core';
import { createDiscordRest } from '#bots/discord/discord-rest';

/** Options of {@link spawnDiscordShards}. */
export type SpawnShardsOptions = {
  config: NonNullable<AppConfig['discord']>;
  logger: Logger;
  /** The script each shard runs (the composition root); it sees ROLES=discord plus discord.js' SHARDS and SHARD_COUNT. */
  entry: string;
  /** Shards to run; default: Discord's recommendation from `GET /gateway/bot` (one per ~1,000 servers). */
  totalShards?: number;
  /** Node options of each shard process; default: tsx for a TypeScript entry, none for JavaScript. */
  execArgv?: string[];
};

/**
 * Runs the Discord bot as several shard processes with discord.js' ShardingManager. Each shard
 * is the normal entry with only the `discord` role: discord.js' Client reads its shard ids from
 * the environment the manager sets, so the bot code needs no change. Web and worker run in
 * processes of their own, which then need REDIS_URL and DATABASE_URL. The shard count is asked
 * from `config.apiUrl` (discord.js' own 'auto' would always ask discord.com).
 * https://discord.com/developers/docs/events/gateway#sharding
 */
export async function spawnDiscordShards(options: SpawnShardsOptions): Promise<ShardingManager> {
  const { config, logger } = options;
  const totalShards =
    options.totalShards ??
    ((await createDiscordRest(config).get(Routes.gatewayBot())) as RESTGetAPIGatewayBotResult).shards;
  const manager = new ShardingManager(options.entry, {
    token: config.token,
    totalShards,
    mode: 'process',
    respawn: true,
    execArgv: options.execArgv ?? (options.entry.endsWith('.ts') ? ['--import', 'tsx'] : []),
  });
  manager.on('shardCreate', (shard) => {
    Object.assign(shard.env as Record<string, string>, { ROLES: 'discord' });
    shard.on('death', () => logger.warn({ shardId: shard.id }, 'shard process exited'));
    shard.on('ready', () => logger.info({ shardId: shard.id, totalShards }, 'shard ready'));
  });
  await manager.spawn({ amount: totalShards });
  return manager;
}
