import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ChatUnreachableError, createLogger, type DeliveryTarget, type MediaItem, type Reply } from '#core';
import { createTelegramApi, createTelegramNotifier, type TelegramNotifier } from '#bots/telegram/index';
import { startFakeTelegram, type FakeTelegram } from '#tests/fakes/telegram-bot-api';
import { makePng } from '#tests/fakes/test-png';
import { BOT_TOKEN, buttonsOf, callsTo, messageIdOf } from '#tests/bots/telegram/support/telegram-harness';

const CHAT = 9001;

function targetFor(chatId: number, extra: Partial<DeliveryTarget> = {}): DeliveryTarget {
  return {
    platform: 'telegram',
    chatId: String(chatId),
    chatType: chatId > 0 ? 'private' : 'group',
    platformUserId: String(Math.abs(chatId)),
    locale: 'en',
    ...extra,
  };
}

function item(bytes: Buffer, mime: string, extra: Partial<MediaItem> = {}): MediaItem {
  return {
    assetId: randomUUID(),
    mime,
    sizeBytes: bytes.length,
    url: 'http://127.0.0.1:3999/media/x?exp=1&sig=s',
    load: async () => bytes,
    ...extra,
  };
}

const RESULT_BUTTONS = [
  [{ label: { key: 'job.reroll_button' as const }, action: { name: 'reroll' as const, arg: 'g-1' } }],
];

describe('Telegram notifier (a worker that only sends)', () => {
  let fake: FakeTelegram;
  let notifier: TelegramNotifier;
  let logLines: string[];
  let remembered: [string, string][];

  beforeEach(async () => {
    fake = await startFakeTelegram({ token: BOT_TOKEN });
    logLines = [];
    remembered = [];
    const logger = createLogger({ level: 'debug', destination: { write: (line: string) => void logLines.push(line) } });
    notifier = createTelegramNotifier(createTelegramApi({ token: BOT_TOKEN, apiRoot: fake.apiRoot }), {
      logger,
      rememberStatusMessage: async (generationId, messageId) => {
        remembered.push([generationId, messageId]);
      },
    });
  });
  afterEach(async () => {
    notifier.close();
    await fake.close();
  });

  it('shows a job status in one message, edits it, and replaces it when it is gone', async () => {
    const generationId = randomUUID();
    const first = await notifier.send(targetFor(CHAT), [
      { type: 'status', generationId, text: { key: 'job.running_progress', vars: { progress: 0 } } },
    ]);
    const created = fake.callsOf('sendMessage')[0];
    expect(created?.params.text).toBe('Creating… 0%');
    expect(first.statusMessageId).toBe(String(messageIdOf(created!)));
    expect(remembered).toEqual([[generationId, first.statusMessageId]]);

    const uploading: Reply = { type: 'status', generationId, text: { key: 'job.uploading' } };
    await notifier.send(targetFor(CHAT, { statusMessageId: first.statusMessageId }), [uploading]);
    await notifier.send(targetFor(CHAT, { statusMessageId: first.statusMessageId }), [uploading]);
    const edits = fake.callsOf('editMessageText');
    expect(edits.map((call) => [call.params.message_id, call.params.text, call.status])).toEqual([
      [Number(first.statusMessageId), 'Almost there, sending…', 200],
      [Number(first.statusMessageId), 'Almost there, sending…', 400],
    ]);
    expect(fake.callsOf('sendMessage')).toHaveLength(1);

    // Another worker process (nothing in memory) finds the message deleted: it sends a new one.
    const otherWorker = createTelegramNotifier(createTelegramApi({ token: BOT_TOKEN, apiRoot: fake.apiRoot }), {
      logger: createLogger({ level: 'silent' }),
    });
    await createTelegramApi({ token: BOT_TOKEN, apiRoot: fake.apiRoot }).deleteMessage(
      CHAT,
      Number(first.statusMessageId),
    );
    const failed = await otherWorker.send(targetFor(CHAT, { statusMessageId: first.statusMessageId }), [
      {
        type: 'status',
        generationId,
        text: { key: 'job.failed', vars: { cost: 1, reason: '{reason.provider_unavailable}' } },
      },
    ]);
    otherWorker.close();
    expect(failed.statusMessageId).not.toBe(first.statusMessageId);
    expect(fake.callsOf('sendMessage').at(-1)?.params.text).toBe(
      'Sorry, that did not work (the image service is unavailable). Your 1 credit was returned.',
    );
  });

  it('sends several pictures as a media group followed by the caption with the buttons', async () => {
    const pictures = [makePng(20, 20, [1, 2, 3, 255]), makePng(30, 20, [4, 5, 6, 255])];
    await notifier.send(targetFor(CHAT), [
      {
        type: 'media',
        generationId: randomUUID(),
        kind: 'image',
        items: pictures.map((bytes) => item(bytes, 'image/png')),
        caption: { key: 'job.succeeded', vars: { prompt: 'two cats' } },
        buttons: RESULT_BUTTONS,
      },
    ]);
    const group = fake.callsOf('sendMediaGroup')[0];
    expect(group?.status).toBe(200);
    expect(group?.files.map((file) => file.bytes)).toEqual(pictures);
    expect(group?.files.every((file) => /^image-[0-9a-f]{8}\.png$/.test(file.filename))).toBe(true);
    const trailer = fake.callsOf('sendMessage')[0];
    expect(trailer?.params.text).toBe('Done: two cats');
    expect(buttonsOf(trailer!).map((button) => button.text)).toEqual(['Reroll']);
  });

  it('sends a GIF as an animation, "as file" as a named document, and a picture over 10 MB as its link', async () => {
    const gif = Buffer.from('GIF89a-demo-bytes');
    await notifier.send(targetFor(CHAT), [
      {
        type: 'media',
        generationId: randomUUID(),
        kind: 'video',
        items: [item(gif, 'image/gif')],
        caption: { key: 'job.succeeded', vars: { prompt: 'waves' } },
        buttons: RESULT_BUTTONS,
      },
    ]);
    const animation = fake.callsOf('sendAnimation')[0];
    expect(animation?.files[0]?.bytes.equals(gif)).toBe(true);
    expect(animation?.files[0]?.filename).toMatch(/^video-[0-9a-f]{8}\.gif$/);
    expect(animation?.params.caption).toBe('Done: waves');
    expect(buttonsOf(animation!).map((button) => button.text)).toEqual(['Reroll']);

    const png = makePng(10, 10);
    await notifier.send(targetFor(CHAT), [
      { type: 'media', generationId: randomUUID(), kind: 'image', items: [item(png, 'image/png')], asFile: true },
    ]);
    const document = fake.callsOf('sendDocument')[0];
    expect(document?.files[0]?.bytes.equals(png)).toBe(true);
    expect(document?.files[0]?.filename).toMatch(/\.png$/);

    let isLoaded = false;
    const huge = item(Buffer.alloc(0), 'image/png', {
      sizeBytes: 11 * 1024 * 1024,
      url: 'http://127.0.0.1:3999/media/huge?exp=9&sig=abc',
      load: async () => {
        isLoaded = true;
        return Buffer.alloc(0);
      },
    });
    await notifier.send(targetFor(CHAT), [
      {
        type: 'media',
        generationId: randomUUID(),
        kind: 'image',
        items: [huge],
        caption: { key: 'job.succeeded', vars: { prompt: 'big' } },
      },
    ]);
    expect(isLoaded).toBe(false);
    expect(fake.callsOf('sendPhoto')).toHaveLength(0);
    expect(fake.callsOf('sendMessage').map((call) => call.params.text)).toEqual([
      'The file is too large to send here. Download it (link valid 7 days): http://127.0.0.1:3999/media/huge?exp=9&sig=abc',
      'Done: big',
    ]);
  });

  it('quotes the request in a group', async () => {
    const group = -1_009_000;
    const request = fake.messageUpdate({ fromId: 9100, chatId: group, text: '/imagine a boat' });
    await notifier.send(targetFor(group, { replyToMessageId: String(request.message?.message_id) }), [
      { type: 'status', generationId: randomUUID(), text: { key: 'job.running_progress', vars: { progress: 50 } } },
    ]);
    expect(fake.callsOf('sendMessage')[0]?.params.reply_parameters).toEqual({
      message_id: request.message?.message_id,
      allow_sending_without_reply: true,
    });
  });

  it('reports a chat that blocked the bot as unreachable, after one try', async () => {
    fake.blockChat(9002);
    const sending = notifier.send(targetFor(9002), [
      { type: 'message', text: { key: 'job.cancelled', vars: { cost: 1 } } },
    ]);
    await expect(sending).rejects.toBeInstanceOf(ChatUnreachableError);
    expect(callsTo(fake, 9002).map((call) => [call.method, call.status])).toEqual([['sendMessage', 403]]);
  });

  it('throws what failed, without an error message to the chat, so core can send the result again', async () => {
    const broken = item(Buffer.alloc(0), 'image/png', {
      sizeBytes: 10,
      load: async () => {
        throw new Error('media store unreachable');
      },
    });
    await expect(
      notifier.send(targetFor(CHAT), [{ type: 'media', generationId: randomUUID(), kind: 'image', items: [broken] }]),
    ).rejects.toThrow('media store unreachable');
    expect(callsTo(fake, CHAT)).toEqual([]);
  });
});
