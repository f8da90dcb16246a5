import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acceptTerms } from '#core/accounts/accept-terms';
import { hashIdentity } from '#core/accounts/identity-marks';
import { mergeAccounts } from '#core/accounts/merge-accounts';
import { registerAccount } from '#core/accounts/register-account';
import { getBalance } from '#core/credits/get-balance';
import { eraseAccount } from '#core/privacy/erase-account';
import { ChatUser, renderText } from '#tests/support/chat-driver';
import { findLedgerViolations } from '#tests/support/ledger-invariants';
import { createTestCore, type TestCore } from '#tests/support/test-core';

const origin = (n: number) => ({ ip: `198.51.100.${n}`, userAgent: 'test' });

describe('one signup bonus per person, not per account', () => {
  let t: TestCore;
  beforeAll(async () => {
    t = await createTestCore({ startWorker: false });
  });
  afterAll(async () => {
    expect(await findLedgerViolations(t.database.prisma)).toEqual([]);
    await t.close();
  });

  async function balanceOfTelegram(subject: string): Promise<number> {
    const identity = await t.database.prisma.identity.findUniqueOrThrow({
      where: { provider_subject: { provider: 'telegram', subject } },
    });
    return (await getBalance(t.database.prisma, identity.userId, t.clock.now())).available;
  }

  async function confirmAge(user: ChatUser): Promise<string> {
    await user.command('start');
    const ageQuestion = await user.press(
      'accept_terms',
      (await user.command('start'))
        .flatMap((r) => (r.type === 'message' ? (r.buttons ?? []).flat() : []))
        .find((b) => b.action?.name === 'accept_terms')?.action?.arg ?? '',
    );
    const arg =
      ageQuestion
        .flatMap((r) => (r.type === 'message' ? (r.buttons ?? []).flat() : []))
        .find((b) => b.action?.name === 'confirm_age')?.action?.arg ?? '';
    return renderText((await user.press('confirm_age', arg))[0]);
  }

  it('/deleteme then /start gives no second bonus, and the mark names nobody', async () => {
    const user = new ChatUser(t, '7100001');
    expect(await confirmAge(user)).toContain('10 free credits');
    expect(await balanceOfTelegram('7100001')).toBe(10);
    await user.press('confirm_delete');
    expect(await t.database.prisma.identity.count({ where: { subject: '7100001' } })).toBe(0);

    expect(await confirmAge(user)).toBe('Thanks! You can start creating. Try: /imagine a fox in the snow');
    expect(await balanceOfTelegram('7100001')).toBe(0);
    const marks = await t.database.prisma.bonusMark.findMany();
    expect(marks.map((mark) => mark.identityHash)).toContain(
      hashIdentity(t.deps.config.sessionSecret, { provider: 'telegram', subject: '7100001' }),
    );
    expect(JSON.stringify(marks)).not.toContain('7100001');
  });

  it('an identity added after the bonus, or a bonus from before the marks existed, is marked at erasure', async () => {
    const user = new ChatUser(t, '7100030');
    await confirmAge(user);
    const identity = await t.database.prisma.identity.findUniqueOrThrow({
      where: { provider_subject: { provider: 'telegram', subject: '7100030' } },
    });
    await t.database.prisma.bonusMark.deleteMany({
      where: { identityHash: hashIdentity(t.deps.config.sessionSecret, { provider: 'telegram', subject: '7100030' }) },
    });
    await t.database.prisma.user.update({
      where: { id: identity.userId },
      data: { email: 'Later.Address@example.com' },
    });
    await eraseAccount(t.deps, identity.userId, { actor: 'test', channel: 'telegram' });
    expect(await confirmAge(user)).not.toContain('free credits');
    const web = await registerAccount(t.deps, {
      email: 'later.address@example.com',
      password: 'a long enough password 5',
      displayName: 'L',
      locale: 'en',
      isAgeConfirmed: true,
      hasAcceptedTerms: true,
      origin: origin(40),
    });
    expect((await getBalance(t.database.prisma, web.userId, t.clock.now())).available).toBe(0);
  });

  it('a web registration on an email that had a bonus gets none, also written another way', async () => {
    const first = await registerAccount(t.deps, {
      email: 'Ann.Lee@gmail.com',
      password: 'a long enough password 1',
      displayName: 'Ann',
      locale: 'en',
      isAgeConfirmed: true,
      hasAcceptedTerms: true,
      origin: origin(1),
    });
    expect((await getBalance(t.database.prisma, first.userId, t.clock.now())).available).toBe(10);
    await eraseAccount(t.deps, first.userId, { actor: 'test', channel: 'web' });
    const second = await registerAccount(t.deps, {
      email: 'annlee+again@googlemail.com',
      password: 'a long enough password 2',
      displayName: 'Ann',
      locale: 'en',
      isAgeConfirmed: true,
      hasAcceptedTerms: true,
      origin: origin(2),
    });
    expect((await getBalance(t.database.prisma, second.userId, t.clock.now())).available).toBe(0);
    expect(await t.database.prisma.creditLedgerEntry.count({ where: { userId: second.userId } })).toBe(0);
  });

  it('two concurrent registrations of one mailbox give one bonus', async () => {
    const results = await Promise.all(
      ['race.me@gmail.com', 'raceme@gmail.com'].map((email, index) =>
        registerAccount(t.deps, {
          email,
          password: 'a long enough password 3',
          displayName: 'R',
          locale: 'en',
          isAgeConfirmed: true,
          hasAcceptedTerms: true,
          origin: origin(10 + index),
        }),
      ),
    );
    const balances = await Promise.all(
      results.map(async ({ userId }) => (await getBalance(t.database.prisma, userId, t.clock.now())).available),
    );
    expect(balances.sort()).toEqual([0, 10]);
  });

  it('two concurrent /start and confirmations on one identity give one bonus', async () => {
    const user = new ChatUser(t, '7100002');
    await Promise.all([user.command('start'), user.command('start')]);
    const replies = await Promise.all([confirmAge(user), confirmAge(user), confirmAge(user)]);
    expect(replies.filter((text) => text.includes('10 free credits'))).toHaveLength(1);
    expect(await balanceOfTelegram('7100002')).toBe(10);
    const identity = await t.database.prisma.identity.findUniqueOrThrow({
      where: { provider_subject: { provider: 'telegram', subject: '7100002' } },
    });
    expect(
      await t.database.prisma.creditLot.count({ where: { userId: identity.userId, source: 'signup_bonus' } }),
    ).toBe(1);
  });

  it('linking N chat accounts into a web account keeps one bonus; the rest is recorded as not combined', async () => {
    const web = await registerAccount(t.deps, {
      email: 'linker@example.com',
      password: 'a long enough password 4',
      displayName: 'L',
      locale: 'en',
      isAgeConfirmed: true,
      hasAcceptedTerms: true,
      origin: origin(20),
    });
    const chats = [new ChatUser(t, '7100010'), new ChatUser(t, '7100011'), new ChatUser(t, '7100012', 'en', 'discord')];
    for (const chat of chats) await confirmAge(chat);
    for (const chat of chats) {
      const identity = await t.database.prisma.identity.findUniqueOrThrow({
        where: { provider_subject: { provider: chat.platform, subject: chat.platformUserId } },
      });
      const result = await mergeAccounts(t.deps, {
        fromUserId: identity.userId,
        intoUserId: web.userId,
        actor: 'test',
        origin: origin(20),
      });
      expect(result.movedCredits).toBe(0);
    }
    expect((await getBalance(t.database.prisma, web.userId, t.clock.now())).available).toBe(10);
    const notCombined = await t.database.prisma.creditLedgerEntry.findMany({
      where: { userId: web.userId, reason: 'signup_bonus_not_combined' },
    });
    expect(notCombined.map((entry) => entry.delta)).toEqual([-10, -10, -10]);
    expect(await t.database.prisma.creditLedgerEntry.count({ where: { userId: web.userId, kind: 'merge_in' } })).toBe(
      0,
    );
  });

  it('a web account without a bonus takes the first merged bonus only, and accepting the terms later adds none', async () => {
    const web = await t.database.prisma.user.create({
      data: { email: 'google-only@example.com', identities: { create: { provider: 'google', subject: 'g-7100020' } } },
    });
    const chats = [new ChatUser(t, '7100021'), new ChatUser(t, '7100022')];
    for (const chat of chats) await confirmAge(chat);
    const ids = await Promise.all(
      chats.map(
        async (chat) =>
          (
            await t.database.prisma.identity.findUniqueOrThrow({
              where: { provider_subject: { provider: 'telegram', subject: chat.platformUserId } },
            })
          ).userId,
      ),
    );
    const spender = ids[1] ?? '';
    await t.database.prisma.creditLot.updateMany({ where: { userId: spender }, data: { remaining: 10 } });
    const results = [];
    for (const id of ids)
      results.push(
        await mergeAccounts(t.deps, { fromUserId: id, intoUserId: web.id, actor: 'test', origin: origin(30) }),
      );
    expect(results.map((result) => result.movedCredits)).toEqual([10, 0]);
    expect(
      await acceptTerms(t.deps, { userId: web.id, isAgeConfirmed: true, hasAcceptedTerms: true, origin: origin(30) }),
    ).toEqual({ granted: 0 });
    expect((await getBalance(t.database.prisma, web.id, t.clock.now())).available).toBe(10);
  });
});
