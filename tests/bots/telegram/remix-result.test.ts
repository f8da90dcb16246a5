import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { translate } from '#core';
import { createDemoImageProvider } from '#core/providers/demo/demo-image-provider';
import { createDemoVideoProvider } from '#core/providers/demo/demo-video-provider';
import {
  balanceOf,
  buttonsOf,
  messageIdOf,
  onboard,
  pressButton,
  sendText,
  shownText,
  startTelegramHarness,
  waitForAnswer,
  waitForText,
  waitUntil,
  type TelegramHarness,
} from '#tests/bots/telegram/support/telegram-harness';

const GROUP = -1_001_234_500_777;
/** More than the free plan's spacing between two admissions. */
const SPACING_MS = 5_000;

describe('Telegram: Remix of a result and the seeds shown with it', () => {
  let h: TelegramHarness;

  beforeAll(async () => {
    h = await startTelegramHarness({
      mode: 'polling',
      providers: { image: [createDemoImageProvider()], video: [createDemoVideoProvider()] },
    });
  });
  afterAll(async () => {
    await h?.close();
  });

  const userIdOf = async (telegramId: number) =>
    (
      await h.t.database.prisma.identity.findUniqueOrThrow({
        where: { provider_subject: { provider: 'telegram', subject: String(telegramId) } },
      })
    ).userId;
  const generationsOf = async (telegramId: number) =>
    h.t.database.prisma.generation.findMany({
      where: { userId: await userIdOf(telegramId) },
      orderBy: { createdAt: 'asc' },
      include: { media: { where: { role: 'output' }, orderBy: { createdAt: 'asc' } } },
    });
  /** The message with a result's buttons (the photo itself for one picture), the n-th in the chat. */
  const resultMessage = (chatId: number, nth: number) =>
    waitUntil(
      () =>
        h.fake.calls.filter(
          (call) =>
            call.status === 200 &&
            call.params.chat_id === chatId &&
            buttonsOf(call).some((button) => button.text === 'Remix'),
        )[nth - 1],
      () => `result ${nth} in chat ${chatId}`,
      20_000,
    );
  const questionsTo = (chatId: number) =>
    h.fake.calls.filter(
      (call) =>
        call.method === 'sendMessage' &&
        call.status === 200 &&
        call.params.chat_id === chatId &&
        (call.params.reply_markup as { force_reply?: boolean } | undefined)?.force_reply === true,
    );
  const pendingRows = (telegramId: number) =>
    h.t.database.prisma.chatPendingInput.findMany({ where: { platformUserId: String(telegramId) } });

  it('shows the seed under the result; --seed with it makes the same pictures again', async () => {
    const user = 95_001;
    await onboard(h.fake, user);
    sendText(h.fake, { fromId: user, text: '/imagine a red barn in a field --n 2' });
    const result = await resultMessage(user, 1);
    const seed = /Seed (\d+)/.exec(shownText(result))?.[1];
    expect(seed).toBeDefined();
    const [first] = await generationsOf(user);
    expect(first?.media.map((asset) => String(asset.seed))).toEqual([seed, seed]);

    h.t.clock.advance(SPACING_MS);
    sendText(h.fake, { fromId: user, text: `/imagine a red barn in a field --n 2 --seed ${seed}` });
    const again = await resultMessage(user, 2);
    expect(shownText(again)).toContain(`Seed ${seed}`);
    const [, second] = await generationsOf(user);
    expect(second?.media.map((asset) => asset.sha256)).toEqual(first?.media.map((asset) => asset.sha256));
    expect(await balanceOf(h.t, user)).toBe(6);
  });

  it('refuses --seed where the model takes no seed (video), charging nothing', async () => {
    const user = 95_002;
    await onboard(h.fake, user);
    sendText(h.fake, { fromId: user, text: '/video waves on a beach --seed 7' });
    await waitForText(h.fake, user, translate('en', 'errors.model_no_seed', { model: 'demo' }));
    expect(await generationsOf(user)).toEqual([]);
    expect(await balanceOf(h.t, user)).toBe(10);
  });

  it('asks for the new prompt with a forced reply and keeps the options, not the seed', async () => {
    const user = 95_003;
    await onboard(h.fake, user);
    sendText(h.fake, {
      fromId: user,
      text: '/imagine a fox in the snow at dawn with long shadows --ar 16:9 --n 2 --hd',
    });
    await resultMessage(user, 1);
    const press = await pressButton(h.fake, { chatId: user, fromId: user, label: 'Remix' });
    await waitForAnswer(h.fake, press);
    const question = await waitUntil(
      () => questionsTo(user)[0],
      () => 'the question',
    );
    expect(shownText(question)).toContain('a fox in the snow at dawn with long shadows');
    expect(question.params.reply_markup).toEqual({
      force_reply: true,
      input_field_placeholder: 'a fox in the snow at dawn with long shadows',
    });
    expect(await balanceOf(h.t, user)).toBe(6);

    h.t.clock.advance(SPACING_MS);
    h.fake.pushUpdate(
      h.fake.messageUpdate({
        fromId: user,
        text: 'a wolf in the snow',
        replyTo: messageIdOf(question),
        languageCode: 'en',
      }),
    );
    await resultMessage(user, 2);
    const [parent, remix] = await generationsOf(user);
    expect(remix?.prompt).toBe('a wolf in the snow');
    expect(remix?.parentId).toBe(parent?.id);
    expect(remix?.model).toBe(parent?.model);
    expect(remix?.options).toMatchObject({ aspectRatio: '16:9', count: 2, quality: 'hd' });
    expect(remix?.options).not.toHaveProperty('seed');
    expect(remix?.media).toHaveLength(2);
    expect(await balanceOf(h.t, user)).toBe(2);
    expect(await pendingRows(user)).toEqual([]);

    // Answered once: the next message is a prompt of its own, with no options kept.
    h.t.clock.advance(SPACING_MS);
    sendText(h.fake, { fromId: user, text: 'a lighthouse' });
    await waitForText(h.fake, user, 'Queued (1 credit reserved).');
  });

  it('answers a bad prompt and keeps asking; pressed twice, one question is pending; /cancel ends it', async () => {
    const user = 95_004;
    await onboard(h.fake, user);
    sendText(h.fake, { fromId: user, text: '/imagine a quiet harbour' });
    await resultMessage(user, 1);
    const first = await pressButton(h.fake, { chatId: user, fromId: user, label: 'Remix' });
    await waitForAnswer(h.fake, first);
    const second = await pressButton(h.fake, { chatId: user, fromId: user, label: 'Remix' });
    await waitForAnswer(h.fake, second);
    await waitUntil(
      () => (questionsTo(user).length === 2 ? true : undefined),
      () => 'two questions',
    );
    expect(await pendingRows(user)).toHaveLength(1);

    h.t.clock.advance(SPACING_MS);
    const max = h.t.deps.config.promptMaxLength;
    sendText(h.fake, { fromId: user, text: 'x'.repeat(max + 1) });
    await waitForText(h.fake, user, translate('en', 'errors.prompt_too_long', { length: max + 1, max }));
    sendText(h.fake, { fromId: user, text: '--ar 16:9' });
    await waitForText(h.fake, user, translate('en', 'errors.prompt_empty'));
    expect(await balanceOf(h.t, user)).toBe(9);
    expect(await generationsOf(user)).toHaveLength(1);
    expect(await pendingRows(user)).toHaveLength(1);

    sendText(h.fake, { fromId: user, text: '/cancel' });
    await waitForText(h.fake, user, translate('en', 'input.cancelled'));
    expect(await pendingRows(user)).toEqual([]);
  });

  it('answers the button of a deleted creation clearly', async () => {
    const user = 95_005;
    await onboard(h.fake, user);
    sendText(h.fake, { fromId: user, text: '/imagine a paper boat' });
    await resultMessage(user, 1);
    const [generation] = await generationsOf(user);
    await h.t.database.prisma.generation.update({
      where: { id: generation?.id ?? '' },
      data: { deletedAt: new Date() },
    });
    const press = await pressButton(h.fake, { chatId: user, fromId: user, label: 'Remix' });
    // As for Reroll: a refusal for the presser alone is an alert on the button.
    expect((await waitForAnswer(h.fake, press)).params).toMatchObject({
      text: translate('en', 'errors.job_not_found'),
      show_alert: true,
    });
    expect(questionsTo(user)).toEqual([]);
    expect(await pendingRows(user)).toEqual([]);
  });

  it('in a group: the owner answers by replying, another member’s press is refused, other text is ignored', async () => {
    const owner = 95_006;
    const other = 95_007;
    await onboard(h.fake, owner);
    await onboard(h.fake, other);
    sendText(h.fake, { fromId: owner, chatId: GROUP, text: '/imagine a castle on a hill --ar 3:2' });
    await resultMessage(GROUP, 1);

    const intruder = await pressButton(h.fake, { chatId: GROUP, fromId: other, label: 'Remix' });
    expect((await waitForAnswer(h.fake, intruder)).params).toMatchObject({
      text: translate('en', 'errors.not_job_owner'),
      show_alert: true,
    });
    expect(questionsTo(GROUP)).toEqual([]);

    const press = await pressButton(h.fake, { chatId: GROUP, fromId: owner, label: 'Remix' });
    await waitForAnswer(h.fake, press);
    const question = await waitUntil(
      () => questionsTo(GROUP)[0],
      () => 'the question in the group',
    );
    // Plain text in the group that replies to nothing is not an answer.
    sendText(h.fake, { fromId: owner, chatId: GROUP, text: 'a castle by the sea' });
    // Another member's reply is not the owner's answer.
    h.fake.pushUpdate(
      h.fake.messageUpdate({
        fromId: other,
        chatId: GROUP,
        text: 'a hut',
        replyTo: messageIdOf(question),
        languageCode: 'en',
      }),
    );
    h.t.clock.advance(SPACING_MS);
    h.fake.pushUpdate(
      h.fake.messageUpdate({
        fromId: owner,
        chatId: GROUP,
        text: 'a castle in the clouds',
        replyTo: messageIdOf(question),
        languageCode: 'en',
      }),
    );
    await resultMessage(GROUP, 2);
    const prompts = (await generationsOf(owner)).map((generation) => generation.prompt);
    expect(prompts).toEqual(['a castle on a hill', 'a castle in the clouds']);
    expect((await generationsOf(owner))[1]?.options).toMatchObject({ aspectRatio: '3:2' });
    expect(await generationsOf(other)).toEqual([]);
  });
});
