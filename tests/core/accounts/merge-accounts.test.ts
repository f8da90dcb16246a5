import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mergeAccounts } from '#core/accounts/merge-accounts';
import { clawBackCredits } from '#core/credits/claw-back-credits';
import { getBalance } from '#core/credits/get-balance';
import { grantCredits } from '#core/credits/grant-credits';
import { createTestCore, type TestCore } from '#tests/support/test-core';
import { findLedgerViolations } from '#tests/support/ledger-invariants';

const DAY = 86_400_000;
const origin = { ip: '203.0.113.9', userAgent: 'test' };

describe('mergeAccounts (a chat account joins a web account)', () => {
  let t: TestCore;
  beforeAll(async () => {
    t = await createTestCore({ startWorker: false });
  });
  afterAll(async () => {
    expect(await findLedgerViolations(t.database.prisma)).toEqual([]);
    await t.close();
  });

  async function user(data: { email?: string; subject?: string } = {}) {
    return t.database.prisma.user.create({
      data: {
        email: data.email ?? null,
        ...(data.subject ? { identities: { create: { provider: 'telegram', subject: data.subject } } } : {}),
      },
    });
  }

  it('moves each spendable lot with its expiry and payment through merge_out / merge_in entries, leaves expired lots behind', async () => {
    const now = t.clock.now();
    const chat = await user({ subject: 'm-1' });
    const web = await user({ email: 'web1@example.com' });
    const payment = await t.database.prisma.payment.create({
      data: {
        userId: chat.id,
        provider: 'telegram_stars',
        externalId: 'charge-m1',
        amount: 250,
        currency: 'XTR',
        credits: 50,
        status: 'succeeded',
      },
    });
    const soon = new Date(now.getTime() + 10 * DAY);
    await grantCredits(t.database.prisma, {
      userId: chat.id,
      amount: 50,
      source: 'pack',
      idempotencyKey: 'm1:pack',
      expiresAt: soon,
      paymentId: payment.id,
    });
    await grantCredits(t.database.prisma, { userId: chat.id, amount: 7, source: 'admin', idempotencyKey: 'm1:admin' });
    await grantCredits(t.database.prisma, {
      userId: chat.id,
      amount: 3,
      source: 'admin',
      idempotencyKey: 'm1:old',
      expiresAt: new Date(now.getTime() - DAY),
    });
    await grantCredits(t.database.prisma, {
      userId: web.id,
      amount: 10,
      source: 'signup_bonus',
      idempotencyKey: 'm1:web',
    });

    const result = await mergeAccounts(t.deps, { fromUserId: chat.id, intoUserId: web.id, actor: 'test', origin });
    expect(result).toEqual({ movedCredits: 57, movedDebt: 0, identities: ['telegram'], forfeitedBonus: 0 });
    expect((await getBalance(t.database.prisma, web.id, now)).available).toBe(67);
    const merged = await t.database.prisma.creditLot.findMany({
      where: { userId: web.id, source: 'merge' },
      orderBy: { amount: 'desc' },
    });
    expect(merged.map((lot) => [lot.amount, lot.expiresAt?.getTime() ?? null, lot.paymentId])).toEqual([
      [50, soon.getTime(), payment.id],
      [7, null, null],
    ]);
    const entries = await t.database.prisma.creditLedgerEntry.findMany({
      where: { userId: web.id, kind: { in: ['merge_in', 'merge_out'] } },
    });
    expect(
      entries
        .filter((entry) => entry.kind === 'merge_in')
        .map((entry) => entry.idempotencyKey)
        .sort(),
    ).toEqual(
      (
        await t.database.prisma.creditLot.findMany({
          where: { userId: web.id, source: { not: 'merge' }, amount: { in: [50, 7] } },
        })
      )
        .map((lot) => `merge:${chat.id}:${lot.id}`)
        .sort(),
    );
    expect(entries.filter((entry) => entry.kind === 'merge_out').reduce((sum, entry) => sum + entry.delta, 0)).toBe(
      -57,
    );
    expect(await t.database.prisma.user.count({ where: { id: chat.id } })).toBe(0);
    expect((await t.database.prisma.payment.findUniqueOrThrow({ where: { id: payment.id } })).userId).toBe(web.id);

    const clawed = await clawBackCredits(t.database.prisma, {
      userId: web.id,
      amount: 50,
      idempotencyKey: 'm1:refund',
      reason: 'refund',
      paymentId: payment.id,
      now,
    });
    expect(clawed).toMatchObject({ applied: true, taken: 50, owed: 0 });
    expect(
      (
        await t.database.prisma.creditLot.findFirstOrThrow({
          where: { userId: web.id, source: 'merge', paymentId: payment.id },
        })
      ).remaining,
    ).toBe(0);
  });

  it('moves a debt and settles it from the merged credits; carries a suspension and a restriction', async () => {
    const now = t.clock.now();
    const chat = await user({ subject: 'm-2' });
    const web = await user({ email: 'web2@example.com' });
    await grantCredits(t.database.prisma, { userId: web.id, amount: 30, source: 'admin', idempotencyKey: 'm2:web' });
    await grantCredits(t.database.prisma, { userId: chat.id, amount: 5, source: 'admin', idempotencyKey: 'm2:chat' });
    await clawBackCredits(t.database.prisma, {
      userId: chat.id,
      amount: 12,
      idempotencyKey: 'm2:claw',
      reason: 'refund',
      now,
    });
    const until = new Date(now.getTime() + 2 * DAY);
    await t.database.prisma.user.update({
      where: { id: chat.id },
      data: {
        status: 'suspended',
        suspendedUntil: until,
        suspendedReason: 'repeated_blocked_prompts',
        isProcessingRestricted: true,
      },
    });

    const result = await mergeAccounts(t.deps, { fromUserId: chat.id, intoUserId: web.id, actor: 'test', origin });
    expect(result.movedDebt).toBe(7);
    const target = await t.database.prisma.user.findUniqueOrThrow({ where: { id: web.id } });
    expect(target.creditDebt).toBe(0);
    expect((await getBalance(t.database.prisma, web.id, now)).available).toBe(23);
    expect(target).toMatchObject({
      status: 'suspended',
      suspendedUntil: until,
      suspendedReason: 'repeated_blocked_prompts',
      isProcessingRestricted: true,
    });
  });

  it('refuses to merge a chat account that is itself a web account, or that has a job running', async () => {
    const web = await user({ email: 'web3@example.com' });
    const other = await user({ email: 'other3@example.com', subject: 'm-3' });
    await expect(
      mergeAccounts(t.deps, { fromUserId: other.id, intoUserId: web.id, actor: 'test', origin }),
    ).rejects.toMatchObject({ code: 'conflict' });
    const busy = await user({ subject: 'm-4' });
    await grantCredits(t.database.prisma, { userId: busy.id, amount: 5, source: 'admin', idempotencyKey: 'm4' });
    await t.database.prisma.creditReservation.create({
      data: { userId: busy.id, amount: 1, expiresAt: new Date(t.clock.now().getTime() + DAY) },
    });
    await expect(
      mergeAccounts(t.deps, { fromUserId: busy.id, intoUserId: web.id, actor: 'test', origin }),
    ).rejects.toMatchObject({ code: 'conflict' });
    expect(await t.database.prisma.user.count({ where: { id: { in: [other.id, busy.id] } } })).toBe(2);
    expect(
      await t.database.prisma.creditLedgerEntry.count({
        where: { kind: { in: ['merge_in', 'merge_out'] }, userId: web.id },
      }),
    ).toBe(0);
  });
});
