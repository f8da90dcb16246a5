import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger, type DeliveryTarget, type Reply } from '#core';
import { createDiscordNotifier } from '#bots/discord/discord-notifier';
import { createDiscordRest } from '#bots/discord/discord-rest';
import { encodeDelivery } from '#bots/discord/delivery-data';
import { startFakeDiscord, type FakeDiscord } from '#tests/fakes/discord-api';
import { makePng } from '#tests/fakes/test-png';

const TOKEN = 'fake-discord-bot-token';
const USER_ID = '300000000000000001';
const CHANNEL_ID = '400000000000000009';
const png = makePng(64, 64, [200, 30, 30, 255]);

/** A finished image as core reports it: bytes behind `load`, a signed link to our own copy. */
function result(generationId = '0190f0e0-0000-7000-8000-000000000001'): Reply {
  return {
    type: 'media',
    generationId,
    kind: 'image',
    items: [
      {
        assetId: 'a1',
        mime: 'image/png',
        sizeBytes: png.length,
        url: 'http://127.0.0.1:3999/media/a1?exp=1&sig=x',
        load: async () => png,
      },
    ],
    caption: { key: 'job.succeeded', vars: { prompt: 'a red square' } },
    buttons: [[{ label: { key: 'job.reroll_button' }, action: { name: 'reroll', arg: generationId } }]],
  };
}

function target(overrides: Partial<DeliveryTarget> & { createdAt?: number; token?: string } = {}): DeliveryTarget {
  const { createdAt = Date.now() - 20 * 60_000, token = 'expired-token', ...rest } = overrides;
  return {
    platform: 'discord',
    chatId: CHANNEL_ID,
    chatType: 'group',
    platformUserId: USER_ID,
    locale: 'en',
    extra: encodeDelivery({
      interactionToken: token,
      applicationId: '1100000000000000001',
      interactionCreatedAt: createdAt,
      originalMessageId: undefined,
      attachmentSizeLimit: undefined,
    }),
    ...rest,
  };
}

describe('Discord notifier with the bot token only (a worker process: REST, no gateway)', () => {
  let fake: FakeDiscord;
  const logger = createLogger({ level: 'silent' });

  beforeEach(async () => {
    fake = await startFakeDiscord({ token: TOKEN });
  });
  afterEach(async () => {
    await fake.close();
  });

  function notifier() {
    return createDiscordNotifier(createDiscordRest({ token: TOKEN, apiUrl: fake.restUrl }), { logger });
  }

  it('a late result for a DM opens the DM channel and posts the file there', async () => {
    await notifier().send(target({ chatType: 'private', chatId: '400000000000000777' }), [result()]);
    const open = await fake.waitForRequest((r) => r.method === 'POST' && r.path === '/users/@me/channels');
    expect(open.json).toEqual({ recipient_id: USER_ID });
    const post = await fake.waitForRequest((r) => r.method === 'POST' && /^\/channels\/\d+\/messages$/.test(r.path));
    expect(post.path).not.toContain('400000000000000777');
    expect(post.authorization).toBe(`Bot ${TOKEN}`);
    expect(post.files[0]?.bytes.equals(png)).toBe(true);
    expect(post.json).toMatchObject({ content: 'Done: a red square', allowed_mentions: { parse: [] } });
    expect(fake.requests.some((r) => r.path.includes('/webhooks/'))).toBe(false);
  });

  it('a message to a user known only by id (the link confirmation) goes to their DM with its buttons', async () => {
    const token = 'A'.repeat(43);
    const prompt: Reply = {
      type: 'message',
      text: {
        key: 'link.confirm_prompt',
        vars: { account: 'Alice (a***@example.com)', platform: '{web.platform.discord}' },
      },
      buttons: [
        [
          { label: { key: 'link.confirm_button' }, action: { name: 'confirm_link', arg: token } },
          { label: { key: 'link.cancel_button' }, action: { name: 'cancel_link', arg: token } },
        ],
      ],
    };
    await notifier().send(
      { platform: 'discord', chatId: USER_ID, chatType: 'private', platformUserId: USER_ID, locale: 'en' },
      [prompt],
    );
    const open = await fake.waitForRequest((r) => r.method === 'POST' && r.path === '/users/@me/channels');
    expect(open.json).toEqual({ recipient_id: USER_ID });
    const post = await fake.waitForRequest((r) => r.method === 'POST' && /^\/channels\/\d+\/messages$/.test(r.path));
    const body = post.json as {
      content: string;
      components: { components: { label: string; custom_id: string; style: number }[] }[];
    };
    expect(body.content).toContain('The website account Alice (a***@example.com) asks to join this Discord account.');
    expect(body.components[0]?.components.map((button) => [button.label, button.custom_id, button.style])).toEqual([
      ['Confirm the link', `${(16).toString(36)}:${token}`, 3],
      ['Cancel', `${(17).toString(36)}:${token}`, 2],
    ]);
  });

  it('a young token the webhook no longer knows falls back to a channel message', async () => {
    await notifier().send(target({ createdAt: Date.now(), token: 'unknown-token' }), [result()]);
    const webhook = fake.requests.find((r) => r.path.startsWith('/webhooks/'));
    expect(webhook).toMatchObject({ method: 'PATCH', status: 404 });
    const post = await fake.waitForRequest((r) => r.method === 'POST' && r.path === `/channels/${CHANNEL_ID}/messages`);
    expect(post.files[0]?.bytes.equals(png)).toBe(true);
    expect((post.json as { content: string }).content).toBe(`<@${USER_ID}> Done: a red square`);
  });

  it('a channel the bot cannot post in sends the result to the user’s DMs', async () => {
    fake.failNext(
      { method: 'POST', path: `/channels/${CHANNEL_ID}/messages` },
      { status: 403, code: 50001, message: 'Missing Access' },
    );
    await notifier().send(target(), [result()]);
    await fake.waitForRequest((r) => r.method === 'POST' && r.path === '/users/@me/channels');
    const posts = fake.requests.filter((r) => r.method === 'POST' && /^\/channels\/\d+\/messages$/.test(r.path));
    expect(posts.map((r) => r.status)).toEqual([403, 200]);
    expect(posts[1]?.path).not.toBe(`/channels/${CHANNEL_ID}/messages`);
    expect(posts[1]?.files[0]?.bytes.equals(png)).toBe(true);
  });

  it('a late status edits the job’s message in its channel and returns its id', async () => {
    const message = (await createDiscordRest({ token: TOKEN, apiUrl: fake.restUrl }).post(
      `/channels/${CHANNEL_ID}/messages`,
      { body: { content: 'Queued' } },
    )) as { id: string };
    const sent = await notifier().send(target({ statusMessageId: message.id }), [
      { type: 'status', generationId: 'g', text: { key: 'job.uploading' } },
    ]);
    expect(sent.statusMessageId).toBe(message.id);
    expect(fake.message(message.id)).toMatchObject({ content: 'Almost there, sending…', components: [] });
  });
});
