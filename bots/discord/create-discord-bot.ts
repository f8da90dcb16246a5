import { once } from 'node:events';
import { Client, Events, GatewayIntentBits, type Interaction } from 'discord.js';
import type { AppConfig, Core, Logger, Notifier } from '#core';
import { createDiscordNotifier } from '#bots/discord/discord-notifier';
import { createDiscordRest } from '#bots/discord/discord-rest';
import { handleInteraction } from '#bots/discord/handle-interaction';
import { createPendingRenders } from '#bots/discord/pending-renders';

/** A running (or ready to start) Discord adapter. */
export type DiscordBot = {
  /** The discord.js gateway client. */
  client: Client;
  /** Delivers job progress and results; register it with `core.registerNotifier('discord', …)`. */
  notifier: Notifier;
  /** Logs in and resolves once the gateway session is ready. */
  start(): Promise<void>;
  /** Stops taking interactions, lets those in progress finish (bounded), and ends the session. */
  stop(): Promise<void>;
};

/** Options of {@link createDiscordBot}. */
export type DiscordBotOptions = {
  config: NonNullable<AppConfig['discord']>;
  /** The product's public address (links in messages come from core already signed and absolute). */
  publicUrl: string;
  logger: Logger;
};

/** How long `stop()` waits for interactions in progress. */
const DRAIN_TIMEOUT_MS = 10_000;

/**
 * The Discord adapter: a discord.js gateway client (REST and so the gateway URL from
 * `config.apiUrl`) whose interactions go through `core.chat.run`, and a notifier for job
 * updates. The notifier has a REST client of its own, so it keeps delivering while the gateway
 * stops (a worker in this process may still finish jobs). For more than ~2,500 servers run the
 * bot under the ShardingManager (`bots/discord/sharding.ts`).
 */
export function createDiscordBot(core: Core, options: DiscordBotOptions): DiscordBot {
  const { config, logger } = options;
  const log = logger.child({ platform: 'discord' });
  const client = new Client({
    intents: [GatewayIntentBits.Guilds, GatewayIntentBits.DirectMessages],
    rest: { api: config.apiUrl },
  });
  const pendingRenders = createPendingRenders();
  const notifier = createDiscordNotifier(createDiscordRest(config), { logger, pendingRenders });
  const inFlight = new Set<Promise<void>>();

  const onInteraction = (interaction: Interaction): void => {
    const handled = handleInteraction(interaction, { core, logger, pendingRenders }).finally(() =>
      inFlight.delete(handled),
    );
    inFlight.add(handled);
  };
  client.on(Events.InteractionCreate, onInteraction);
  client.on(Events.Error, (error) => log.error({ err: error }, 'discord client error'));
  client.on(Events.Warn, (message) => log.warn({ detail: message }, 'discord client warning'));
  client.on(Events.ShardDisconnect, (event, shardId) =>
    log.warn({ code: event.code, shardId }, 'gateway disconnected'),
  );

  return {
    client,
    notifier,
    async start() {
      const ready = once(client, Events.ClientReady);
      await client.login(config.token);
      await ready;
      log.info({ user: client.user?.tag, shards: client.ws.shards.size }, 'discord gateway ready');
    },
    async stop() {
      client.off(Events.InteractionCreate, onInteraction);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled([...inFlight]),
        new Promise((resolve) => (timer = setTimeout(resolve, DRAIN_TIMEOUT_MS))),
      ]);
      clearTimeout(timer);
      await client.destroy();
      log.info('discord gateway stopped');
    },
  };
}
