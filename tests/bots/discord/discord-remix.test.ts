import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeAction, translate } from '#core';
import { getBalance } from '#core/credits/get-balance';
import {
  CHANNEL_ID,
  customIdsOf,
  DiscordHarness,
  GUILD_ID,
  type DiscordUser,
} from '#tests/bots/discord/discord-harness';

type JsonObject = Record<string, unknown>;

/** More than the free plan's spacing between two admissions. */
const SPACING_MS = 5_000;

describe('Discord: Remix of a result through a form', () => {
  let h: DiscordHarness;
  beforeAll(async () => {
    h = await DiscordHarness.start();
  });
  afterAll(async () => {
    await h?.close();
  });

  const generationsOf = async (user: DiscordUser) => {
    const identity = await h.t.database.prisma.identity.findUnique({
      where: { provider_subject: { provider: 'discord', subject: user.id } },
    });
    if (!identity) return [];
    return h.t.database.prisma.generation.findMany({
      where: { userId: identity.userId },
      orderBy: { createdAt: 'asc' },
      include: { media: { where: { role: 'output' }, orderBy: { createdAt: 'asc' } } },
    });
  };
  const balanceOf = async (user: DiscordUser) => {
    const identity = await h.t.database.prisma.identity.findUniqueOrThrow({
      where: { provider_subject: { provider: 'discord', subject: user.id } },
    });
    return (await getBalance(h.t.database.prisma, identity.userId, h.t.clock.now())).available;
  };

  /** /imagine as `user`; resolves with the id of the message showing the result. */
  async function imagine(user: DiscordUser, options: Record<string, string | number>): Promise<string> {
    const interaction = h.command(user, 'imagine', options);
    await h.originalEdit(interaction, (r) => r.files.length > 0 && r.status === 200, 20_000);
    return h.fake.interaction(interaction.id)?.originalMessageId ?? '';
  }

  /** Submits the form `modal` as `user` with `prompt` typed into it. */
  function submit(user: DiscordUser, modal: JsonObject, prompt: string, messageId: string) {
    return h.fake.sendInteraction(
      h.fake.modalSubmitInteraction({
        customId: String(modal.custom_id),
        values: { prompt },
        messageId,
        userId: user.id,
        locale: 'en-US',
        guildId: GUILD_ID,
        channelId: CHANNEL_ID,
      }),
    );
  }

  it('shows the seed with the result; Remix opens a form with the old prompt and the new one keeps the options', async () => {
    const alice: DiscordUser = { id: '310000000000000001' };
    await h.onboard(alice);
    const resultId = await imagine(alice, { prompt: 'a red fox in the snow', aspect: '16:9', count: 2 });
    const [parent] = await generationsOf(alice);
    const seed = String(parent?.media[0]?.seed);
    const result = h.fake.message(resultId);
    expect(String(result?.content)).toContain(`\nSeed ${seed}`);
    expect(customIdsOf(result).map((id) => decodeAction(id)?.name)).toContain('remix_job');

    const press = h.press(alice, h.buttonOn(resultId, 'remix_job'), resultId);
    expect(await h.acknowledgement(press)).toMatchObject({ type: 9 });
    const modal = h.fake.interaction(press.id)?.modal ?? {};
    expect(decodeAction(String(modal.custom_id))).toEqual({ name: 'remix_submit', arg: parent?.id });
    expect(modal.title).toBe(translate('en', 'remix_result.title'));
    expect(modal.components).toEqual([
      {
        type: 18,
        label: translate('en', 'remix_result.field'),
        component: {
          type: 4,
          custom_id: 'prompt',
          style: 2,
          required: true,
          min_length: 1,
          max_length: h.t.deps.config.promptMaxLength,
          value: 'a red fox in the snow',
        },
      },
    ]);

    h.t.clock.advance(SPACING_MS);
    const submitted = submit(alice, modal, 'a grey wolf in the snow', resultId);
    expect(await h.acknowledgement(submitted)).toEqual({ type: 5, isEphemeral: false });
    await h.originalEdit(submitted, (r) => r.files.length === 2 && r.status === 200, 20_000);
    const [, remix] = await generationsOf(alice);
    expect(remix).toMatchObject({ prompt: 'a grey wolf in the snow', parentId: parent?.id, model: parent?.model });
    expect(remix?.options).toMatchObject({ aspectRatio: '16:9', count: 2, quality: 'standard' });
    expect(remix?.options).not.toHaveProperty('seed');
    expect(await balanceOf(alice)).toBe(6);
  });

  it('another user’s press is refused privately, without a form', async () => {
    const owner: DiscordUser = { id: '310000000000000002' };
    const stranger: DiscordUser = { id: '310000000000000003' };
    await h.onboard(owner);
    await h.onboard(stranger);
    const resultId = await imagine(owner, { prompt: 'a lighthouse at dusk' });
    const press = h.press(stranger, h.buttonOn(resultId, 'remix_job'), resultId);
    expect(await h.acknowledgement(press)).toEqual({ type: 5, isEphemeral: true });
    const answer = await h.originalEdit(press);
    expect((answer.json as JsonObject).content).toBe(translate('en', 'errors.not_job_owner'));
    expect(h.fake.interaction(press.id)?.modal).toBeUndefined();
  });

  it('a form with a prompt over the limit, or of a result deleted since, is answered privately and charges nothing', async () => {
    const bob: DiscordUser = { id: '310000000000000004' };
    await h.onboard(bob);
    const resultId = await imagine(bob, { prompt: 'a paper boat' });
    const press = h.press(bob, h.buttonOn(resultId, 'remix_job'), resultId);
    await h.acknowledgement(press);
    const modal = h.fake.interaction(press.id)?.modal ?? {};

    h.t.clock.advance(SPACING_MS);
    const max = h.t.deps.config.promptMaxLength;
    const tooLong = submit(bob, modal, 'y'.repeat(max + 1), resultId);
    const refusal = await h.followUp(tooLong);
    expect((refusal.json as JsonObject).content).toBe(
      translate('en', 'errors.prompt_too_long', { length: max + 1, max }),
    );
    expect(((refusal.json as { flags?: number }).flags ?? 0) & (1 << 6)).not.toBe(0);

    const [generation] = await generationsOf(bob);
    await h.t.database.prisma.generation.update({
      where: { id: generation?.id ?? '' },
      data: { deletedAt: new Date() },
    });
    const late = submit(bob, modal, 'a paper plane', resultId);
    const gone = await h.followUp(late);
    expect((gone.json as JsonObject).content).toBe(translate('en', 'errors.job_not_found'));
    expect(await generationsOf(bob)).toHaveLength(1);
    expect(await balanceOf(bob)).toBe(9);
  });
});
