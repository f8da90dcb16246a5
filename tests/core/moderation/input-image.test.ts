import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InputAttachment } from '#core';
import { getBalance } from '#core/credits/get-balance';
import { createLogger } from '#core/infra/logger';
import { compileModerationRules } from '#core/moderation/compile-moderation-rules';
import { createPromptModerator } from '#core/moderation/create-prompt-moderator';
import { DEFAULT_MODERATION_RULES } from '#core/moderation/moderation-rules';
import { FakeOpenAIApi } from '#tests/fakes/openai-api';
import { makePng } from '#tests/fakes/test-png';
import { ChatUser, renderText } from '#tests/support/chat-driver';
import { createTestCore, type TestCore } from '#tests/support/test-core';

function attachment(bytes: Buffer, mime = 'image/png'): InputAttachment {
  return { mime, sizeBytes: bytes.length, fetch: async () => bytes };
}

const INVALID =
  'This file is not a PNG, JPEG, WebP or GIF picture, so it cannot be edited. Nothing was charged. Send a photo or a picture file.';

describe('photos sent for editing', () => {
  let fake: FakeOpenAIApi;
  let t: TestCore;

  beforeAll(async () => {
    fake = await FakeOpenAIApi.start({ moderationWords: { nudity: 'sexual', gorefest: 'violence/graphic' } });
    const logger = createLogger({ level: 'silent', name: 'test' });
    const openai = new OpenAI({ apiKey: fake.apiKey, baseURL: fake.baseURL, maxRetries: 0 });
    t = await createTestCore({
      startWorker: false,
      moderator: createPromptModerator({
        rules: compileModerationRules(DEFAULT_MODERATION_RULES),
        openai,
        mode: 'fail-closed',
        logger,
      }),
    });
  });
  afterAll(async () => {
    await t.close();
    await fake.close();
  });

  async function onboarded(platformUserId: string): Promise<{ user: ChatUser; userId: string }> {
    const user = new ChatUser(t, platformUserId);
    await user.onboard();
    const userId = (
      await t.database.prisma.identity.findUniqueOrThrow({
        where: { provider_subject: { provider: 'telegram', subject: platformUserId } },
      })
    ).userId;
    return { user, userId };
  }

  async function nothingCharged(userId: string): Promise<void> {
    expect((await getBalance(t.database.prisma, userId, t.clock.now())).available).toBe(10);
    expect(await t.database.prisma.generation.count({ where: { userId } })).toBe(0);
    expect(await t.database.prisma.mediaAsset.count({ where: { userId } })).toBe(0);
  }

  it.each([
    [
      'an SVG declared as PNG',
      Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><script>alert(1)</script></svg>'),
    ],
    ['an HTML page declared as PNG', Buffer.from('<!doctype html><html><body><h1>hi</h1></body></html>')],
    ['a truncated PNG header', makePng(4, 4).subarray(0, 12)],
    ['random bytes', Buffer.from('not an image at all, just text')],
  ])('refuses %s with a clear message, charging nothing', async (_case, bytes) => {
    const { user, userId } = await onboarded(String(9100 + Math.floor(Math.random() * 800)));
    const replies = await user.command('imagine', 'make it blue', { attachments: [attachment(bytes)] });
    expect(renderText(replies[0])).toBe(INVALID);
    await nothingCharged(userId);
    expect(
      fake.requests.some(
        (request) => request.path === '/v1/moderations' && JSON.stringify(request.body).includes('image_url'),
      ),
    ).toBe(false);
  });

  it('accepts a real PNG and GIF, sends it to image moderation as a data URL, and admits the edit', async () => {
    const { user } = await onboarded('9001');
    const png = makePng(64, 48);
    const replies = await user.command('imagine', 'make it blue', { attachments: [attachment(png)] });
    expect(replies[0]?.type, renderText(replies[0])).toBe('status');
    const sent = fake.requests
      .filter((request) => request.path === '/v1/moderations')
      .map((request) => request.body as { input: unknown });
    expect(
      sent.some(
        (body) =>
          Array.isArray(body.input) &&
          (body.input as { type: string; image_url?: { url: string } }[])[0]?.image_url?.url ===
            `data:image/png;base64,${png.toString('base64')}`,
      ),
    ).toBe(true);
    const gif = Buffer.from('474946383961010001000000002c00000000010001000002024401003b', 'hex');
    const gifUser = await onboarded('9002');
    expect(
      (await gifUser.user.command('imagine', 'make it blue', { attachments: [attachment(gif, 'image/gif')] }))[0]?.type,
    ).toBe('status');
  });

  it('blocks an image the moderation flags, counted like a blocked prompt, before anything is charged', async () => {
    const { user, userId } = await onboarded('9003');
    const flagged = Buffer.concat([makePng(32, 32), Buffer.from('nudity')]);
    const replies = await user.command('imagine', 'make it blue', { attachments: [attachment(flagged)] });
    expect(renderText(replies[0])).toMatch(
      /^This prompt was blocked as sexual content; no credits were taken\. Your account is not affected for now: this is block 1 of 3/,
    );
    await nothingCharged(userId);
    expect(
      await t.database.prisma.moderationEvent.findMany({
        where: { userId },
        select: { stage: true, verdict: true, categories: true, prompt: true },
      }),
    ).toEqual([
      { stage: 'openai:image', verdict: 'blocked', categories: ['sexual'], prompt: '[photo sent for editing]' },
    ]);
  });
});
