import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ShardingManager } from 'discord.js';
import { createLogger } from '#core';
import { spawnDiscordShards } from '#bots/discord/spawn-shards';
import { startFakeDiscord, type FakeDiscord } from '#tests/fakes/discord-api';

const TOKEN = 'fake-discord-bot-token';

describe('running the bot as shards with the ShardingManager', () => {
  let fake: FakeDiscord | undefined;
  let manager: ShardingManager | undefined;

  afterEach(async () => {
    for (const shard of manager?.shards.values() ?? []) shard.kill();
    await fake?.close();
    vi.unstubAllEnvs();
  });

  it('asks the configured API for the shard count and starts each shard as a discord-only process that identifies with its shard id', async () => {
    fake = await startFakeDiscord({ token: TOKEN });
    vi.stubEnv('DISCORD_API_URL', fake.restUrl);
    manager = await spawnDiscordShards({
      config: { token: TOKEN, applicationId: fake.application.id, apiUrl: fake.restUrl, devGuildId: undefined },
      logger: createLogger({ level: 'silent' }),
      entry: fileURLToPath(new URL('fixtures/shard-client.ts', import.meta.url)),
    });
    expect(fake.requests[0]).toMatchObject({ method: 'GET', path: '/gateway/bot', authorization: `Bot ${TOKEN}` });
    expect(manager.totalShards).toBe(1);
    const identify = await fake.waitForGateway((frame) => frame.direction === 'in' && frame.op === 2);
    expect(identify.d).toMatchObject({
      token: TOKEN,
      shard: [0, 1],
      presence: { activities: [{ name: 'roles=discord' }] },
    });
    expect(manager.shards.get(0)?.ready).toBe(true);
  }, 60_000);
});
