import { once } from 'node:events';
import {
  ActionRowBuilder,
  ButtonBuilder,
  ButtonStyle,
  ChannelType,
  Client,
  DiscordAPIError,
  Events,
  GatewayIntentBits,
  LabelBuilder,
  MessageFlags,
  ModalBuilder,
  REST,
  Routes,
  TextInputBuilder,
  TextInputStyle,
  type Interaction,
} from 'discord.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeDiscord, type FakeDiscord, type FakeDiscordOptions } from '#tests/fakes/discord-api';
import { makePng } from '#tests/fakes/test-png';

const TOKEN = 'fake-discord-bot-token';
const USER_ID = '300000000000000001';
const GUILD_ID = '400000000000000001';
const CHANNEL_ID = '400000000000000009';

describe('fake Discord REST + gateway with the real discord.js', () => {
  let fake: FakeDiscord;
  let client: Client | undefined;
  let handled: Array<Promise<unknown>>;

  async function startClient(
    onInteraction: (interaction: Interaction) => Promise<unknown>,
    options: FakeDiscordOptions = {},
  ): Promise<Client> {
    if (Object.keys(options).length > 0) {
      await fake.close();
      fake = await startFakeDiscord({ token: TOKEN, ...options });
    }
    const started = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: fake.restUrl } });
    started.on(Events.InteractionCreate, (interaction) => {
      handled.push(onInteraction(interaction));
    });
    const ready = once(started, Events.ClientReady);
    await started.login(TOKEN);
    await ready;
    client = started;
    return started;
  }

  beforeEach(async () => {
    handled = [];
    fake = await startFakeDiscord({ token: TOKEN });
  });

  afterEach(async () => {
    await client?.destroy();
    client = undefined;
    await Promise.allSettled(handled);
    await fake.close();
  });

  it('logs in through GET /gateway/bot, IDENTIFY and READY', async () => {
    const ready = await startClient(async () => undefined);
    expect(ready.user?.id).toBe(fake.botUser.id);
    expect(ready.application?.id).toBe(fake.application.id);
    const identify = await fake.waitForGateway((frame) => frame.direction === 'in' && frame.op === 2);
    expect(identify.d).toMatchObject({ token: TOKEN, intents: GatewayIntentBits.Guilds });
    expect(fake.requests[0]).toMatchObject({ method: 'GET', path: '/gateway/bot', authorization: `Bot ${TOKEN}` });
    const application = await ready.application?.fetch();
    expect(application?.id).toBe(fake.application.id);
    expect((await ready.users.fetch(fake.botUser.id as string)).bot).toBe(true);
  });

  it('a wrong token is refused with 401 and login fails with TokenInvalid', async () => {
    const stranger = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: fake.restUrl } });
    await expect(stranger.login('not-the-token')).rejects.toMatchObject({ code: 'TokenInvalid' });
    await stranger.destroy();
  });

  it('chat input: deferReply is callback type 5, editReply uploads the PNG as files[0] of a multipart PATCH', async () => {
    const png = makePng(32, 32, [10, 200, 30, 255]);
    const input = makePng(8, 8);
    let prompt: string | null = null;
    let inputUrl: string | undefined;
    let fetched: string | undefined;
    await startClient(async (interaction) => {
      if (!interaction.isChatInputCommand()) return;
      prompt = interaction.options.getString('prompt');
      inputUrl = interaction.options.getAttachment('image')?.url;
      await interaction.deferReply();
      await interaction.editReply({ content: 'Here it is', files: [{ attachment: png, name: 'image.png' }] });
      fetched = (await interaction.fetchReply()).attachments.first()?.name;
    });

    const interaction = fake.sendInteraction(
      fake.chatInputInteraction({
        name: 'imagine',
        options: { prompt: 'a green square', steps: 4 },
        attachments: { image: { filename: 'input.png', bytes: input } },
        userId: USER_ID,
        guildId: GUILD_ID,
        channelId: CHANNEL_ID,
        locale: 'zh-CN',
      }),
    );

    const callback = await fake.waitForRequest(
      (r) => r.path === `/interactions/${interaction.id}/${interaction.token}/callback`,
    );
    expect(callback).toMatchObject({ method: 'POST', status: 204, json: { type: 5 }, authorization: undefined });
    const patch = await fake.waitForRequest(
      (r) =>
        r.method === 'PATCH' && r.path === `/webhooks/${fake.application.id}/${interaction.token}/messages/@original`,
    );
    expect(patch.status).toBe(200);
    expect(patch.json).toMatchObject({ content: 'Here it is', attachments: [{ id: '0' }] });
    expect(patch.files).toHaveLength(1);
    expect(patch.files[0]?.field).toBe('files[0]');
    expect(patch.files[0]?.bytes.equals(png)).toBe(true);

    await Promise.all(handled);
    expect(prompt).toBe('a green square');
    expect(fetched).toBe('image.png');
    expect(patch.files[0]).toMatchObject({ filename: 'image.png', mime: 'image/png' });
    const downloaded = Buffer.from(await (await fetch(inputUrl ?? '')).arrayBuffer());
    expect(downloaded.equals(input)).toBe(true);

    const original = fake.message(fake.interaction(interaction.id)?.originalMessageId ?? '');
    expect(original).toMatchObject({ content: 'Here it is', channel_id: CHANNEL_ID });
    const attachment = (original?.attachments as Array<{ id: string; url: string; width: number }>)[0];
    expect(attachment?.width).toBe(32);
    expect(fake.attachmentBytes(attachment?.id ?? '')?.equals(png)).toBe(true);
  });

  it('a second acknowledgement is refused with 40060, and a DM interaction carries user instead of member', async () => {
    let second: unknown;
    let inGuild: boolean | undefined;
    let loading: boolean | undefined;
    await startClient(async (interaction) => {
      if (!interaction.isChatInputCommand()) return;
      inGuild = interaction.inGuild();
      const response = await interaction.deferReply({ flags: MessageFlags.Ephemeral, withResponse: true });
      loading = response.resource?.message?.flags.has(MessageFlags.Loading);
      second = await interaction.client.rest
        .post(Routes.interactionCallback(interaction.id, interaction.token), { body: { type: 5 }, auth: false })
        .catch((error: unknown) => error);
      await interaction.followUp({ content: 'only you can see this', flags: MessageFlags.Ephemeral });
    });
    const dm = fake.chatInputInteraction({ name: 'balance', userId: USER_ID, locale: 'en-US' });
    expect(dm).toHaveProperty('user');
    expect(dm).not.toHaveProperty('member');
    fake.sendInteraction(dm);

    const followUp = await fake.waitForRequest(
      (r) => r.method === 'POST' && r.path === `/webhooks/${fake.application.id}/${dm.token}`,
    );
    expect(followUp.query).toMatchObject({ wait: 'true' });
    expect(followUp.json).toMatchObject({ content: 'only you can see this', flags: MessageFlags.Ephemeral });
    await Promise.all(handled);
    expect(inGuild).toBe(false);
    expect(loading).toBe(true);
    expect(second).toBeInstanceOf(DiscordAPIError);
    expect(second).toMatchObject({ code: 40060, status: 400 });
    expect(fake.interaction(dm.id)).toMatchObject({ callbackType: 5, ephemeral: true });
  });

  it('a button interaction update() is callback type 7 and edits the message the button was on', async () => {
    await startClient(async (interaction) => {
      if (!interaction.isButton()) return;
      await interaction.update({ content: `cancelled by ${interaction.user.id}`, components: [] });
    });
    const sent = await (client as Client).rest.post(Routes.channelMessages(CHANNEL_ID), {
      body: {
        content: 'Working…',
        components: [
          new ActionRowBuilder<ButtonBuilder>()
            .addComponents(
              new ButtonBuilder().setCustomId('cancel:job-1').setLabel('Cancel').setStyle(ButtonStyle.Danger),
            )
            .toJSON(),
        ],
      },
    });
    const messageId = (sent as { id: string }).id;

    const button = fake.sendInteraction(
      fake.buttonInteraction({
        customId: 'cancel:job-1',
        userId: USER_ID,
        messageId,
        channelId: CHANNEL_ID,
        guildId: GUILD_ID,
      }),
    );
    const callback = await fake.waitForRequest((r) => r.path === `/interactions/${button.id}/${button.token}/callback`);
    expect(callback.json).toMatchObject({ type: 7, data: { content: `cancelled by ${USER_ID}`, components: [] } });
    expect(fake.message(messageId)).toMatchObject({ content: `cancelled by ${USER_ID}`, components: [] });
  });

  it('a modal is callback type 9 to a button; its submission is a type 5 interaction discord.js reads the field of', async () => {
    const submitted: string[] = [];
    await startClient(async (interaction) => {
      if (interaction.isButton()) {
        const modal = new ModalBuilder()
          .setCustomId('form-1')
          .setTitle('New prompt')
          .addLabelComponents(
            new LabelBuilder()
              .setLabel('Prompt')
              .setTextInputComponent(
                new TextInputBuilder().setCustomId('prompt').setStyle(TextInputStyle.Paragraph).setMaxLength(10),
              ),
          );
        if (interaction.customId !== 'long') return interaction.showModal(modal);
        // Over Discord's 45 characters of a title, which the builder would not even let through.
        await interaction.client.rest
          .post(Routes.interactionCallback(interaction.id, interaction.token), {
            body: { type: 9, data: { ...modal.toJSON(), title: 'x'.repeat(46) } },
            auth: false,
          })
          .catch((error: unknown) => submitted.push(`refused: ${(error as DiscordAPIError).code}`));
      } else if (interaction.isModalSubmit()) {
        submitted.push(interaction.fields.getTextInputValue('prompt'));
        // A form cannot answer a form: discord.js does not offer it, so straight over REST.
        await interaction.client.rest
          .post(Routes.interactionCallback(interaction.id, interaction.token), {
            body: { type: 9, data: { custom_id: 'again', title: 'Again', components: [] } },
            auth: false,
          })
          .catch((error: unknown) => submitted.push(`refused: ${(error as DiscordAPIError).code}`));
      }
    });
    const place = { userId: USER_ID, channelId: CHANNEL_ID, guildId: GUILD_ID };
    const button = fake.sendInteraction(fake.buttonInteraction({ customId: 'ok', messageId: '500', ...place }));
    await fake.waitForRequest((r) => r.path === `/interactions/${button.id}/${button.token}/callback`);
    expect(fake.interaction(button.id)).toMatchObject({
      callbackType: 9,
      modal: { custom_id: 'form-1', title: 'New prompt' },
    });

    const tooLong = fake.sendInteraction(fake.buttonInteraction({ customId: 'long', messageId: '501', ...place }));
    const refused = await fake.waitForRequest(
      (r) => r.path === `/interactions/${tooLong.id}/${tooLong.token}/callback`,
    );
    expect(refused.status).toBe(400);

    const form = fake.sendInteraction(
      fake.modalSubmitInteraction({ customId: 'form-1', values: { prompt: 'a fox' }, messageId: '500', ...place }),
    );
    await fake.waitForRequest((r) => r.path === `/interactions/${form.id}/${form.token}/callback`);
    await Promise.allSettled(handled);
    expect(submitted).toEqual(['refused: 50035', 'a fox', 'refused: 50035']);
  });

  it('deferUpdate() is callback type 6; the following editReply edits the message the button was on', async () => {
    await startClient(async (interaction) => {
      if (!interaction.isButton()) return;
      await interaction.deferUpdate();
      await interaction.editReply({ content: 'Upscaled' });
    });
    const button = fake.sendInteraction(
      fake.buttonInteraction({
        customId: 'upscale:1',
        userId: USER_ID,
        messageId: '500000000000000001',
        channelId: CHANNEL_ID,
        guildId: GUILD_ID,
      }),
    );
    const callback = await fake.waitForRequest((r) => r.path.startsWith(`/interactions/${button.id}/`));
    expect(callback.json).toEqual({ type: 6 });
    await fake.waitForRequest((r) => r.method === 'PATCH' && r.path.endsWith('/messages/@original'));
    expect(fake.message('500000000000000001')).toMatchObject({ content: 'Upscaled' });
  });

  it('a 429 with retry_after is retried by @discordjs/rest after the wait', async () => {
    const ready = await startClient(async () => undefined);
    fake.failNext({ method: 'POST', path: `/channels/${CHANNEL_ID}/messages` }, { status: 429, retryAfter: 0.05 });
    const sent = await ready.rest.post(Routes.channelMessages(CHANNEL_ID), { body: { content: 'after the limit' } });
    expect(sent).toMatchObject({ content: 'after the limit' });
    expect(fake.requests.filter((r) => r.path === `/channels/${CHANNEL_ID}/messages`).map((r) => r.status)).toEqual([
      429, 200,
    ]);
  });

  it('an autocomplete respond() is callback type 8 with the choices', async () => {
    let focused: string | undefined;
    await startClient(async (interaction) => {
      if (!interaction.isAutocomplete()) return;
      focused = interaction.options.getFocused();
      await interaction.respond([{ name: 'Anime style', value: 'anime' }]);
    });
    const autocomplete = fake.sendInteraction(
      fake.autocompleteInteraction({
        name: 'imagine',
        focusedOption: 'style',
        value: 'an',
        userId: USER_ID,
        guildId: GUILD_ID,
      }),
    );
    const callback = await fake.waitForRequest(
      (r) => r.path === `/interactions/${autocomplete.id}/${autocomplete.token}/callback`,
    );
    expect(callback.json).toEqual({ type: 8, data: { choices: [{ name: 'Anime style', value: 'anime' }] } });
    await Promise.all(handled);
    expect(focused).toBe('an');
  });

  it('DM flow: users.send opens a DM channel and posts the message with the file; channels.fetch resolves it', async () => {
    const ready = await startClient(async () => undefined);
    const png = makePng(16, 16);
    const message = await ready.users.send(USER_ID, {
      content: 'Your image is ready',
      files: [{ attachment: png, name: 'result.png' }],
    });
    expect(message.channel.type).toBe(ChannelType.DM);
    expect(message.attachments.first()?.name).toBe('result.png');

    const open = await fake.waitForRequest((r) => r.method === 'POST' && r.path === '/users/@me/channels');
    expect(open.json).toEqual({ recipient_id: USER_ID });
    const post = await fake.waitForRequest(
      (r) => r.method === 'POST' && r.path === `/channels/${message.channelId}/messages`,
    );
    expect(post.files[0]?.bytes.equals(png)).toBe(true);

    const channel = await ready.channels.fetch(message.channelId, { force: true });
    expect(channel?.isDMBased()).toBe(true);
    await expect(ready.channels.fetch('999999999999999999')).rejects.toMatchObject({ code: 10003 });
  });

  it('commands are registered with PUT through @discordjs/rest and come back with ids', async () => {
    const rest = new REST({ api: fake.restUrl }).setToken(TOKEN);
    const body = [
      {
        name: 'imagine',
        description: 'Create an image',
        name_localizations: { 'zh-CN': '生成' },
        options: [{ type: 3, name: 'prompt', description: 'What to draw', required: true }],
      },
      { name: 'balance', description: 'Show credits' },
    ];
    const global = (await rest.put(Routes.applicationCommands(fake.application.id), { body })) as Array<{
      id: string;
      name: string;
    }>;
    expect(global.map((c) => c.name)).toEqual(['imagine', 'balance']);
    expect(global.every((c) => /^\d+$/.test(c.id))).toBe(true);
    const put = await fake.waitForRequest((r) => r.method === 'PUT');
    expect(put.json).toEqual(body);

    await rest.put(Routes.applicationGuildCommands(fake.application.id, GUILD_ID), { body: [body[1]] });
    expect(fake.commands(GUILD_ID).map((c) => c.name)).toEqual(['balance']);
    await expect(
      rest.put(Routes.applicationCommands(fake.application.id), { body: [{ name: 'Bad Name', description: 'x' }] }),
    ).rejects.toMatchObject({ code: 50035 });

    // An interaction for a registered command carries the registered id.
    expect(fake.chatInputInteraction({ name: 'imagine', userId: USER_ID }).data.id).toBe(global[0]?.id);
  });

  it('unknown routes answer 404 in Discord shape and are recorded', async () => {
    const rest = new REST({ api: fake.restUrl }).setToken(TOKEN);
    await expect(rest.get('/nothing/here' as `/${string}`)).rejects.toMatchObject({ status: 404, code: 0 });
    expect(fake.requests.at(-1)).toMatchObject({ method: 'GET', path: '/nothing/here', status: 404 });
  });

  it('resumes after op 7 RECONNECT and still receives interactions; guilds from options are cached', async () => {
    let channelName: string | undefined;
    const ready = await startClient(
      async (interaction) => {
        if (!interaction.isChatInputCommand()) return;
        channelName =
          interaction.channel && 'name' in interaction.channel ? (interaction.channel.name ?? undefined) : undefined;
        await interaction.reply({ content: 'pong' });
      },
      {
        guilds: [{ id: GUILD_ID, name: 'Test guild', channels: [{ id: CHANNEL_ID, name: 'art' }] }],
        heartbeatIntervalMs: 50,
      },
    );
    expect(ready.guilds.cache.get(GUILD_ID)?.name).toBe('Test guild');
    await fake.waitForGateway((frame) => frame.direction === 'out' && frame.op === 11);

    fake.requestReconnect();
    await fake.waitForGateway((frame) => frame.direction === 'out' && frame.t === 'RESUMED');
    const resume = await fake.waitForGateway((frame) => frame.direction === 'in' && frame.op === 6);
    expect(resume.d).toMatchObject({ token: TOKEN });

    const interaction = fake.sendInteraction(
      fake.chatInputInteraction({ name: 'ping', userId: USER_ID, guildId: GUILD_ID, channelId: CHANNEL_ID }),
    );
    const callback = await fake.waitForRequest(
      (r) => r.path === `/interactions/${interaction.id}/${interaction.token}/callback`,
    );
    expect(callback.json).toMatchObject({ type: 4, data: { content: 'pong' } });
    await Promise.all(handled);
    expect(channelName).toBe('art');
  });
});
