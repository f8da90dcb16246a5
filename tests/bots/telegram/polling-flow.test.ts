import type { Server } from 'node:http';
import express from 'express';
import type { Update } from 'grammy/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImageProvider, ImageRequest, MediaFile } from '#core/providers/ports';
import { ProviderError } from '#core/providers/provider-error';
import { translate } from '#core/i18n/catalog';
import { createDemoImageProvider } from '#core/providers/demo/demo-image-provider';
import { createDemoVideoProvider } from '#core/providers/demo/demo-video-provider';
import { postWebhook } from '#tests/fakes/telegram-bot-api';
import { makePng, readPng } from '#tests/fakes/test-png';
import {
  balanceOf,
  buttonsOf,
  callsTo,
  messageIdOf,
  onboard,
  pressButton,
  sendText,
  shownText,
  startTelegramHarness,
  waitForAnswer,
  waitForText,
  waitUntil,
  WEBHOOK_SECRET,
  type TelegramHarness,
} from '#tests/bots/telegram/support/telegram-harness';

/** A provider that fails like an unavailable upstream does. */
function failingProvider(): ImageProvider {
  return {
    name: 'broken',
    capabilities: { models: ['broken-model'], canEdit: false, maxCount: 4 },
    async generateImages(): Promise<MediaFile[]> {
      throw new ProviderError('broken', 'transient', 'upstream 500', { status: 500 });
    },
  };
}

/** An editing provider that keeps what it was asked, to see the user's photo arrive. */
function recordingProvider(requests: ImageRequest[]): ImageProvider {
  return {
    name: 'recorder',
    capabilities: { models: ['recorder-model'], canEdit: true, maxCount: 1 },
    async generateImages(request: ImageRequest): Promise<MediaFile[]> {
      requests.push(request);
      return [{ bytes: makePng(64, 64, [0, 0, 255, 255]), mime: 'image/png', width: 64, height: 64 }];
    },
  };
}

describe('Telegram bot in polling mode', () => {
  let h: TelegramHarness;
  const recorded: ImageRequest[] = [];

  beforeAll(async () => {
    h = await startTelegramHarness({
      mode: 'polling',
      providers: {
        image: [createDemoImageProvider(), failingProvider(), recordingProvider(recorded)],
        video: [createDemoVideoProvider()],
      },
      // The broken provider is tried twice, then skipped past any deadline: its job is refunded at once.
      env: { PROVIDER_RETRY_BASE_MS: '50', PROVIDER_BREAKER_FAILURES: '2', PROVIDER_BREAKER_OPEN_SECONDS: '3600' },
    });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('takes a new user from /start through the terms and age buttons to the PNG of a fox, and /balance shows 9', async () => {
    const { fake, t } = h;
    const user = 5001;
    sendText(fake, { fromId: user, text: '/start' });
    await waitForText(fake, user, 'Welcome, I turn your words into images');
    const accept = await pressButton(fake, { chatId: user, fromId: user, label: 'I accept' });
    expect((await waitForAnswer(fake, accept)).status).toBe(200);
    await waitForText(fake, user, 'Please confirm you are at least 13 years old.');
    const confirm = await pressButton(fake, { chatId: user, fromId: user, label: 'I am 13 or older' });
    expect((await waitForAnswer(fake, confirm)).status).toBe(200);
    await waitForText(fake, user, 'Thanks! 10 free credits are in your balance.');
    // The answered questions lose their buttons; an old one pressed again tells the truth and grants nothing.
    for (const pressed of [accept, confirm]) {
      const messageId = pressed.callback_query?.message?.message_id;
      await fake.waitForCall(
        'editMessageReplyMarkup',
        (call) =>
          call.params.chat_id === user &&
          call.params.message_id === messageId &&
          call.params.reply_markup === undefined,
      );
    }
    fake.pushUpdate(
      fake.callbackUpdate({
        chatId: user,
        fromId: user,
        data: accept.callback_query?.data ?? '',
        messageId: accept.callback_query?.message?.message_id ?? 0,
      }),
    );
    await waitForText(fake, user, 'You accepted the terms on');

    const request = sendText(fake, { fromId: user, text: '/imagine a fox' });
    const photo = await fake.waitForCall('sendPhoto', (call) => call.params.chat_id === user, 15_000);
    expect(photo.status).toBe(200);
    expect(photo.params.caption).toMatch(/^Done \(demo provider, no AI used\): a fox\nSeed \d+$/);
    // The demo provider varies but cannot enlarge a picture: no Upscale button.
    expect(buttonsOf(photo).map((button) => button.text)).toEqual(['Vary', 'Reroll', 'Remix', 'Send as file']);
    const sent = photo.files[0];
    expect(sent?.filename).toMatch(/^image-[0-9a-f]{8}\.png$/);
    expect(readPng(sent?.bytes ?? Buffer.alloc(0))).toMatchObject({ width: 768, height: 768 });

    const generation = await t.database.prisma.generation.findFirstOrThrow({
      where: { prompt: 'a fox' },
      include: { media: true },
    });
    const stored = await t.deps.media.get(generation.media[0]?.storageKey ?? '');
    expect(stored && sent?.bytes.equals(stored)).toBe(true);

    // One status message for the job, remembered by core, edited in place, removed once the picture is there.
    const statusSends = callsTo(fake, user).filter(
      (call) => call.method === 'sendMessage' && /Queued|Creating|Almost there/.test(shownText(call)),
    );
    expect(statusSends).toHaveLength(1);
    const statusId = messageIdOf(statusSends[0]!);
    expect((generation.delivery as { statusMessageId?: string }).statusMessageId).toBe(String(statusId));
    await waitUntil(
      () => fake.callsOf('deleteMessage').find((call) => call.params.message_id === statusId),
      () => 'the status message removed',
    );
    expect(
      fake
        .callsOf('sendChatAction')
        .some((call) => call.params.chat_id === user && call.params.action === 'upload_photo'),
    ).toBe(true);
    expect(request.message?.message_id).toBeGreaterThan(0);

    sendText(fake, { fromId: user, text: '/balance' });
    await waitForText(fake, user, 'Balance: 9 credits.');
    expect(await balanceOf(t, user)).toBe(9);
  });

  it('tells the user the provider failed and returns the credit', async () => {
    const { fake, t } = h;
    const user = 5002;
    await onboard(fake, user);
    sendText(fake, { fromId: user, text: '/imagine a lighthouse --model broken-model' });
    await waitForText(
      fake,
      user,
      'Sorry, that did not work (the image service is unavailable). Your 1 credit was returned.',
    );
    expect(await balanceOf(t, user)).toBe(10);
    expect(fake.callsOf('sendPhoto').filter((call) => call.params.chat_id === user)).toHaveLength(0);
  });

  it('hands the photo of an /imagine caption to the provider, byte for byte', async () => {
    const { fake } = h;
    const user = 5003;
    await onboard(fake, user);
    const input = makePng(40, 30, [200, 30, 30, 255]);
    fake.pushUpdate(
      fake.messageUpdate({
        fromId: user,
        photo: input,
        caption: '/imagine make it blue --model recorder-model',
        languageCode: 'en',
      }),
    );
    const result = await fake.waitForCall('sendPhoto', (call) => call.params.chat_id === user, 15_000);
    expect(recorded).toHaveLength(1);
    expect(recorded[0]?.prompt).toBe('make it blue');
    expect(recorded[0]?.inputImage?.bytes.equals(input)).toBe(true);
    expect(fake.callsOf('getFile')).toHaveLength(1);
    expect(readPng(result.files[0]?.bytes ?? Buffer.alloc(0)).topLeft).toEqual([0, 0, 255, 255]);
  });

  it('ignores malformed and foreign updates without crashing, and keeps answering', async () => {
    const { fake } = h;
    const stranger = 5004;
    const before = fake.calls.length;
    const chat = { id: stranger, type: 'private', first_name: 'Nobody' };
    const command = [{ type: 'bot_command', offset: 0, length: 5 }];
    const malformed = [
      { message: { message_id: 90_001, date: 1, chat, text: '/help', entities: command } },
      { message: { message_id: 90_002, date: 1, chat, from: { id: stranger, is_bot: false, first_name: 'N' } } },
      {
        message: {
          message_id: 90_003,
          date: 1,
          from: { id: stranger, is_bot: false, first_name: 'N' },
          text: '/help',
          entities: command,
        },
      },
      {
        message: {
          message_id: 90_004,
          date: 1,
          chat,
          from: { id: 1, is_bot: true, first_name: 'Other bot' },
          text: '/help',
          entities: command,
        },
      },
      { message: { message_id: 90_005, date: 1, chat: { id: 0, type: 'private' }, from: { id: 'x' }, text: 42 } },
    ];
    for (const update of malformed) fake.pushUpdate(update as unknown as Omit<Update, 'update_id'>);
    sendText(fake, { fromId: stranger, chatId: -1_009_999_000_001, text: 'just chatting in a group, no command' });
    sendText(fake, { fromId: stranger, text: '/imagine@some_other_bot a cat' });
    const garbage = fake.pushUpdate(
      fake.callbackUpdate({ chatId: stranger, fromId: stranger, data: 'not-our-data', messageId: 77 }),
    );
    const noMessage = fake.callbackUpdate({ chatId: stranger, fromId: stranger, data: '0:x', messageId: 78 });
    delete (noMessage.callback_query as { message?: unknown }).message;
    fake.pushUpdate(noMessage);

    sendText(fake, { fromId: stranger, text: '/nosuchcommand' });
    await waitForText(fake, stranger, 'I do not know that command. See /help.');
    sendText(fake, { fromId: stranger, text: '/help' });
    await waitForText(fake, stranger, 'Commands:');

    const answers = fake
      .callsOf('answerCallbackQuery')
      .filter((call) =>
        [garbage.callback_query?.id, noMessage.callback_query?.id].includes(String(call.params.callback_query_id)),
      );
    expect(answers.map((call) => [call.status, call.params.text])).toEqual([
      [200, undefined],
      [200, undefined],
    ]);
    const sends = fake.calls
      .slice(before)
      .filter((call) => call.method.startsWith('send') || call.method.startsWith('edit'));
    expect(sends.map(shownText)).toEqual([
      'I do not know that command. See /help.',
      expect.stringContaining('Commands:'),
    ]);
    expect(await h.t.database.prisma.identity.count({ where: { subject: { in: ['1', '0'] } } })).toBe(0);
  });

  it('sends the data export as a named JSON file', async () => {
    const { fake } = h;
    const user = 5005;
    await onboard(fake, user);
    sendText(fake, { fromId: user, text: '/mydata' });
    const document = await fake.waitForCall('sendDocument', (call) => call.params.chat_id === user);
    expect(document.files[0]?.filename).toMatch(/^my-data-\d{4}-\d{2}-\d{2}\.json$/);
    expect(JSON.parse(document.files[0]?.bytes.toString('utf8') ?? '{}')).toBeTypeOf('object');
    expect(document.params.caption).toContain('Your data export (JSON)');
  });

  it('sets the command menus for private chats and groups, in each language', async () => {
    const api = h.telegram.bot.api;
    const privateEn = await api.getMyCommands({ scope: { type: 'all_private_chats' } });
    const privateZh = await api.getMyCommands({ scope: { type: 'all_private_chats' }, language_code: 'zh' });
    const groupEn = await api.getMyCommands({ scope: { type: 'all_group_chats' } });
    const groupZh = await api.getMyCommands({ scope: { type: 'all_group_chats' }, language_code: 'zh' });
    expect(privateEn).toContainEqual({ command: 'imagine', description: 'Create an image from a prompt' });
    expect(privateEn).toContainEqual({ command: 'paysupport', description: 'Help with a payment' });
    expect(privateZh).toContainEqual({ command: 'imagine', description: '根据描述生成图片' });
    expect(privateZh.map((command) => command.command)).toEqual(privateEn.map((command) => command.command));
    expect(groupEn).toContainEqual({ command: 'video', description: 'Create a short video from a prompt' });
    expect(groupZh).toContainEqual({ command: 'balance', description: '我的积分' });
    expect(groupEn.map((command) => command.command)).not.toContain('deleteme');
    for (const [code, locale] of [
      ['ru', 'ru'],
      ['es', 'es'],
      ['pt', 'pt-BR'],
      ['ja', 'ja'],
      ['id', 'id'],
    ] as const) {
      const menu = await api.getMyCommands({ scope: { type: 'all_private_chats' }, language_code: code });
      expect(
        menu.map((command) => command.command),
        code,
      ).toEqual(privateEn.map((command) => command.command));
      expect(menu, code).toContainEqual({ command: 'imagine', description: translate(locale, 'command.imagine') });
    }
  });

  it('takes nothing through the webhook route while polling, even with the right secret', async () => {
    const { fake, t } = h;
    const app = express().use('/telegram/webhook', h.telegram.webhookHandler);
    const server = await new Promise<Server>((resolve) => {
      const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
    });
    try {
      const address = server.address();
      const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/telegram/webhook`;
      expect(await postWebhook(url, fake.messageUpdate({ fromId: 5006, text: '/start' }), WEBHOOK_SECRET)).toBe(404);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    sendText(fake, { fromId: 5007, text: '/help' });
    await waitForText(fake, 5007, 'Commands:');
    expect(callsTo(fake, 5006)).toEqual([]);
    expect(await t.database.prisma.identity.count({ where: { subject: '5006' } })).toBe(0);
  });
});
