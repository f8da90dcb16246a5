import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  shownText,
  startTelegramHarness,
  waitUntil,
  type TelegramHarness,
} from '#tests/bots/telegram/support/telegram-harness';

const UPDATES = 15;

describe('Telegram flood control', () => {
  let h: TelegramHarness;

  beforeAll(async () => {
    h = await startTelegramHarness({ mode: 'polling', floodLimit: true });
  });
  afterAll(async () => {
    await h?.close();
  });

  // Telegram lets a bot send about one message a second to one chat, so N updates take N seconds to
  // answer: 15 show the spacing as well as 50 did, in a third of the time.
  it('answers 15 updates from one chat in one second without a 429 storm', { timeout: 120_000 }, async () => {
    const { fake } = h;
    const user = 8001;
    const updates = fake.pushUpdates(
      Array.from({ length: UPDATES }, () => fake.messageUpdate({ fromId: user, text: '/help', languageCode: 'en' })),
    );
    expect(updates).toHaveLength(UPDATES);

    const answered = () =>
      fake.calls.filter((call) => call.method === 'sendMessage' && call.params.chat_id === user && call.status === 200);
    await waitUntil(
      () => (answered().length >= UPDATES ? true : undefined),
      () => `${UPDATES} answers; got ${answered().length}, 429s ${fake.tooManyRequests}`,
      100_000,
    );

    // Telegram allows about one message a second per chat: the throttler spaces them, so at most
    // a stray 429 (waited out by auto-retry) instead of one per message.
    expect(fake.tooManyRequests).toBeLessThanOrEqual(2);
    const texts = answered().map(shownText);
    expect(texts).toHaveLength(UPDATES);
    expect(texts.every((text) => text.startsWith('Commands:') || text.startsWith('Too fast.'))).toBe(true);
    expect(texts.filter((text) => text.startsWith('Commands:')).length).toBeGreaterThan(0);
  });
});
