import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findOrCreateAccount } from '#core/accounts/find-or-create-account';
import { createTestDatabase, type TestDatabase } from '#tests/support/test-database';

const marks = { secret: 'test-secret-of-the-identity-marks-0123456789', now: new Date() };

/** The account behind a chat identity: found in one query, created once however many first messages race. */
describe('findOrCreateAccount', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase('postgres');
  });

  afterAll(async () => {
    await db?.close();
  });

  it('creates one account for eight simultaneous first messages, and every caller gets it', async () => {
    const actor = { platform: 'telegram', platformUserId: '55501', locale: 'zh-CN', username: 'lantern' } as const;
    const results = await Promise.all(Array.from({ length: 8 }, () => findOrCreateAccount(db.prisma, actor, marks)));

    const ids = new Set(results.map((result) => result.account.id));
    expect(ids.size).toBe(1);
    expect(results.filter((result) => result.isNew)).toHaveLength(1);
    expect(results.every((result) => result.account.locale === 'zh-CN')).toBe(true);
    const identities = await db.prisma.identity.findMany({ where: { provider: 'telegram', subject: '55501' } });
    expect(identities.map((identity) => [identity.userId, identity.username])).toEqual([[[...ids][0], 'lantern']]);
  });

  it('finds the account of a known identity and not that of the same id on another platform', async () => {
    const onTelegram = await findOrCreateAccount(db.prisma, { platform: 'telegram', platformUserId: '55502' }, marks);
    const again = await findOrCreateAccount(db.prisma, { platform: 'telegram', platformUserId: '55502' }, marks);
    const onDiscord = await findOrCreateAccount(db.prisma, { platform: 'discord', platformUserId: '55502' }, marks);

    expect(again).toEqual({ account: onTelegram.account, isNew: false });
    expect(onDiscord.isNew).toBe(true);
    expect(onDiscord.account.id).not.toBe(onTelegram.account.id);
  });
});
