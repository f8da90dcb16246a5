import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { translate, type Reply } from '#core';
import { exportUserData } from '#core/privacy/export-user-data';
import { createTestCore, type TestCore } from '#tests/support/test-core';
import { ChatUser, renderText } from '#tests/support/chat-driver';

const ADMIN = 'web:00000000-0000-7000-8000-000000000001';

describe('what a blocked prompt says, and appeals', () => {
  let t: TestCore;

  beforeAll(async () => {
    t = await createTestCore({ startWorker: false });
  });
  afterAll(async () => {
    await t.close();
  });

  async function userIdOf(platformUserId: string, provider: 'telegram' | 'discord' = 'telegram'): Promise<string> {
    return (
      await t.database.prisma.identity.findUniqueOrThrow({
        where: { provider_subject: { provider, subject: platformUserId } },
      })
    ).userId;
  }

  function utc(date: Date): string {
    return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  }

  async function suspendedUser(
    platformUserId: string,
    platform: 'telegram' | 'discord' = 'telegram',
  ): Promise<ChatUser> {
    const user = new ChatUser(t, platformUserId, 'en', platform);
    await user.onboard();
    await user.command('imagine', 'a nude child');
    return user;
  }

  it('says at once, in words, that a severe block suspends the account, for how long, and how to appeal', async () => {
    const user = new ChatUser(t, '7001');
    await user.onboard();
    const until = new Date(t.clock.now().getTime() + 30 * 86_400_000);
    const replies = await user.command('imagine', 'an eleven-year-old girl, topless');
    const text = renderText(replies[0]);
    expect(text).toBe(
      `This prompt was blocked as sexual content involving minors; no credits were taken. Your account can no longer create images or videos for 30 days, until ${utc(until)}. Your credits and creations stay on your account. To appeal, send /appeal followed by why you think this is a mistake, or use the form on your account page on the website.`,
    );
    expect(text).not.toMatch(/severe_content|sexual_minors|\{/);
    expect(renderText(replies[0], 'zh-CN')).toContain('30 天');

    const next = renderText((await user.command('imagine', 'a cat'))[0]);
    expect(next).toBe(
      `Creating is paused on your account until ${utc(until)}: a prompt was blocked as severe content. Your credits and creations stay on your account. To appeal, send /appeal followed by why you think this is a mistake, or use the form on your account page on the website.`,
    );
  });

  it('says a non-severe block leaves the account alone for now, counting towards a pause', async () => {
    const user = new ChatUser(t, '7002');
    await user.onboard();
    expect(renderText((await user.command('imagine', 'blood and gore everywhere'))[0])).toBe(
      'This prompt was blocked as graphic violence; no credits were taken. Your account is not affected for now: this is block 1 of 3 within 24 hours, and at 3 creating is paused for 24 hours. If you think this is a mistake, write to imagen2026@163.com.',
    );
    await user.command('imagine', 'blood and gore everywhere');
    const third = renderText((await user.command('imagine', 'blood and gore everywhere'))[0]);
    expect(third).toMatch(
      /^This prompt was blocked as graphic violence; no credits were taken\. Your account can no longer create images or videos for 24 hours, until .* UTC\./,
    );
  });

  it('answers /appeal clearly when the text is empty or too long, or nothing is suspended, and files nothing', async () => {
    const free = new ChatUser(t, '7003');
    await free.onboard();
    expect(renderText((await free.command('appeal', 'please'))[0])).toBe(
      'Your account is not suspended, so there is nothing to appeal.',
    );
    const user = await suspendedUser('7004');
    expect(renderText((await user.command('appeal', '   '))[0])).toBe(translate('en', 'errors.appeal_empty'));
    expect(renderText((await user.command('appeal', 'x'.repeat(1001)))[0])).toBe(
      'Your appeal is 1,001 characters; the limit is 1,000. Please shorten it.',
    );
    expect(await t.database.prisma.appeal.count({ where: { userId: await userIdOf('7004') } })).toBe(0);
    expect(
      renderText((await new ChatUser(t, '7004', 'en', 'telegram', '-100555').command('appeal', 'in a group'))[0]),
    ).toBe('This shows personal data, so please use it in a private chat with me.');
  });

  it('files one appeal per suspension, also when two arrive at once', async () => {
    const user = await suspendedUser('7005');
    const [first, second] = await Promise.all([
      user.command('appeal', 'It was a museum painting.'),
      user.command('appeal', 'Same, sent twice.'),
    ]);
    const texts = [renderText(first[0]), renderText(second[0])].sort();
    expect(texts[0]).toMatch(
      /^You already appealed this suspension on .* UTC; an admin will answer soon\. There is one appeal per suspension\.$/,
    );
    expect(texts[1]).toMatch(
      /^Your appeal is filed\. An admin will review it; you will get the answer here and on your account page\. Until then the suspension stays \(until .* UTC\)\.$/,
    );
    expect(await t.database.prisma.appeal.count({ where: { userId: await userIdOf('7005') } })).toBe(1);
    expect(
      await t.database.prisma.auditLog.count({
        where: { action: 'appeal.file', targetUserId: await userIdOf('7005') },
      }),
    ).toBe(1);
    const exported = await exportUserData(t.deps, await userIdOf('7005'), 'telegram');
    expect(exported.appeals).toEqual([
      expect.objectContaining({
        status: 'open',
        text: expect.stringMatching(/^(It was a museum painting\.|Same, sent twice\.)$/),
      }),
    ]);
  });

  it('lists the open appeal with the prompt that caused the suspension; lifting it is audited, the user told, and creating works again', async () => {
    const user = await suspendedUser('7006');
    await user.command('appeal', 'I meant a painting of a cherub in a museum.');
    const userId = await userIdOf('7006');
    const open = await t.core.admin.listOpenAppeals({ actor: ADMIN });
    const line = open.find((appeal) => appeal.userId === userId);
    expect(line).toMatchObject({
      text: 'I meant a painting of a cherub in a museum.',
      suspension: { reason: 'severe_content', category: 'sexual_minors' },
    });
    expect(line?.prompts.map((prompt) => prompt.prompt)).toEqual(['a nude child']);
    expect(
      await t.database.prisma.auditLog.count({ where: { action: 'admin.view_appeals', actor: ADMIN } }),
    ).toBeGreaterThanOrEqual(1);

    await expect(t.core.admin.decideAppeal({ appealId: line!.id, decision: 'lift', actor: ADMIN })).resolves.toEqual({
      userId,
      status: 'lifted',
    });
    await expect(
      t.core.admin.decideAppeal({ appealId: line!.id, decision: 'keep', actor: ADMIN }),
    ).rejects.toMatchObject({ code: 'conflict' });
    expect(await t.database.prisma.user.findUniqueOrThrow({ where: { id: userId } })).toMatchObject({
      status: 'active',
      suspendedReason: null,
    });
    expect(
      (
        await t.database.prisma.auditLog.findMany({
          where: { targetUserId: userId, actor: ADMIN },
          orderBy: { createdAt: 'asc' },
        })
      ).map((row) => row.action),
    ).toEqual(['appeal.lift', 'account.unsuspend']);
    const told = t.notifier.deliveries.filter((delivery) => delivery.target.platformUserId === '7006');
    expect(
      told.map((delivery) => [delivery.target.chatId, delivery.target.chatType, renderText(delivery.replies[0])]),
    ).toEqual([
      [
        '7006',
        'private',
        'Your appeal was accepted: the suspension of your account is lifted and you can create again.',
      ],
    ]);
    expect((await t.core.admin.listOpenAppeals({ actor: ADMIN })).some((appeal) => appeal.id === line!.id)).toBe(false);
    expect((await user.command('imagine', 'a cat on a sofa'))[0]?.type).toBe('status');
    expect(await t.core.accounts.suspensionStatus(userId)).toMatchObject({
      current: undefined,
      lastAppeal: { status: 'lifted' },
    });
  });

  it('keeping the suspension tells the user until when, and a second appeal is refused', async () => {
    const user = await suspendedUser('7007', 'discord');
    await user.command('appeal', 'Not what I meant.');
    const userId = await userIdOf('7007', 'discord');
    const appeal = await t.database.prisma.appeal.findFirstOrThrow({ where: { userId } });
    await t.core.admin.decideAppeal({ appealId: appeal.id, decision: 'keep', actor: ADMIN });
    expect((await t.database.prisma.user.findUniqueOrThrow({ where: { id: userId } })).status).toBe('suspended');
    const told = t.notifier.deliveries.find((delivery) => delivery.target.platformUserId === '7007');
    expect(told?.target).toMatchObject({ platform: 'discord', chatType: 'private' });
    expect(renderText(told?.replies[0] as Reply)).toMatch(
      /^Your appeal was reviewed: the suspension of your account stays, until .* UTC\.$/,
    );
    expect(renderText((await user.command('appeal', 'Please look again.'))[0])).toMatch(
      /^Your appeal against this suspension was answered on .* UTC\. There is one appeal per suspension\.$/,
    );
    expect(await t.database.prisma.auditLog.count({ where: { action: 'appeal.keep', targetUserId: userId } })).toBe(1);
    expect(await t.core.accounts.suspensionStatus(userId)).toMatchObject({
      current: { canAppeal: false },
      lastAppeal: { status: 'kept' },
    });
  });
});
