import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  balanceOf,
  onboard,
  pressButton,
  sendText,
  startTelegramHarness,
  waitForAnswer,
  waitForText,
  type TelegramHarness,
} from '#tests/bots/telegram/support/telegram-harness';

const origin = { ip: '203.0.113.8', userAgent: 'test' };

describe('Telegram: the link confirmation button in the chat', () => {
  let h: TelegramHarness;
  beforeAll(async () => {
    h = await startTelegramHarness({ mode: 'polling' });
  });
  afterAll(async () => {
    await h.close();
  });

  it('arrives in the private chat naming the website account, links on Confirm, and answers a second press truthfully', async () => {
    const user = 91_001;
    await onboard(h.fake, user);
    sendText(h.fake, { fromId: user, text: '/link' });
    const linkMessage = await waitForText(h.fake, user, /\/link\/[\w-]+/);
    const token = /\/link\/([\w-]+)/.exec(String(linkMessage.params.text))?.[1] ?? '';
    const { userId } = await h.t.core.accounts.register({
      email: 'tg-linker@example.com',
      password: 'a long password',
      displayName: 'Tia',
      locale: 'en',
      isAgeConfirmed: true,
      hasAcceptedTerms: true,
      origin,
    });
    expect((await h.t.core.accounts.confirmLinkOnWeb({ token, userId, origin })).outcome).toBe('awaiting_chat');
    await waitForText(h.fake, user, 'The website account Tia (t***@example.com) asks to join this Telegram account.');

    const stranger = await pressButton(h.fake, { chatId: user, fromId: 91_002, label: 'Confirm the link' });
    expect((await waitForAnswer(h.fake, stranger)).params).toMatchObject({
      text: 'This button belongs to another chat account. Nothing changed.',
      show_alert: true,
    });

    const press = await pressButton(h.fake, { chatId: user, fromId: user, label: 'Confirm the link' });
    await waitForAnswer(h.fake, press);
    await waitForText(
      h.fake,
      user,
      "Linked: this chat now uses the website account Tia (t***@example.com). 0 credits moved into it. The free sign-up credits are given once per person, and that account already had them, so this chat's 10 unspent free credits were not added.",
    );
    expect(await balanceOf(h.t, user)).toBe(10);

    const again = await pressButton(h.fake, { chatId: user, fromId: user, label: 'Confirm the link' });
    expect((await waitForAnswer(h.fake, again)).params).toMatchObject({
      text: 'This chat account is already linked to the website account Tia (t***@example.com). Nothing changed.',
      show_alert: true,
    });
    expect(await balanceOf(h.t, user)).toBe(10);
  });
});
