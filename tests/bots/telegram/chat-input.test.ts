import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PENDING_INPUT_TTL_MS } from '#core/chat/pending-input';
import { createDemoImageProvider } from '#core/providers/demo/demo-image-provider';
import { createDemoVideoProvider } from '#core/providers/demo/demo-video-provider';
import type { ImageProvider, ImageRequest, MediaFile } from '#core/providers/ports';
import { makePng } from '#tests/fakes/test-png';
import {
  balanceOf,
  buttonsOf,
  callsTo,
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

const GROUP = -1_001_234_500_001;

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

describe('Telegram: plain text and photos in a private chat', () => {
  let h: TelegramHarness;
  const recorded: ImageRequest[] = [];

  beforeAll(async () => {
    h = await startTelegramHarness({
      mode: 'polling',
      providers: {
        image: [createDemoImageProvider(), recordingProvider(recorded)],
        video: [createDemoVideoProvider()],
      },
    });
  });
  afterAll(async () => {
    await h?.close();
  });

  const photosTo = (chatId: number) =>
    h.fake.callsOf('sendPhoto').filter((call) => call.params.chat_id === chatId && call.status === 200);
  const generationsOf = async (chatUserId: number) => {
    const identity = await h.t.database.prisma.identity.findUniqueOrThrow({
      where: { provider_subject: { provider: 'telegram', subject: String(chatUserId) } },
    });
    return h.t.database.prisma.generation.findMany({
      where: { userId: identity.userId },
      orderBy: { createdAt: 'asc' },
    });
  };

  it('makes a picture of plain text, states the cost with a Cancel button, charges once even when the update comes twice', async () => {
    const { fake, t } = h;
    const user = 9101;
    await onboard(fake, user);
    const update = fake.messageUpdate({ fromId: user, text: 'a fox in the snow', languageCode: 'en' });
    fake.pushUpdates([update, update]);
    const status = await waitForText(fake, user, 'Queued (1 credit reserved).');
    expect(buttonsOf(status).map((button) => button.text)).toEqual(['Cancel']);
    await waitUntil(
      () => (photosTo(user).length > 0 ? true : undefined),
      () => 'the picture',
      15_000,
    );
    sendText(fake, { fromId: user, text: '/balance' });
    await waitForText(fake, user, 'Balance: 9 credits.');
    expect(photosTo(user)).toHaveLength(1);
    expect(await balanceOf(t, user)).toBe(9);
    expect((await generationsOf(user)).map((generation) => generation.prompt)).toEqual(['a fox in the snow']);
  });

  it('ignores plain text and photos in a group', async () => {
    const { fake } = h;
    const user = 9102;
    await onboard(fake, user);
    const before = fake.calls.length;
    sendText(fake, { fromId: user, chatId: GROUP, text: 'a cat on a roof' });
    fake.pushUpdate(
      fake.messageUpdate({ fromId: user, chatId: GROUP, photo: makePng(20, 20, [1, 2, 3, 255]), languageCode: 'en' }),
    );
    sendText(fake, { fromId: user, chatId: GROUP, text: '/balance' });
    const balance = await waitForText(fake, GROUP, 'Balance: 10 credits.');
    expect(
      fake.calls
        .slice(before)
        .filter((call) => call.method.startsWith('send'))
        .map(shownText),
    ).toEqual([shownText(balance)]);
    expect(await generationsOf(user)).toEqual([]);
  });

  it('edits a photo sent with a caption, handing the photo to the provider', async () => {
    const { fake } = h;
    const user = 9103;
    await onboard(fake, user);
    const input = makePng(40, 30, [200, 30, 30, 255]);
    const seen = recorded.length;
    fake.pushUpdate(
      fake.messageUpdate({
        fromId: user,
        photo: input,
        caption: 'make it blue --model recorder-model',
        languageCode: 'en',
      }),
    );
    await waitUntil(
      () => (photosTo(user).length > 0 ? true : undefined),
      () => 'the edited picture',
      15_000,
    );
    expect(recorded.slice(seen).map((request) => [request.prompt, request.inputImage?.bytes.equals(input)])).toEqual([
      ['make it blue', true],
    ]);
  });

  it('asks what to change for a photo alone, and edits it with the next text; a repeat of that text does nothing more', async () => {
    const { fake, t } = h;
    const user = 9104;
    await onboard(fake, user);
    const input = makePng(30, 40, [10, 200, 10, 255]);
    const seen = recorded.length;
    fake.pushUpdate(fake.messageUpdate({ fromId: user, photo: input, languageCode: 'en' }));
    const question = await waitForText(fake, user, 'What should I change?');
    expect(buttonsOf(question).map((button) => button.text)).toEqual(['Cancel']);
    const answer = fake.messageUpdate({
      fromId: user,
      text: 'make it green --model recorder-model',
      languageCode: 'en',
    });
    fake.pushUpdate(answer);
    await waitUntil(
      () => (photosTo(user).length > 0 ? true : undefined),
      () => 'the edited picture',
      15_000,
    );
    expect(recorded.slice(seen).map((request) => [request.prompt, request.inputImage?.bytes.equals(input)])).toEqual([
      ['make it green', true],
    ]);

    fake.pushUpdate(answer);
    sendText(fake, { fromId: user, text: '/balance' });
    await waitForText(fake, user, 'Balance: 9 credits.');
    expect(await generationsOf(user)).toHaveLength(1);
    expect(recorded.length).toBe(seen + 1);
    expect(await balanceOf(t, user)).toBe(9);
  });

  it('treats text after an expired question as a plain prompt', async () => {
    const { fake, t } = h;
    const user = 9105;
    await onboard(fake, user);
    const seen = recorded.length;
    fake.pushUpdate(fake.messageUpdate({ fromId: user, photo: makePng(20, 20, [9, 9, 9, 255]), languageCode: 'en' }));
    await waitForText(fake, user, 'What should I change?');
    t.clock.advance(PENDING_INPUT_TTL_MS + 1);
    sendText(fake, { fromId: user, text: 'a lighthouse' });
    await waitUntil(
      () => (photosTo(user).length > 0 ? true : undefined),
      () => 'the picture',
      15_000,
    );
    const [generation] = await generationsOf(user);
    expect(generation?.prompt).toBe('a lighthouse');
    expect(generation?.inputMediaId).toBeNull();
    expect(recorded.length).toBe(seen);
  });

  it('forgets the question when Cancel is pressed: nothing is made of the photo', async () => {
    const { fake } = h;
    const user = 9106;
    await onboard(fake, user);
    const downloads = fake.callsOf('getFile').length;
    fake.pushUpdate(fake.messageUpdate({ fromId: user, photo: makePng(20, 20, [5, 5, 5, 255]), languageCode: 'en' }));
    await waitForText(fake, user, 'What should I change?');
    await waitForAnswer(fake, await pressButton(fake, { chatId: user, fromId: user, label: 'Cancel' }));
    await waitForText(fake, user, 'OK, cancelled.');
    sendText(fake, { fromId: user, text: 'a plain prompt' });
    await waitUntil(
      () => (photosTo(user).length > 0 ? true : undefined),
      () => 'the picture',
      15_000,
    );
    expect((await generationsOf(user)).map((generation) => [generation.prompt, generation.inputMediaId])).toEqual([
      ['a plain prompt', null],
    ]);
    expect(fake.callsOf('getFile')).toHaveLength(downloads);
  });

  it('takes the message after a template pick as its subject', async () => {
    const { fake } = h;
    const user = 9107;
    await onboard(fake, user);
    sendText(fake, { fromId: user, text: '/templates' });
    await waitForAnswer(fake, await pressButton(fake, { chatId: user, fromId: user, label: 'Product photo' }));
    await waitForText(fake, user, 'Now send me your subject (within 10 minutes).');
    sendText(fake, { fromId: user, text: 'a red teapot' });
    await waitUntil(
      () => (photosTo(user).length > 0 ? true : undefined),
      () => 'the picture',
      15_000,
    );
    const [generation] = await generationsOf(user);
    expect(generation?.templateId).toBe('product');
    expect((generation?.options as { subject?: string }).subject).toBe('a red teapot');
  });

  it('runs an /imagine sent before the terms once they are accepted, and not again on a repeated press', async () => {
    const { fake, t } = h;
    const user = 9108;
    sendText(fake, { fromId: user, text: '/imagine a castle at dawn' });
    await waitForText(fake, user, 'Before your first creation');
    await waitForAnswer(fake, await pressButton(fake, { chatId: user, fromId: user, label: 'I accept' }));
    const confirm = await pressButton(fake, { chatId: user, fromId: user, label: 'I am 13 or older' });
    await waitForAnswer(fake, confirm);
    await waitUntil(
      () => (photosTo(user).length > 0 ? true : undefined),
      () => 'the picture',
      15_000,
    );
    fake.pushUpdate(
      fake.callbackUpdate({
        chatId: user,
        fromId: user,
        data: confirm.callback_query?.data ?? '',
        messageId: confirm.callback_query?.message?.message_id ?? 0,
      }),
    );
    await waitForText(fake, user, 'You accepted the terms on');
    expect((await generationsOf(user)).map((generation) => generation.prompt)).toEqual(['a castle at dawn']);
    expect(await balanceOf(t, user)).toBe(9);
    expect(callsTo(fake, user).filter((call) => call.method === 'sendPhoto')).toHaveLength(1);
  });

  it('edits a photo sent before the terms once they are accepted, downloading it then', async () => {
    const { fake } = h;
    const user = 9109;
    const input = makePng(24, 24, [120, 60, 0, 255]);
    const seen = recorded.length;
    fake.pushUpdate(
      fake.messageUpdate({
        fromId: user,
        photo: input,
        caption: 'make it gold --model recorder-model',
        languageCode: 'en',
      }),
    );
    await waitForText(fake, user, 'Before your first creation');
    await waitForAnswer(fake, await pressButton(fake, { chatId: user, fromId: user, label: 'I accept' }));
    await waitForAnswer(fake, await pressButton(fake, { chatId: user, fromId: user, label: 'I am 13 or older' }));
    await waitUntil(
      () => (photosTo(user).length > 0 ? true : undefined),
      () => 'the edited picture',
      15_000,
    );
    expect(recorded.slice(seen).map((request) => [request.prompt, request.inputImage?.bytes.equals(input)])).toEqual([
      ['make it gold', true],
    ]);
  });
});
