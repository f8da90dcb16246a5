import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { grantCredits } from '#core/credits/grant-credits';
import { ChatUser, renderText } from '#tests/support/chat-driver';
import { createTestCore, type TestCore } from '#tests/support/test-core';
import { findLedgerViolations } from '#tests/support/ledger-invariants';
import { admit, userIdOf } from '#tests/core/generation/generation-helpers';

const HOUR = 3_600_000;

/**
 * The credits side of admission, which the database function `admit_generation` does under the
 * account lock: which lots an admission spends, a refusal for too few credits that writes
 * nothing, and simultaneous requests that together ask for more than the balance. On both
 * databases the service runs on. No worker runs, so reserved credits stay reserved.
 */
for (const kind of ['postgres', 'pglite'] as const) {
  describe(`admission and credits on ${kind}`, () => {
    let t: TestCore;
    let nextUser = 7_100;

    beforeAll(async () => {
      t = await createTestCore({ database: kind, startWorker: false, env: { SIGNUP_CREDITS: '0' } });
    });

    afterAll(async () => {
      await t?.close();
    });

    /** An onboarded user with no credits, on the pro plan (4 jobs at once, no spacing) when asked. */
    async function newUser(plan?: 'pro'): Promise<{ user: ChatUser; userId: string }> {
      const platformUserId = String((nextUser += 1));
      const user = new ChatUser(t, platformUserId);
      await user.onboard();
      const userId = await userIdOf(t.deps.prisma, platformUserId);
      if (plan) {
        await t.deps.prisma.subscription.create({
          data: {
            userId,
            stripeSubscriptionId: `sub_credits_${platformUserId}`,
            planId: plan,
            status: 'active',
            currentPeriodEnd: new Date(t.clock.now().getTime() + 30 * 86_400_000),
          },
        });
      }
      return { user, userId };
    }

    function grant(userId: string, amount: number, key: string, expiresInMs?: number) {
      const expiresAt = expiresInMs === undefined ? undefined : new Date(t.clock.now().getTime() + expiresInMs);
      return grantCredits(t.deps.prisma, {
        userId,
        amount,
        source: 'admin',
        idempotencyKey: `${key}:${userId}`,
        ...(expiresAt ? { expiresAt } : {}),
      });
    }

    async function footprint(userId: string) {
      const [generations, ledger, moderation, reservations, lots] = await Promise.all([
        t.deps.prisma.generation.count({ where: { userId } }),
        t.deps.prisma.creditLedgerEntry.count({ where: { userId } }),
        t.deps.prisma.moderationEvent.count({ where: { userId } }),
        t.deps.prisma.creditReservation.count({ where: { userId } }),
        t.deps.prisma.creditLot.findMany({
          where: { userId },
          select: { id: true, remaining: true },
          orderBy: { id: 'asc' },
        }),
      ]);
      return { generations, ledger, moderation, reservations, lots };
    }

    it('spends the soonest-expiring lot first, then the next, and records where each credit came from', async () => {
      const { user, userId } = await newUser();
      const soon = await grant(userId, 1, 'soon', 2 * HOUR);
      const late = await grant(userId, 3, 'late', 48 * HOUR);
      const forever = await grant(userId, 5, 'forever');

      const generationId = await admit(user, 'imagine', 'three foxes in the snow --n 3');

      const lots = new Map(
        (await t.deps.prisma.creditLot.findMany({ where: { userId } })).map((lot) => [lot.id, lot.remaining]),
      );
      expect([lots.get(soon.lotId ?? ''), lots.get(late.lotId ?? ''), lots.get(forever.lotId ?? '')]).toEqual([
        0, 1, 5,
      ]);
      const reservation = await t.deps.prisma.creditReservation.findFirstOrThrow({
        where: { generationId },
        include: { allocations: true },
      });
      expect(reservation).toMatchObject({ userId, amount: 3, status: 'open' });
      expect(new Map(reservation.allocations.map((allocation) => [allocation.lotId, allocation.amount]))).toEqual(
        new Map([
          [soon.lotId, 1],
          [late.lotId, 2],
        ]),
      );
      const entries = await t.deps.prisma.creditLedgerEntry.findMany({ where: { generationId } });
      expect(entries.map((entry) => [entry.kind, entry.delta, entry.reservationId])).toEqual([
        ['reserve', -3, reservation.id],
      ]);
      const generation = await t.deps.prisma.generation.findUniqueOrThrow({ where: { id: generationId } });
      expect(generation).toMatchObject({ userId, kind: 'image', status: 'queued', cost: 3, createdAt: t.clock.now() });
      expect(await t.deps.prisma.moderationEvent.count({ where: { generationId, verdict: 'allowed' } })).toBe(1);
      expect(await findLedgerViolations(t.deps.prisma)).toEqual([]);
    });

    it('does not spend an expired lot, and refuses with the cost and the balance when the rest is too little, writing nothing', async () => {
      const { user, userId } = await newUser();
      await grant(userId, 1, 'spendable');
      await grant(userId, 10, 'expired', -HOUR);
      const before = await footprint(userId);

      const refused = await user.command('imagine', 'two owls on a branch --n 2');

      expect(refused).toHaveLength(1);
      expect(refused[0]).toMatchObject({
        type: 'message',
        text: { key: 'errors.insufficient_credits', vars: { cost: 2, balance: 1 } },
      });
      expect(renderText(refused[0])).toBe('This costs 2 credits and you have 1. Buy more with /buy.');
      expect(await footprint(userId)).toEqual(before);
    });

    it('admits only as many simultaneous requests as the balance covers, and the rest are refused for credits', async () => {
      const { user, userId } = await newUser('pro');
      await grant(userId, 2, 'first', 2 * HOUR);
      await grant(userId, 3, 'second');

      const answers = await Promise.all(
        [1, 2, 3, 4].map((index) => user.command('imagine', `a paper boat number ${index} --n 2`)),
      );

      const keys = answers.map((replies) =>
        replies[0]?.type === 'status'
          ? 'admitted'
          : replies[0]?.type === 'message' && !Array.isArray(replies[0].text)
            ? replies[0].text.key
            : 'other',
      );
      expect(keys.filter((key) => key === 'admitted')).toHaveLength(2);
      expect(keys.filter((key) => key === 'errors.insufficient_credits')).toHaveLength(2);
      const after = await footprint(userId);
      expect(after).toMatchObject({ generations: 2, reservations: 2, moderation: 2 });
      expect(after.lots.map((lot) => lot.remaining).sort()).toEqual([0, 1]);
      expect(await findLedgerViolations(t.deps.prisma)).toEqual([]);
    });
  });
}
