import { decodeAction, type ActionName } from '#core';
import type { ProviderRegistry } from '#core/providers/route-model';
import { createDiscordBot, type DiscordBot } from '#bots/discord/create-discord-bot';
import {
  startFakeDiscord,
  type DiscordRequest,
  type FakeDiscord,
  type FakeDiscordOptions,
} from '#tests/fakes/discord-api';
import { createTestCore, type TestCore } from '#tests/support/test-core';

export const TOKEN = 'fake-discord-bot-token';
export const GUILD_ID = '400000000000000001';
export const CHANNEL_ID = '400000000000000009';

/** A Discord user of the tests: in a server channel unless `dm` is set. */
export type DiscordUser = { id: string; locale?: string; dm?: boolean };

type JsonObject = Record<string, unknown>;
type SentInteraction = { id: string; token: string };

/**
 * The whole stack of the Discord adapter tests: a real core on its own database with the demo
 * providers, the fake Discord (REST + gateway), the real discord.js bot registered as core's
 * Discord notifier, and a worker. Drives it as users would, through interactions.
 */
export class DiscordHarness {
  private constructor(
    readonly t: TestCore,
    readonly fake: FakeDiscord,
    readonly bot: DiscordBot,
    private readonly stopWorker: () => Promise<void>,
  ) {}

  static async start(
    options: { providers?: ProviderRegistry; fake?: FakeDiscordOptions; env?: Record<string, string> } = {},
  ): Promise<DiscordHarness> {
    const t = await createTestCore({
      startWorker: false,
      ...(options.env ? { env: options.env } : {}),
      ...(options.providers ? { providers: options.providers } : {}),
    });
    // Discord answers 404 Unknown interaction to acknowledgements later than 3 s; so does the fake here.
    const fake = await startFakeDiscord({ token: TOKEN, ackDeadlineMs: 3_000, ...options.fake });
    const bot = createDiscordBot(t.core, {
      config: { token: TOKEN, applicationId: fake.application.id, apiUrl: fake.restUrl, devGuildId: undefined },
      publicUrl: t.deps.config.publicUrl,
      logger: t.deps.logger,
    });
    t.core.registerNotifier('discord', bot.notifier);
    await bot.start();
    const stopWorker = await t.core.startWorker({ concurrency: 2 });
    return new DiscordHarness(t, fake, bot, stopWorker);
  }

  async close(): Promise<void> {
    await this.bot.stop();
    await this.stopWorker();
    await this.t.close();
    await this.fake.close();
  }

  /**
   * Sends a slash command as `user`. `id` overrides the interaction id (its snowflake dates the
   * token); `beforeSend` sees the interaction before it is dispatched (to inject failures for its token).
   */
  command(
    user: DiscordUser,
    name: string,
    options: Record<string, string | number> = {},
    extra: { id?: string; attachmentSizeLimit?: number; beforeSend?: (interaction: SentInteraction) => void } = {},
  ): SentInteraction {
    const built = this.fake.chatInputInteraction({
      name,
      options,
      ...this.place(user),
      ...(extra.attachmentSizeLimit ? { attachmentSizeLimit: extra.attachmentSizeLimit } : {}),
    });
    const interaction = extra.id ? { ...built, id: extra.id } : built;
    extra.beforeSend?.(interaction);
    return this.fake.sendInteraction(interaction);
  }

  /** Presses the button with `customId` on message `messageId` as `user`. */
  press(user: DiscordUser, customId: string, messageId: string): SentInteraction {
    return this.fake.sendInteraction(this.fake.buttonInteraction({ customId, messageId, ...this.place(user) }));
  }

  /** The acknowledgement (interaction callback) of an interaction. */
  callback(interaction: SentInteraction): Promise<DiscordRequest> {
    return this.fake.waitForRequest(
      (r) => r.method === 'POST' && r.path === `/interactions/${interaction.id}/${interaction.token}/callback`,
    );
  }

  /** An edit of the interaction's original response matching `predicate`. */
  originalEdit(
    interaction: SentInteraction,
    predicate: (request: DiscordRequest) => boolean = () => true,
    timeoutMs = 15_000,
  ): Promise<DiscordRequest> {
    const path = `/webhooks/${this.fake.application.id}/${interaction.token}/messages/@original`;
    return this.fake.waitForRequest((r) => r.method === 'PATCH' && r.path === path && predicate(r), timeoutMs);
  }

  /** A follow-up message of the interaction. */
  followUp(
    interaction: SentInteraction,
    predicate: (request: DiscordRequest) => boolean = () => true,
  ): Promise<DiscordRequest> {
    return this.fake.waitForRequest(
      (r) =>
        r.method === 'POST' && r.path === `/webhooks/${this.fake.application.id}/${interaction.token}` && predicate(r),
    );
  }

  /** Every REST request made for this interaction's token, in order. */
  requestsOf(interaction: SentInteraction): DiscordRequest[] {
    return this.fake.requests.filter((r) => r.path.includes(interaction.token));
  }

  /** The custom_id of the first button for `action` on a stored message. */
  buttonOn(messageId: string, action: ActionName): string {
    const found = customIdsOf(this.fake.message(messageId)).find((id) => decodeAction(id)?.name === action);
    if (!found)
      throw new Error(
        `no ${action} button on message ${messageId}: ${JSON.stringify(this.fake.message(messageId)?.components)}`,
      );
    return found;
  }

  /** Accepts the terms and confirms the age through /start and its buttons, as a new user does. */
  async onboard(user: DiscordUser): Promise<{ start: SentInteraction; termsMessageId: string }> {
    const start = this.command(user, 'start');
    await this.followUp(start, (r) => customIdsOf(r.json as JsonObject).length > 0);
    const termsMessageId = this.fake.interaction(start.id)?.followupMessageIds[0] ?? '';
    const accept = this.press(user, this.buttonOn(termsMessageId, 'accept_terms'), termsMessageId);
    await this.originalEdit(accept);
    const confirm = this.press(user, this.buttonOn(termsMessageId, 'confirm_age'), termsMessageId);
    await this.originalEdit(confirm);
    return { start, termsMessageId };
  }

  /** The interaction's acknowledgement: its callback type and whether it made the answer ephemeral. */
  async acknowledgement(interaction: SentInteraction): Promise<{ type: number; isEphemeral: boolean }> {
    const body = (await this.callback(interaction)).json as { type: number; data?: { flags?: number } };
    return { type: body.type, isEphemeral: ((body.data?.flags ?? 0) & (1 << 6)) !== 0 };
  }

  private place(user: DiscordUser): { userId: string; locale: string; guildId?: string; channelId?: string } {
    return {
      userId: user.id,
      locale: user.locale ?? 'en-US',
      ...(user.dm ? {} : { guildId: GUILD_ID, channelId: CHANNEL_ID }),
    };
  }
}

/** Every custom_id in a message (or message payload). */
export function customIdsOf(message: JsonObject | undefined): string[] {
  const rows = (message?.components ?? []) as { components?: { custom_id?: string }[] }[];
  return rows.flatMap((row) => (row.components ?? []).map((component) => component.custom_id ?? '')).filter(Boolean);
}

/** A snowflake for a moment `msAgo` in the past (Discord dates interactions, and so their tokens, by it). */
export function snowflakeFrom(msAgo: number): string {
  return ((BigInt(Date.now() - msAgo) - 1_420_070_400_000n) << 22n).toString();
}
