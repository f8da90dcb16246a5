import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeSdApi } from '#tests/fakes/sdapi-api';
import { readPng } from '#tests/fakes/test-png';
import {
  balanceOf,
  buttonsOf,
  onboard,
  pressButton,
  sendText,
  startTelegramHarness,
  waitForAnswer,
  type TelegramHarness,
} from '#tests/bots/telegram/support/telegram-harness';

/**
 * The per-picture buttons through the Telegram adapter, with SDAPI_URLS pointing at a fake
 * AUTOMATIC1111 server: four pictures as one album, then a keyboard of U1–U4, V1–V4, Reroll and
 * "Send as file" (callback_data within Telegram's 64 bytes); U2 answers with picture 2 at twice
 * its size, charged the models file's upscale price.
 */
describe('Telegram: Upscale and Vary per picture', () => {
  let server: FakeSdApi;
  let h: TelegramHarness;

  beforeAll(async () => {
    server = await FakeSdApi.start();
    h = await startTelegramHarness({ mode: 'polling', env: { SDAPI_URLS: server.url } });
  });
  afterAll(async () => {
    await h?.close();
    await server?.close();
  });

  it('/imagine a fox --n 4 gets U1–U4 and V1–V4; U2 sends picture 2 at twice its size for 2 credits', async () => {
    const { fake, t } = h;
    const user = 7301;
    await onboard(fake, user);
    sendText(fake, { fromId: user, text: '/imagine a fox --n 4' });
    const album = await fake.waitForCall('sendMediaGroup', (call) => call.params.chat_id === user, 15_000);
    expect(album.files).toHaveLength(4);
    const keyboard = await fake.waitForCall(
      'sendMessage',
      (call) => call.params.chat_id === user && buttonsOf(call).length > 0 && /Done/.test(String(call.params.text)),
    );
    const buttons = buttonsOf(keyboard);
    expect(buttons.map((button) => button.text)).toEqual([
      'U1',
      'U2',
      'U3',
      'U4',
      'V1',
      'V2',
      'V3',
      'V4',
      'Reroll',
      'Remix',
      'Send as file',
    ]);
    for (const button of buttons) expect(Buffer.byteLength(button.callback_data ?? '')).toBeLessThanOrEqual(64);
    expect(await balanceOf(t, user)).toBe(6);

    t.clock.advance(10_000);
    const press = await pressButton(fake, { chatId: user, fromId: user, label: 'U2' });
    expect((await waitForAnswer(fake, press)).status).toBe(200);
    const photo = await fake.waitForCall('sendPhoto', (call) => call.params.chat_id === user, 15_000);
    const source = readPng(album.files[1]?.bytes ?? Buffer.alloc(0));
    expect(readPng(photo.files[0]?.bytes ?? Buffer.alloc(0))).toMatchObject({
      width: source.width * 2,
      height: source.height * 2,
    });
    expect(server.jobs.at(-1)?.inputs[0]?.equals(album.files[1]?.bytes ?? Buffer.alloc(0))).toBe(true);
    expect(buttonsOf(photo).map((button) => button.text)).toEqual(['Vary', 'Send as file']);
    expect(await balanceOf(t, user)).toBe(4);
  });
});
