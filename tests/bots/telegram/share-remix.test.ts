import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { translate } from '#core';
import { insertCreation } from '#tests/web/support/creations';
import {
  callsTo,
  onboard,
  pressButton,
  sendText,
  shownText,
  startTelegramHarness,
  waitForAnswer,
  waitForText,
  type TelegramHarness,
} from '#tests/bots/telegram/support/telegram-harness';

const origin = { ip: '203.0.113.9', userAgent: 'test' };

describe('Telegram: /start r_<slug> from a share page', () => {
  let h: TelegramHarness;
  let owners = 0;
  beforeAll(async () => {
    h = await startTelegramHarness({ mode: 'polling' });
  });
  afterAll(async () => {
    await h.close();
  });

  /** A web account's published creation; returns its slug. */
  async function published(prompt: string, isPromptShared: boolean): Promise<string> {
    owners += 1;
    const { userId } = await h.t.core.accounts.register({
      email: `owner${owners}@example.com`,
      password: 'a long password',
      displayName: 'Owner',
      locale: 'en',
      isAgeConfirmed: true,
      hasAcceptedTerms: true,
      origin,
    });
    const { generationId } = await insertCreation(h.t, {
      userId,
      prompt,
      platform: 'web',
      options: { aspectRatio: '16:9' },
    });
    const { slug } = await h.t.core.sharing.set({ userId, generationId, isPublished: true, isPromptShared });
    return slug ?? '';
  }

  it('links with a payload within Telegram’s 64 characters', async () => {
    const slug = await published('a harbour at night', true);
    const link = h.t.core.sharing.telegramRemixLink(slug) ?? '';
    expect(link).toBe(`https://t.me/imagine_test_bot?start=r_${slug}`);
    expect(new URL(link).searchParams.get('start')).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
  });

  it('offers the shared prompt to a new user; the button runs it through /imagine after the terms', async () => {
    const slug = await published('a lantern festival over a river', true);
    const user = 93_001;
    sendText(h.fake, { fromId: user, text: `/start r_${slug}` });
    await waitForText(h.fake, user, 'Someone shared this prompt:\n\na lantern festival over a river');
    const press = await pressButton(h.fake, { chatId: user, fromId: user, label: 'Create it' });
    await waitForAnswer(h.fake, press);
    const photosBefore = h.fake.callsOf('sendPhoto').filter((call) => call.params.chat_id === user).length;
    expect(photosBefore).toBe(0);

    const accept = await pressButton(h.fake, {
      chatId: user,
      fromId: user,
      label: translate('en', 'terms.accept_button'),
    });
    await waitForAnswer(h.fake, accept);
    const age = await pressButton(h.fake, { chatId: user, fromId: user, label: /13/ });
    await waitForAnswer(h.fake, age);
    await h.fake.waitForCall('sendPhoto', (call) => call.params.chat_id === user, 15_000);
    const generation = await h.t.database.prisma.generation.findFirstOrThrow({
      where: { delivery: { path: ['platformUserId'], equals: String(user) } },
      orderBy: { createdAt: 'desc' },
    });
    expect(generation.prompt).toContain('a lantern festival over a river');
    expect(generation.options).toMatchObject({ aspectRatio: '16:9' });
  });

  it('says the prompt is private, or that the page is gone, in the user’s language', async () => {
    const hidden = await published('a private idea', false);
    const user = 93_002;
    await onboard(h.fake, user);
    sendText(h.fake, { fromId: user, text: `/start r_${hidden}` });
    await waitForText(h.fake, user, translate('en', 'remix.prompt_private'));
    expect(callsTo(h.fake, user).some((call) => shownText(call).includes('a private idea'))).toBe(false);

    const chinese = 93_003;
    sendText(h.fake, { fromId: chinese, text: '/start r_AAAAAAAAAAAAAAAA', languageCode: 'zh-hans' });
    await waitForText(h.fake, chinese, translate('zh-CN', 'remix.not_found'));

    const shown = await published('soon taken down', true);
    await onboard(h.fake, 93_004);
    sendText(h.fake, { fromId: 93_004, text: `/start r_${shown}` });
    await waitForText(h.fake, 93_004, 'soon taken down');
    const row = await h.t.database.prisma.generation.findFirstOrThrow({ where: { shareSlug: shown } });
    await h.t.core.sharing.set({ userId: row.userId, generationId: row.id, isPublished: false, isPromptShared: true });
    const press = await pressButton(h.fake, { chatId: 93_004, fromId: 93_004, label: 'Create it' });
    await waitForAnswer(h.fake, press);
    await waitForText(h.fake, 93_004, translate('en', 'remix.not_found'));
    expect(h.fake.callsOf('sendPhoto').filter((call) => call.params.chat_id === 93_004)).toHaveLength(0);
  });
});
