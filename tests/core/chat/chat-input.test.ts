import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InputAttachment, Reply } from '#core';
import { TERMS_VERSION } from '#core';
import { getBalance } from '#core/credits/get-balance';
import { PENDING_INPUT_TTL_MS } from '#core/chat/pending-input';
import { exportUserData } from '#core/privacy/export-user-data';
import { makePng } from '#tests/fakes/test-png';
import { ChatUser, renderText } from '#tests/support/chat-driver';
import { createTestCore, type TestCore } from '#tests/support/test-core';

const PHOTO = makePng(40, 30, [200, 30, 30, 255]);

/** A photo as an adapter hands it over: fetched now, or later by its reference. */
function photoFrom(fetched: string[], ref: string): InputAttachment {
  return {
    mime: 'image/png',
    sizeBytes: PHOTO.length,
    ref,
    fetch: async () => {
      fetched.push(ref);
      return PHOTO;
    },
  };
}

function fetcher(fetched: string[]): (ref: string) => Promise<Buffer> {
  return async (ref) => {
    fetched.push(ref);
    return PHOTO;
  };
}

function statusOf(replies: Reply[]): Extract<Reply, { type: 'status' }> | undefined {
  return replies.find((reply): reply is Extract<Reply, { type: 'status' }> => reply.type === 'status');
}

describe('natural chat input', () => {
  let t: TestCore;

  beforeAll(async () => {
    t = await createTestCore({});
  });
  afterAll(async () => {
    await t.close();
  });

  const userIdOf = async (subject: string) =>
    (
      await t.database.prisma.identity.findUniqueOrThrow({
        where: { provider_subject: { provider: 'telegram', subject } },
      })
    ).userId;
  const balanceOf = async (subject: string) =>
    (await getBalance(t.database.prisma, await userIdOf(subject), t.clock.now())).available;
  const generationsOf = async (subject: string) =>
    t.database.prisma.generation.findMany({
      where: { userId: await userIdOf(subject) },
      orderBy: { createdAt: 'asc' },
    });

  it('runs plain text in a private chat as /imagine, charging once, and ignores it in a group', async () => {
    const user = new ChatUser(t, '8001');
    await user.onboard();
    const replies = await user.say('a fox in the snow');
    expect(renderText(replies[0])).toMatch(/Queued \(1 credit reserved\)/);
    expect(statusOf(replies)?.buttons?.[0]?.[0]?.action?.name).toBe('cancel_job');
    expect((await generationsOf('8001')).map((generation) => generation.prompt)).toEqual(['a fox in the snow']);
    expect(await balanceOf('8001')).toBe(9);

    const inGroup = new ChatUser(t, '8001', 'en', 'telegram', '-100200300');
    t.clock.advance(5_000);
    expect(await inGroup.say('a cat')).toEqual([]);
    expect(await generationsOf('8001')).toHaveLength(1);
  });

  it('edits a photo sent with a caption, the photo being the input image', async () => {
    const user = new ChatUser(t, '8002');
    await user.onboard();
    const fetched: string[] = [];
    const replies = await user.say('make it blue', { attachments: [photoFrom(fetched, 'photo-a')] });
    expect(statusOf(replies)).toBeDefined();
    const [generation] = await generationsOf('8002');
    expect(generation?.prompt).toBe('make it blue');
    expect(generation?.inputMediaId).not.toBeNull();
    expect(fetched).toEqual(['photo-a']);
  });

  it('asks what to change for a photo alone, and takes the next text as the instruction, once', async () => {
    const user = new ChatUser(t, '8003');
    await user.onboard();
    const fetched: string[] = [];
    const asked = await user.say('', {
      attachments: [photoFrom(fetched, 'photo-b')],
      fetchAttachment: fetcher(fetched),
    });
    expect(renderText(asked[0])).toBe(
      'What should I change? Send me the instruction within 10 minutes, e.g. "make it a watercolour".',
    );
    expect(asked[0]?.type === 'message' && asked[0].buttons?.[0]?.[0]?.action?.name).toBe('cancel_input');
    expect(renderText(asked[0], 'zh-CN')).toContain('要怎么改');
    expect(fetched).toEqual([]);

    const edit = await user.say('make it a watercolour', { fetchAttachment: fetcher(fetched) });
    expect(statusOf(edit)).toBeDefined();
    expect(fetched).toEqual(['photo-b']);
    const [generation] = await generationsOf('8003');
    expect(generation?.prompt).toBe('make it a watercolour');
    expect(generation?.inputMediaId).not.toBeNull();

    // Answered: the next text is a plain prompt again.
    t.clock.advance(5_000);
    await t.notifier.waitFor((delivery) =>
      delivery.replies.some((reply) => reply.type === 'media' && reply.generationId === generation?.id),
    );
    await user.say('a plain prompt', { fetchAttachment: fetcher(fetched) });
    const generations = await generationsOf('8003');
    expect(generations.map((row) => [row.prompt, row.inputMediaId === null])).toEqual([
      ['make it a watercolour', false],
      ['a plain prompt', true],
    ]);
    expect(fetched).toEqual(['photo-b']);
  });

  it('lets an expired question go: the later text is a plain prompt', async () => {
    const user = new ChatUser(t, '8004');
    await user.onboard();
    const fetched: string[] = [];
    await user.say('', { attachments: [photoFrom(fetched, 'photo-c')], fetchAttachment: fetcher(fetched) });
    t.clock.advance(PENDING_INPUT_TTL_MS + 1);
    await user.say('a lighthouse', { fetchAttachment: fetcher(fetched) });
    const [generation] = await generationsOf('8004');
    expect(generation?.prompt).toBe('a lighthouse');
    expect(generation?.inputMediaId).toBeNull();
    expect(fetched).toEqual([]);
  });

  it('forgets the question on Cancel or /cancel, and nothing is created', async () => {
    const user = new ChatUser(t, '8005');
    await user.onboard();
    const fetched: string[] = [];
    await user.say('', { attachments: [photoFrom(fetched, 'photo-d')], fetchAttachment: fetcher(fetched) });
    expect(renderText((await user.press('cancel_input'))[0])).toBe('OK, cancelled.');
    expect(renderText((await user.press('cancel_input'))[0])).toBe('There is no question waiting for an answer.');
    await user.say('', { attachments: [photoFrom(fetched, 'photo-e')], fetchAttachment: fetcher(fetched) });
    expect(renderText((await user.command('cancel'))[0])).toBe('OK, cancelled.');
    expect(renderText((await user.command('cancel'))[0])).toBe('You have no job waiting to be cancelled.');
    expect(await generationsOf('8005')).toEqual([]);
    expect(await t.database.prisma.chatPendingInput.count({ where: { userId: await userIdOf('8005') } })).toBe(0);
    expect(fetched).toEqual([]);
  });

  it('gives the question to one of two racing answers only', async () => {
    const user = new ChatUser(t, '8006');
    await user.onboard();
    const fetched: string[] = [];
    await user.say('', { attachments: [photoFrom(fetched, 'photo-f')], fetchAttachment: fetcher(fetched) });
    await Promise.all([
      user.say('make it red', { fetchAttachment: fetcher(fetched) }),
      user.say('make it green', { fetchAttachment: fetcher(fetched) }),
    ]);
    // Only one took the photo (the other became a plain prompt, which the spacing rule may refuse).
    expect(fetched).toEqual(['photo-f']);
    expect(
      (await generationsOf('8006')).filter((generation) => generation.inputMediaId !== null).length,
    ).toBeLessThanOrEqual(1);
    expect(await t.database.prisma.chatPendingInput.count({ where: { userId: await userIdOf('8006') } })).toBe(0);
  });

  it('takes the next message as the subject of a picked template', async () => {
    const user = new ChatUser(t, '8007');
    await user.onboard();
    const picked = await user.press('pick_template', 'product');
    expect(renderText(picked[0])).toBe(
      'Product photo: Clean studio shot on a seamless background\nNow send me your subject (within 10 minutes).',
    );
    expect(picked[0]?.type === 'message' && picked[0].buttons?.[0]?.[0]?.action?.name).toBe('cancel_input');
    await user.say('a red teapot');
    const [generation] = await generationsOf('8007');
    expect(generation?.templateId).toBe('product');
    expect((generation?.options as { subject?: string } | null)?.subject).toBe('a red teapot');

    // In a group, or where plain messages do not reach core (Discord), the old text stays: use /imagine with --template.
    const inGroup = new ChatUser(t, '8007', 'en', 'telegram', '-100200301');
    expect(renderText((await inGroup.press('pick_template', 'product'))[0])).toContain(
      '/imagine <your subject> --template product',
    );
    const onDiscord = new ChatUser(t, '8017', 'en', 'discord');
    expect(renderText((await onDiscord.press('pick_template', 'product'))[0])).toContain(
      '/imagine <your subject> --template product',
    );
  });

  it('runs an /imagine sent before the terms once they are accepted, and not again on a second press', async () => {
    const user = new ChatUser(t, '8008');
    const before = await user.command('imagine', 'a castle at dawn');
    expect(renderText(before[0])).toContain('Before your first creation');
    await user.press('accept_terms', TERMS_VERSION);
    const confirmed = await user.press('confirm_age', TERMS_VERSION);
    expect(renderText(confirmed[0])).toContain('Thanks! 10 free credits are in your balance.');
    expect(statusOf(confirmed)).toBeDefined();
    expect((await generationsOf('8008')).map((generation) => generation.prompt)).toEqual(['a castle at dawn']);
    expect(await balanceOf('8008')).toBe(9);

    const again = await user.press('confirm_age', TERMS_VERSION);
    expect(again.map((reply) => reply.type)).toEqual(['message']);
    expect(renderText(again[0])).toContain('You accepted the terms on');
    expect(await generationsOf('8008')).toHaveLength(1);
  });

  it('runs a kept prompt once when two age confirmations race', async () => {
    const user = new ChatUser(t, '8009');
    await user.say('a quiet harbour');
    await Promise.all([user.press('confirm_age', TERMS_VERSION), user.press('confirm_age', TERMS_VERSION)]);
    expect((await generationsOf('8009')).map((generation) => generation.prompt)).toEqual(['a quiet harbour']);
    expect(await balanceOf('8009')).toBe(9);
  });

  it('runs a photo edit sent before the terms as an edit, fetching the photo again', async () => {
    const user = new ChatUser(t, '8013');
    const fetched: string[] = [];
    await user.say('make it gold', { attachments: [photoFrom(fetched, 'photo-g')], fetchAttachment: fetcher(fetched) });
    expect(fetched).toEqual([]);
    await user.press('confirm_age', TERMS_VERSION, { fetchAttachment: fetcher(fetched) });
    expect(fetched).toEqual(['photo-g']);
    const [generation] = await generationsOf('8013');
    expect(generation?.prompt).toBe('make it gold');
    expect(generation?.inputMediaId).not.toBeNull();
  });

  it('forgets a kept prompt when the terms or the age are declined', async () => {
    for (const [subject, action] of [
      ['8014', 'decline_terms'],
      ['8015', 'deny_age'],
    ] as const) {
      const user = new ChatUser(t, subject);
      await user.command('imagine', 'a declined idea');
      expect(await t.database.prisma.chatPendingInput.count({ where: { platformUserId: subject } })).toBe(1);
      await user.press(action);
      expect(await t.database.prisma.chatPendingInput.count({ where: { platformUserId: subject } })).toBe(0);
      await user.press('confirm_age', TERMS_VERSION);
      expect(await generationsOf(subject)).toEqual([]);
    }
  });

  it('does not keep a prompt past its time: an old one is not run on a late acceptance', async () => {
    const user = new ChatUser(t, '8010');
    await user.command('imagine', 'a forgotten idea');
    t.clock.advance(PENDING_INPUT_TTL_MS + 1);
    const confirmed = await user.press('confirm_age', TERMS_VERSION);
    expect(statusOf(confirmed)).toBeUndefined();
    expect(await generationsOf('8010')).toEqual([]);
  });

  it('exports a kept prompt, purges expired ones in the retention run, and erases them with the account', async () => {
    const user = new ChatUser(t, '8011');
    await user.command('imagine', 'a private thought');
    const userId = await userIdOf('8011');
    const exported = await exportUserData(t.deps, userId, 'test');
    expect(exported.pendingChatInputs).toEqual([
      expect.objectContaining({
        platform: 'telegram',
        chatId: '8011',
        kind: 'prompt',
        text: 'a private thought',
        mediaKind: 'image',
      }),
    ]);

    const other = new ChatUser(t, '8012');
    await other.command('imagine', 'another thought');
    t.clock.advance(PENDING_INPUT_TTL_MS + 1);
    expect((await t.core.retention.run()).pendingInputs).toBeGreaterThanOrEqual(2);
    expect(await t.database.prisma.chatPendingInput.count({ where: { userId } })).toBe(0);

    await user.command('imagine', 'a second thought');
    expect(await t.database.prisma.chatPendingInput.count({ where: { userId } })).toBe(1);
    await user.onboard();
    // onboard ran the kept prompt; keep one more, then erase.
    await t.database.prisma.chatPendingInput.create({
      data: {
        platform: 'telegram',
        chatId: '8011',
        platformUserId: '8011',
        userId,
        kind: 'photo_edit',
        eventId: 'e',
        expiresAt: new Date(t.clock.now().getTime() + 60_000),
      },
    });
    await user.command('deleteme');
    await user.press('confirm_delete');
    expect(await t.database.prisma.chatPendingInput.count({ where: { platformUserId: '8011' } })).toBe(0);
  });
});
