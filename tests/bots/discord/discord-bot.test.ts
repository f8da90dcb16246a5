import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MessageFlags } from 'discord.js';
import { decodeAction, translate } from '#core';
import { CATALOG } from '#core/catalog/catalog';
import { createDemoImageProvider } from '#core/providers/demo/demo-image-provider';
import { createDemoVideoProvider } from '#core/providers/demo/demo-video-provider';
import { makePng, readPng } from '#tests/fakes/test-png';
import {
  CHANNEL_ID,
  GUILD_ID,
  customIdsOf,
  DiscordHarness,
  snowflakeFrom,
  TOKEN,
  type DiscordUser,
} from '#tests/bots/discord/discord-harness';

type JsonObject = Record<string, unknown>;

describe('Discord bot end to end (discord.js against the fake Discord, real core)', () => {
  let h: DiscordHarness;

  beforeAll(async () => {
    h = await DiscordHarness.start({
      providers: { image: [createDemoImageProvider()], video: [createDemoVideoProvider({ pollsBeforeDone: 1 })] },
    });
  });
  afterAll(async () => {
    await h?.close();
  });

  async function outputBytes(generationId: string): Promise<Buffer[]> {
    const assets = await h.t.database.prisma.mediaAsset.findMany({
      where: { generationId, role: 'output' },
      orderBy: { createdAt: 'asc' },
    });
    return Promise.all(assets.map(async (asset) => (await h.t.deps.media.get(asset.storageKey)) ?? Buffer.alloc(0)));
  }

  /** The seed the demo drew the (first) picture of a generation with. */
  async function seedOf(generationId: string): Promise<string> {
    const asset = await h.t.database.prisma.mediaAsset.findFirst({ where: { generationId, role: 'output' } });
    return String(asset?.seed);
  }

  async function generationsOf(user: DiscordUser) {
    return h.t.database.prisma.generation.findMany({
      where: { user: { identities: { some: { provider: 'discord', subject: user.id } } } },
      orderBy: { createdAt: 'asc' },
    });
  }

  it('onboards through the /start buttons, then /imagine edits the original response into the PNG with the follow-up buttons', async () => {
    const alice: DiscordUser = { id: '300000000000000001' };
    const { start, termsMessageId } = await h.onboard(alice);
    expect(await h.acknowledgement(start)).toEqual({ type: 5, isEphemeral: true });
    expect(h.fake.message(termsMessageId)?.flags).toBe(MessageFlags.Ephemeral);
    const termsMessage = h.fake.message(termsMessageId);
    expect(termsMessage?.content).toBe(translate('en', 'terms.accepted', { credits: 10 }));
    expect(customIdsOf(termsMessage)).toEqual([]);

    const imagine = h.command(alice, 'imagine', { prompt: 'a red fox in the snow', aspect: '16:9' });
    expect(await h.acknowledgement(imagine)).toEqual({ type: 5, isEphemeral: false });
    const result = await h.originalEdit(imagine, (r) => r.files.length > 0);

    const [generation] = await generationsOf(alice);
    expect(generation?.status).toBe('succeeded');
    const [bytes] = await outputBytes(generation?.id ?? '');
    expect(result.files).toHaveLength(1);
    expect(result.files[0]).toMatchObject({ field: 'files[0]', filename: 'image.png', mime: 'image/png' });
    expect(result.files[0]?.bytes.equals(bytes ?? Buffer.alloc(0))).toBe(true);
    expect(readPng(result.files[0]?.bytes ?? Buffer.alloc(0))).toMatchObject({ width: 768, height: 432 });
    const caption = `${translate('en', 'job.succeeded_demo', { prompt: 'a red fox in the snow' })}\n${translate('en', 'job.seed', { seed: await seedOf(generation?.id ?? '') })}`;
    expect((result.json as JsonObject).content).toBe(caption);
    const actions = customIdsOf(result.json as JsonObject).map((id) => decodeAction(id));
    // The demo pictures can be varied (its picture 1) and rerolled; nothing here upscales, so no Upscale.
    expect(actions).toEqual([
      { name: 'vary', arg: `${generation?.id}:1` },
      { name: 'reroll', arg: generation?.id },
      { name: 'remix_job', arg: generation?.id },
    ]);

    // The "queued" status came first (with a cancel button) and nothing overwrote the result afterwards.
    const edits = h.requestsOf(imagine).filter((r) => r.method === 'PATCH');
    expect((edits[0]?.json as JsonObject).content).toMatch(/^Queued \(1 credit reserved\)/);
    expect(customIdsOf(edits[0]?.json as JsonObject).map((id) => decodeAction(id)?.name)).toEqual(['cancel_job']);
    expect(edits.at(-1)).toBe(result);
    const original = h.fake.message(h.fake.interaction(imagine.id)?.originalMessageId ?? '');
    expect(original).toMatchObject({
      content: caption,
      channel_id: CHANNEL_ID,
    });
    expect((original?.attachments as unknown[]).length).toBe(1);
    expect(generation?.delivery).toMatchObject({
      platform: 'discord',
      chatId: CHANNEL_ID,
      chatType: 'group',
      statusMessageId: '@original',
    });
    // The interaction token is a credential: once the job has delivered, core drops it from the job.
    await expect
      .poll(async () => JSON.stringify((await generationsOf(alice))[0]?.delivery), { timeout: 5_000 })
      .not.toContain(imagine.token);
  });

  it('a slow first answer is not overwritten by the job: the result stays the last edit', async () => {
    const frank: DiscordUser = { id: '300000000000000010' };
    await h.onboard(frank);
    const imagine = h.command(
      frank,
      'imagine',
      { prompt: 'a windmill' },
      {
        // Discord makes the adapter wait before its "queued" edit; the worker finishes meanwhile.
        beforeSend: (interaction) =>
          h.fake.failNext(
            { method: 'PATCH', path: `/webhooks/${h.fake.application.id}/${interaction.token}/messages/@original` },
            { status: 429, retryAfter: 1 },
          ),
      },
    );
    await h.originalEdit(imagine, (r) => r.files.length > 0 && r.status === 200);
    const edits = h.requestsOf(imagine).filter((r) => r.method === 'PATCH' && r.status === 200);
    expect((edits[0]?.json as JsonObject).content).toMatch(/^Queued/);
    expect(edits.at(-1)?.files).toHaveLength(1);
    const original = h.fake.message(h.fake.interaction(imagine.id)?.originalMessageId ?? '');
    expect(original?.content).toMatch(
      new RegExp(
        `^${translate('en', 'job.succeeded_demo', { prompt: 'a windmill' }).replace(/[()]/g, '\\$&')}\nSeed \\d+$`,
      ),
    );
    expect(customIdsOf(original).map((id) => decodeAction(id)?.name)).toEqual(['vary', 'reroll', 'remix_job']);
  });

  it('the requester rerolls into a new job; someone else pressing the button is refused privately and nothing changes', async () => {
    const owner: DiscordUser = { id: '300000000000000002' };
    const stranger: DiscordUser = { id: '300000000000000003' };
    await h.onboard(owner);
    await h.onboard(stranger);
    const imagine = h.command(owner, 'imagine', { prompt: 'a lighthouse at dusk' });
    await h.originalEdit(imagine, (r) => r.files.length > 0);
    const resultMessageId = h.fake.interaction(imagine.id)?.originalMessageId ?? '';
    const reroll = h.buttonOn(resultMessageId, 'reroll');
    const before = structuredClone(h.fake.message(resultMessageId));

    const refused = h.press(stranger, reroll, resultMessageId);
    expect(await h.acknowledgement(refused)).toEqual({ type: 5, isEphemeral: false });
    const refusal = await h.followUp(refused);
    expect(refusal.json).toMatchObject({
      content: translate('en', 'errors.not_job_owner'),
      flags: MessageFlags.Ephemeral,
    });
    expect(h.requestsOf(refused).map((r) => `${r.method} ${r.path.split('/').at(-1)}`)).toEqual([
      'POST callback',
      'DELETE @original',
      `POST ${refused.token}`,
    ]);
    expect(await generationsOf(stranger)).toHaveLength(0);
    expect(await generationsOf(owner)).toHaveLength(1);
    expect(h.fake.message(resultMessageId)).toEqual(before);

    // A reroll is a new admission, so it waits out the free plan's spacing like any other.
    h.t.clock.advance(CATALOG.freeLimits.minSpacingMs);
    const rerolled = h.press(owner, reroll, resultMessageId);
    expect(await h.acknowledgement(rerolled)).toEqual({ type: 5, isEphemeral: false });
    const newResult = await h.originalEdit(rerolled, (r) => r.files.length > 0);
    const jobs = await generationsOf(owner);
    expect(jobs).toHaveLength(2);
    expect(jobs[1]).toMatchObject({ parentId: jobs[0]?.id, status: 'succeeded' });
    const [bytes] = await outputBytes(jobs[1]?.id ?? '');
    expect(newResult.files[0]?.bytes.equals(bytes ?? Buffer.alloc(0))).toBe(true);
    expect(h.fake.message(resultMessageId)).toEqual(before);
  });

  it('Vary asks the presser alone how strongly; the variation then gets a public message of its own', async () => {
    const owner: DiscordUser = { id: '300000000000000016' };
    await h.onboard(owner);
    const imagine = h.command(owner, 'imagine', { prompt: 'a kite over dunes' });
    await h.originalEdit(imagine, (r) => r.files.length > 0);
    const resultMessageId = h.fake.interaction(imagine.id)?.originalMessageId ?? '';

    const asked = h.press(owner, h.buttonOn(resultMessageId, 'vary'), resultMessageId);
    expect(await h.acknowledgement(asked)).toEqual({ type: 5, isEphemeral: true });
    const question = await h.originalEdit(asked);
    expect((question.json as JsonObject).content).toBe(translate('en', 'job.vary_choice', { n: 1 }));
    expect(await generationsOf(owner)).toHaveLength(1);

    h.t.clock.advance(CATALOG.freeLimits.minSpacingMs);
    const strong = customIdsOf(question.json as JsonObject).find((id) => decodeAction(id)?.arg.endsWith(':strong'));
    const questionId = h.fake.interaction(asked.id)?.originalMessageId ?? '';
    const varied = h.press(owner, strong ?? '', questionId);
    expect(await h.acknowledgement(varied)).toEqual({ type: 5, isEphemeral: false });
    await h.originalEdit(varied, (r) => r.files.length > 0);
    const jobs = await generationsOf(owner);
    expect(jobs).toHaveLength(2);
    expect(jobs[1]).toMatchObject({
      parentId: jobs[0]?.id,
      status: 'succeeded',
      options: expect.objectContaining({ operation: 'vary', strength: 0.7 }),
    });
  });

  it('a video finishing after the interaction token expired is posted to the channel with the bot token', async () => {
    const carol: DiscordUser = { id: '300000000000000004' };
    await h.onboard(carol);
    const video = h.command(
      carol,
      'video',
      { prompt: 'waves on a beach', seconds: 4 },
      { id: snowflakeFrom(16 * 60_000) },
    );
    expect(await h.acknowledgement(video)).toEqual({ type: 5, isEphemeral: false });
    const posted = await h.fake.waitForRequest(
      (r) => r.method === 'POST' && r.path === `/channels/${CHANNEL_ID}/messages` && r.files.length > 0,
      30_000,
    );

    const [generation] = await generationsOf(carol);
    expect(generation).toMatchObject({ kind: 'video', status: 'succeeded' });
    const [bytes] = await outputBytes(generation?.id ?? '');
    expect(posted.authorization).toBe(`Bot ${TOKEN}`);
    expect(posted.files[0]).toMatchObject({ filename: 'video.gif' });
    expect(posted.files[0]?.bytes.equals(bytes ?? Buffer.alloc(0))).toBe(true);
    const originalId = h.fake.interaction(video.id)?.originalMessageId;
    expect(posted.json).toMatchObject({
      content: `<@${carol.id}> ${translate('en', 'job.succeeded_demo', { prompt: 'waves on a beach' })}`,
      allowed_mentions: { parse: [], users: [carol.id] },
      message_reference: { message_id: originalId },
    });
    expect(customIdsOf(posted.json as JsonObject).map((id) => decodeAction(id)?.name)).toEqual(['reroll', 'remix_job']);
    // Progress went to the original message with the bot token; the stale token was not used after the first answer.
    const progress = h.fake.requests.filter(
      (r) => r.method === 'PATCH' && r.path === `/channels/${CHANNEL_ID}/messages/${originalId}`,
    );
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.every((r) => r.authorization === `Bot ${TOKEN}`)).toBe(true);
    expect(h.requestsOf(video).filter((r) => r.method === 'PATCH')).toHaveLength(1);
    expect(h.fake.message(originalId ?? '')?.content).toBe(translate('en', 'job.uploading'));
  });

  it('results over the chat’s upload limit are sent as signed links to our copy', async () => {
    const gina: DiscordUser = { id: '300000000000000011' };
    await h.onboard(gina);
    const imagine = h.command(gina, 'imagine', { prompt: 'a tiny cactus' }, { attachmentSizeLimit: 1024 });
    const result = await h.originalEdit(imagine, (r) => /Done/.test(String((r.json as JsonObject).content)));
    expect(result.files).toHaveLength(0);
    const [generation] = await generationsOf(gina);
    const asset = await h.t.database.prisma.mediaAsset.findFirstOrThrow({
      where: { generationId: generation?.id, role: 'output' },
    });
    expect(asset.bytes).toBeGreaterThan(1024);
    const content = String((result.json as JsonObject).content);
    expect(content).toContain(translate('en', 'job.too_large_link', { url: '' }).trim());
    expect(content).toMatch(new RegExp(`http://127\\.0\\.0\\.1:3999/media/${asset.id}\\?exp=\\d+&sig=[\\w-]+`));
  });

  it('an attached image is downloaded while answering and becomes the job’s input', async () => {
    const hana: DiscordUser = { id: '300000000000000012' };
    await h.onboard(hana);
    const input = makePng(40, 30, [10, 200, 30, 255]);
    const built = h.fake.chatInputInteraction({
      name: 'imagine',
      options: { prompt: 'make it blue' },
      attachments: { image: { filename: 'photo.png', bytes: input } },
      userId: hana.id,
      guildId: GUILD_ID,
      channelId: CHANNEL_ID,
    });
    const imagine = h.fake.sendInteraction(built);
    await h.originalEdit(imagine, (r) => r.files.length > 0);
    const [generation] = await generationsOf(hana);
    const asset = await h.t.database.prisma.mediaAsset.findUniqueOrThrow({
      where: { id: generation?.inputMediaId ?? '' },
    });
    expect(asset).toMatchObject({ role: 'input', mime: 'image/png', bytes: input.length });
    expect((await h.t.deps.media.get(asset.storageKey))?.equals(input)).toBe(true);
  });

  it('/mydata sends the JSON export as a private attachment', async () => {
    const ivan: DiscordUser = { id: '300000000000000013' };
    await h.onboard(ivan);
    const mydata = h.command(ivan, 'mydata');
    expect(await h.acknowledgement(mydata)).toEqual({ type: 5, isEphemeral: true });
    const exported = await h.originalEdit(mydata);
    expect(exported.files[0]?.filename).toMatch(/^my-data-\d{4}-\d{2}-\d{2}\.json$/);
    const data = JSON.parse(exported.files[0]?.bytes.toString('utf8') ?? '{}') as {
      identities?: { provider: string; subject: string }[];
    };
    expect(data.identities).toEqual([expect.objectContaining({ provider: 'discord', subject: ivan.id })]);
    expect((exported.json as JsonObject).content).toBe(translate('en', 'mydata.caption'));
    const web = await h.followUp(mydata);
    expect(web.json).toMatchObject({ flags: MessageFlags.Ephemeral });
    expect(h.fake.interaction(mydata.id)?.ephemeral).toBe(true);
  });

  it('buttons on a private message answer privately: /settings changes stay ephemeral', async () => {
    const judy: DiscordUser = { id: '300000000000000014' };
    await h.onboard(judy);
    const settings = h.command(judy, 'settings');
    expect(await h.acknowledgement(settings)).toEqual({ type: 5, isEphemeral: true });
    await h.originalEdit(settings);
    const panelId = h.fake.interaction(settings.id)?.originalMessageId ?? '';
    const aspect = customIdsOf(h.fake.message(panelId)).find((id) => decodeAction(id)?.arg === 'aspect=16:9') ?? '';
    const press = h.press(judy, aspect, panelId);
    expect(await h.acknowledgement(press)).toEqual({ type: 6, isEphemeral: false });
    const saved = await h.originalEdit(press);
    expect((saved.json as JsonObject).content).toBe(translate('en', 'settings.saved'));
    expect(h.fake.message(panelId)?.content).toBe(translate('en', 'settings.saved'));
    const panel = await h.followUp(press);
    expect(panel.json).toMatchObject({ flags: MessageFlags.Ephemeral });
    expect((panel.json as JsonObject).content).toContain('16:9');
  });

  it('/settings offers the eight languages by their own names, in rows Discord accepts, and saves the choice', async () => {
    const mia: DiscordUser = { id: '300000000000000015', locale: 'es-419' };
    await h.onboard(mia);
    const settings = h.command(mia, 'settings');
    await h.acknowledgement(settings);
    const shown = await h.originalEdit(settings);
    expect((shown.json as JsonObject).content).toContain('Español');
    const panelId = h.fake.interaction(settings.id)?.originalMessageId ?? '';
    const rows = (h.fake.message(panelId)?.components ?? []) as {
      components: { label: string; custom_id: string }[];
    }[];
    for (const row of rows) expect(row.components.length).toBeLessThanOrEqual(5);
    const languages = rows
      .flatMap((row) => row.components)
      .filter((button) => decodeAction(button.custom_id)?.arg.startsWith('locale='));
    expect(languages.map((button) => decodeAction(button.custom_id)?.arg)).toEqual(
      ['en', 'zh-CN', 'ru', 'es', 'pt-BR', 'zh-TW', 'ja', 'id'].map((code) => `locale=${code}`),
    );
    for (const name of [
      'English',
      '简体中文',
      'Русский',
      'Español',
      'Português (Brasil)',
      '繁體中文',
      '日本語',
      'Bahasa Indonesia',
    ])
      expect(
        languages.some((button) => button.label.includes(name)),
        name,
      ).toBe(true);
    const traditional = languages.find((button) => button.custom_id.includes('zh-TW'))?.custom_id ?? '';
    const press = h.press(mia, traditional, panelId);
    await h.acknowledgement(press);
    await h.originalEdit(press);
    const identity = await h.t.database.prisma.identity.findFirstOrThrow({ where: { subject: mia.id } });
    const user = await h.t.database.prisma.user.findUniqueOrThrow({ where: { id: identity.userId } });
    expect(user.locale).toBe('zh-TW');
  });

  it('autocompletes templates by prefix in the user’s language', async () => {
    const en = h.fake.sendInteraction(
      h.fake.autocompleteInteraction({
        name: 'imagine',
        focusedOption: 'template',
        value: 'wat',
        userId: '300000000000000005',
        guildId: '400000000000000001',
      }),
    );
    expect((await h.callback(en)).json).toEqual({
      type: 8,
      data: { choices: [{ name: 'Watercolor', value: 'watercolor' }] },
    });
    const zh = h.fake.sendInteraction(
      h.fake.autocompleteInteraction({
        name: 'imagine',
        focusedOption: 'template',
        value: 'in',
        userId: '300000000000000005',
        locale: 'zh-CN',
      }),
    );
    expect((await h.callback(zh)).json).toEqual({ type: 8, data: { choices: [{ name: '水墨画', value: 'ink' }] } });
    const tw = h.fake.sendInteraction(
      h.fake.autocompleteInteraction({
        name: 'imagine',
        focusedOption: 'template',
        value: 'in',
        userId: '300000000000000005',
        locale: 'zh-TW',
      }),
    );
    expect((await h.callback(tw)).json).toEqual({ type: 8, data: { choices: [{ name: '水墨畫', value: 'ink' }] } });
  });

  it('answers errors privately in the user’s language (zh-CN), removing the public placeholder', async () => {
    const li: DiscordUser = { id: '300000000000000006', locale: 'zh-CN' };
    await h.onboard(li);
    const imagine = h.command(li, 'imagine', { prompt: '一只猫', template: 'nope' });
    expect(await h.acknowledgement(imagine)).toEqual({ type: 5, isEphemeral: false });
    const answer = await h.followUp(imagine);
    expect(answer.json).toMatchObject({
      content: translate('zh-CN', 'errors.unknown_template', { template: 'nope' }),
      flags: MessageFlags.Ephemeral,
    });
    expect((answer.json as JsonObject).content).toMatch(/[\u4e00-\u9fff]/);
    expect(h.requestsOf(imagine).map((r) => r.method)).toEqual(['POST', 'DELETE', 'POST']);
    expect(h.fake.interaction(imagine.id)?.originalMessageId).toBeDefined();
    expect(h.fake.message(h.fake.interaction(imagine.id)?.originalMessageId ?? '')).toBeUndefined();
    expect(await generationsOf(li)).toHaveLength(0);
  });

  it('when Discord refuses an answer, the user still gets a private message with a reference', async () => {
    const dan: DiscordUser = { id: '300000000000000007', locale: 'zh-CN' };
    h.fake.failNext(
      { method: 'PATCH', path: /messages\/@original$/ },
      { status: 400, code: 50035, message: 'Invalid Form Body' },
    );
    const balance = h.command(dan, 'balance');
    expect(await h.acknowledgement(balance)).toEqual({ type: 5, isEphemeral: true });
    const answer = await h.followUp(balance);
    expect(answer.json).toMatchObject({ flags: MessageFlags.Ephemeral });
    expect((answer.json as JsonObject).content).toMatch(/^我们这边出了点问题（编号 [0-9a-f]{8}）/);
  });

  it('a malformed button answers privately that the input is not valid', async () => {
    const press = h.press({ id: '300000000000000008' }, 'not-an-action', '500000000000000001');
    expect((await h.callback(press)).json).toMatchObject({
      type: 4,
      data: { content: translate('en', 'errors.invalid_input'), flags: MessageFlags.Ephemeral },
    });
  });

  it('works in the bot’s DMs: /balance privately and /imagine into the original response', async () => {
    const erin: DiscordUser = { id: '300000000000000009', dm: true };
    await h.onboard(erin);
    const balance = h.command(erin, 'balance');
    const shown = await h.originalEdit(balance);
    expect(String((shown.json as JsonObject).content).split('\n')[0]).toBe(
      translate('en', 'balance.text', { available: 10 }),
    );

    const imagine = h.command(erin, 'imagine', { prompt: 'a paper boat', count: 2 });
    const result = await h.originalEdit(imagine, (r) => r.files.length > 0);
    expect(result.files.map((file) => file.filename)).toEqual(['image.png', 'image-2.png']);
    const [generation] = await generationsOf(erin);
    expect(generation?.delivery).toMatchObject({
      chatType: 'private',
      chatId: h.fake.interaction(imagine.id)?.channelId,
    });
    expect(h.fake.interaction(imagine.id)?.guildId).toBeUndefined();
  });
});
