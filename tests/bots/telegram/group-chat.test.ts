import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  balanceOf,
  BOT_USERNAME,
  messageIdOf,
  onboard,
  pressButton,
  sendText,
  shownText,
  startTelegramHarness,
  waitForAnswer,
  waitForText,
  type TelegramHarness,
} from '#tests/bots/telegram/support/telegram-harness';

const GROUP = -1_001_234_567_890;

describe('Telegram bot in a group chat', () => {
  let h: TelegramHarness;

  beforeAll(async () => {
    h = await startTelegramHarness({ mode: 'polling' });
  });
  afterAll(async () => {
    await h?.close();
  });

  it("replies to the request, charges the requester, and refuses another member's press on the job with a localized alert", async () => {
    const { fake, t } = h;
    const owner = 7201;
    const other = 7202;
    await onboard(fake, owner);
    await onboard(fake, other, 'zh-hans');

    const request = sendText(fake, { fromId: owner, chatId: GROUP, text: `/imagine@${BOT_USERNAME} a fox in a group` });
    const requestId = request.message?.message_id;
    const photo = await fake.waitForCall('sendPhoto', (call) => call.params.chat_id === GROUP, 15_000);
    expect(photo.params.reply_parameters).toMatchObject({ message_id: requestId });
    const status = fake
      .callsOf('sendMessage')
      .find((call) => call.params.chat_id === GROUP && /Queued|Creating|Almost/.test(shownText(call)));
    expect(status?.params.reply_parameters).toMatchObject({ message_id: requestId });
    expect(await balanceOf(t, owner)).toBe(9);

    const sendsBefore = fake.calls.filter(
      (call) => call.params.chat_id === GROUP && call.method.startsWith('send'),
    ).length;
    const press = await pressButton(fake, { chatId: GROUP, fromId: other, label: 'Reroll', languageCode: 'zh-hans' });
    const answer = await waitForAnswer(fake, press);
    expect(answer.params).toMatchObject({ text: '只有发起者才能使用这些按钮。', show_alert: true });
    expect(answer.status).toBe(200);

    // Nothing else happened: no new job, nobody charged, nothing posted in the group.
    sendText(fake, { fromId: owner, chatId: GROUP, text: '/help' });
    const help = await waitForText(fake, GROUP, 'Commands:');
    expect(fake.calls.filter((call) => call.params.chat_id === GROUP && call.method.startsWith('send')).length).toBe(
      sendsBefore + 1,
    );
    expect(help.params.reply_parameters).toMatchObject({ allow_sending_without_reply: true });
    expect(await t.database.prisma.generation.count()).toBe(1);
    expect(await balanceOf(t, owner)).toBe(9);
    expect(await balanceOf(t, other)).toBe(10);
    expect(messageIdOf(photo)).toBeGreaterThan(0);
  });

  it('leaves commands meant for another bot alone', async () => {
    const { fake } = h;
    const before = fake.calls.length;
    sendText(fake, { fromId: 7201, chatId: GROUP, text: '/imagine@some_other_bot a cat' });
    sendText(fake, { fromId: 7201, chatId: GROUP, text: '/weather' });
    sendText(fake, { fromId: 7201, chatId: GROUP, text: '/balance' });
    const balance = await waitForText(fake, GROUP, 'Balance: 9 credits.');
    expect(
      fake.calls
        .slice(before)
        .filter((call) => call.method.startsWith('send'))
        .map(shownText),
    ).toEqual([shownText(balance)]);
  });
});
