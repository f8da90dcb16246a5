import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postWebhook } from '#tests/fakes/telegram-bot-api';
import { makePng, readPng } from '#tests/fakes/test-png';
import {
  balanceOf,
  callsTo,
  onboard,
  sendText,
  startTelegramHarness,
  waitForText,
  WEBHOOK_SECRET,
  type TelegramHarness,
} from '#tests/bots/telegram/support/telegram-harness';

describe('Telegram bot in webhook mode', () => {
  let h: TelegramHarness;
  let webhookUrl: string;

  beforeAll(async () => {
    h = await startTelegramHarness({ mode: 'webhook' });
    webhookUrl = `${h.publicUrl}/telegram/webhook`;
  });
  afterAll(async () => {
    await h?.close();
  });

  it('registers the webhook with its secret and the update types payments need', () => {
    expect(h.fake.webhook).toEqual({
      url: webhookUrl,
      secretToken: WEBHOOK_SECRET,
      allowedUpdates: ['message', 'callback_query', 'pre_checkout_query'],
    });
    expect(h.fake.callsOf('deleteWebhook')).toHaveLength(0);
  });

  it('takes a new user through the buttons to the PNG of a fox, delivered over the webhook, and /balance shows 9', async () => {
    const { fake, t } = h;
    const user = 6001;
    await onboard(fake, user);
    sendText(fake, { fromId: user, text: '/imagine a fox' });
    const photo = await fake.waitForCall('sendPhoto', (call) => call.params.chat_id === user, 15_000);
    expect(readPng(photo.files[0]?.bytes ?? Buffer.alloc(0))).toMatchObject({ width: 768, height: 768 });
    sendText(fake, { fromId: user, text: '/balance' });
    await waitForText(fake, user, 'Balance: 9 credits.');
    expect(await balanceOf(t, user)).toBe(9);
    expect(fake.webhookDeliveries.length).toBeGreaterThanOrEqual(5);
    expect(fake.webhookDeliveries.every((delivery) => delivery.status === 200)).toBe(true);
  });

  it('answers Telegram at once and does the work in the background', async () => {
    const { fake } = h;
    const user = 6002;
    // The answer waits out a 2 s flood-control pause; Telegram must not wait for it.
    fake.failNext('sendMessage', { status: 429, retryAfter: 2 });
    const started = Date.now();
    const status = await postWebhook(
      webhookUrl,
      fake.messageUpdate({ fromId: user, text: '/help', languageCode: 'en' }),
      WEBHOOK_SECRET,
    );
    const answeredAfter = Date.now() - started;
    expect(status).toBe(200);
    expect(answeredAfter).toBeLessThan(1_000);
    const help = await waitForText(fake, user, 'Commands:');
    expect(help.at - started).toBeGreaterThanOrEqual(2_000);
  });

  it('refuses a forged webhook without or with a wrong secret, and processes nothing', async () => {
    const { fake, t } = h;
    const forger = 6003;
    const forged = fake.messageUpdate({ fromId: forger, text: '/start', languageCode: 'en' });
    expect(await postWebhook(webhookUrl, forged)).toBe(401);
    expect(await postWebhook(webhookUrl, forged, 'wrong-secret')).toBe(401);
    expect(await postWebhook(webhookUrl, forged, `${WEBHOOK_SECRET}x`)).toBe(401);
    // A real update afterwards is answered, so the forged ones had their chance to show up.
    sendText(fake, { fromId: 6004, text: '/help' });
    await waitForText(fake, 6004, 'Commands:');
    expect(callsTo(fake, forger)).toEqual([]);
    expect(await t.database.prisma.identity.count({ where: { subject: String(forger) } })).toBe(0);
  });

  it('answers a resent update_id once, and the retention job forgets it after two days', async () => {
    const { fake, t } = h;
    const user = 6006;
    const update = fake.messageUpdate({ fromId: user, text: '/help', languageCode: 'en' });
    const statuses = await Promise.all([
      postWebhook(webhookUrl, update, WEBHOOK_SECRET),
      postWebhook(webhookUrl, update, WEBHOOK_SECRET),
    ]);
    expect(statuses).toEqual([200, 200]);
    await waitForText(fake, user, 'Commands:');
    expect(await postWebhook(webhookUrl, update, WEBHOOK_SECRET)).toBe(200);
    sendText(fake, { fromId: user, text: '/balance' });
    await waitForText(fake, user, 'Balance');
    const helps = callsTo(fake, user).filter(
      (call) => call.method === 'sendMessage' && String(call.params.text).includes('Commands:'),
    );
    expect(helps).toHaveLength(1);
    const claim = await t.database.prisma.processedWebhookEvent.findFirstOrThrow({
      where: { provider: 'telegram', eventId: { endsWith: `:${update.update_id}` } },
    });
    await t.database.prisma.processedWebhookEvent.updateMany({
      where: { provider: 'telegram' },
      data: { processedAt: new Date(claim.processedAt.getTime() - 3 * 24 * 3_600_000) },
    });
    expect((await t.core.retention.run()).chatUpdateClaims).toBeGreaterThanOrEqual(1);
    expect(
      await t.database.prisma.processedWebhookEvent.count({ where: { provider: 'telegram', eventId: claim.eventId } }),
    ).toBe(0);
  });

  it('admits a job once when Telegram delivers the same update twice', async () => {
    const { fake, t } = h;
    const user = 6005;
    await onboard(fake, user);
    const update = fake.messageUpdate({ fromId: user, text: '/imagine a twice delivered owl', languageCode: 'en' });
    expect(await postWebhook(webhookUrl, update, WEBHOOK_SECRET)).toBe(200);
    expect(await postWebhook(webhookUrl, update, WEBHOOK_SECRET)).toBe(200);
    await fake.waitForCall('sendPhoto', (call) => call.params.chat_id === user, 15_000);
    sendText(fake, { fromId: user, text: '/balance' });
    await waitForText(fake, user, 'Balance: 9 credits.');
    const identity = await t.database.prisma.identity.findUniqueOrThrow({
      where: { provider_subject: { provider: 'telegram', subject: String(user) } },
    });
    expect(await t.database.prisma.generation.count({ where: { userId: identity.userId } })).toBe(1);
    expect(await balanceOf(t, user)).toBe(9);
  });

  it('asks about a photo once and edits it once when Telegram delivers each update twice', async () => {
    const { fake, t } = h;
    const user = 6007;
    await onboard(fake, user);
    const photo = fake.messageUpdate({ fromId: user, photo: makePng(30, 30, [10, 10, 200, 255]), languageCode: 'en' });
    expect(await postWebhook(webhookUrl, photo, WEBHOOK_SECRET)).toBe(200);
    expect(await postWebhook(webhookUrl, photo, WEBHOOK_SECRET)).toBe(200);
    await waitForText(fake, user, 'What should I change?');
    const answer = fake.messageUpdate({ fromId: user, text: 'make it sepia', languageCode: 'en' });
    expect(await postWebhook(webhookUrl, answer, WEBHOOK_SECRET)).toBe(200);
    expect(await postWebhook(webhookUrl, answer, WEBHOOK_SECRET)).toBe(200);
    await fake.waitForCall('sendPhoto', (call) => call.params.chat_id === user, 15_000);
    sendText(fake, { fromId: user, text: '/balance' });
    await waitForText(fake, user, 'Balance: 9 credits.');
    expect(
      callsTo(fake, user).filter(
        (call) => call.method === 'sendMessage' && String(call.params.text).startsWith('What should I change?'),
      ),
    ).toHaveLength(1);
    const identity = await t.database.prisma.identity.findUniqueOrThrow({
      where: { provider_subject: { provider: 'telegram', subject: String(user) } },
    });
    const generations = await t.database.prisma.generation.findMany({ where: { userId: identity.userId } });
    expect(generations.map((generation) => [generation.prompt, generation.inputMediaId !== null])).toEqual([
      ['make it sepia', true],
    ]);
    expect(await balanceOf(t, user)).toBe(9);
  });
});
