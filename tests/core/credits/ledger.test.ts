import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { grantCredits } from '#core/credits/grant-credits';
import { reserveCredits } from '#core/credits/reserve-credits';
import { captureReservation, captureReservationLocked, releaseReservation } from '#core/credits/settle-reservation';
import { withAccountLock } from '#core/credits/ledger-transaction';
import { expireCreditLots } from '#core/credits/expire-credit-lots';
import { clawBackCredits } from '#core/credits/claw-back-credits';
import { getBalance } from '#core/credits/get-balance';
import { listLedger } from '#core/credits/list-ledger';
import { isAppError } from '#core/errors/app-error';
import { createTestDatabase, type TestDatabase } from '#tests/support/test-database';
import { findLedgerViolations } from '#tests/support/ledger-invariants';

const HOUR = 3_600_000;

for (const kind of ['postgres', 'pglite'] as const) {
  describe(`credits ledger on ${kind}`, () => {
    let db: TestDatabase;
    const now = new Date('2026-11-24T12:00:00Z');

    beforeAll(async () => {
      db = await createTestDatabase(kind);
    });
    afterAll(async () => {
      await db.close();
    });

    async function newUser(): Promise<string> {
      return (await db.prisma.user.create({ data: {}, select: { id: true } })).id;
    }

    it('grants once per idempotency key', async () => {
      const userId = await newUser();
      const first = await grantCredits(db.prisma, {
        userId,
        amount: 10,
        source: 'pack',
        idempotencyKey: `k:${userId}`,
      });
      const second = await grantCredits(db.prisma, {
        userId,
        amount: 10,
        source: 'pack',
        idempotencyKey: `k:${userId}`,
      });
      expect(first.applied).toBe(true);
      expect(second.applied).toBe(false);
      expect((await getBalance(db.prisma, userId, now)).available).toBe(10);
      expect(await db.prisma.creditLedgerEntry.count({ where: { userId } })).toBe(1);
    });

    it('spends the soonest-expiring lot first and returns credits to the same lots on release', async () => {
      const userId = await newUser();
      const late = await grantCredits(db.prisma, {
        userId,
        amount: 5,
        source: 'pack',
        idempotencyKey: `late:${userId}`,
        expiresAt: new Date(now.getTime() + 48 * HOUR),
      });
      const soon = await grantCredits(db.prisma, {
        userId,
        amount: 3,
        source: 'plan_period',
        idempotencyKey: `soon:${userId}`,
        expiresAt: new Date(now.getTime() + 2 * HOUR),
      });
      const forever = await grantCredits(db.prisma, {
        userId,
        amount: 4,
        source: 'admin',
        idempotencyKey: `forever:${userId}`,
      });
      const reservation = await reserveCredits(db.prisma, {
        userId,
        amount: 6,
        idempotencyKey: `r:${userId}`,
        expiresAt: new Date(now.getTime() + HOUR),
        now,
      });
      const lots = new Map(
        (await db.prisma.creditLot.findMany({ where: { userId } })).map((lot) => [lot.id, lot.remaining]),
      );
      expect(lots.get(soon.lotId as string)).toBe(0);
      expect(lots.get(late.lotId as string)).toBe(2);
      expect(lots.get(forever.lotId as string)).toBe(4);
      expect(await releaseReservation(db.prisma, reservation.id, 'failed', now)).toBe('released');
      expect(await releaseReservation(db.prisma, reservation.id, 'failed', now)).toBe('already_released');
      const after = new Map(
        (await db.prisma.creditLot.findMany({ where: { userId } })).map((lot) => [lot.id, lot.remaining]),
      );
      expect([
        after.get(soon.lotId as string),
        after.get(late.lotId as string),
        after.get(forever.lotId as string),
      ]).toEqual([3, 5, 4]);
      expect(await findLedgerViolations(db.prisma)).toEqual([]);
    });

    it('shows as available what a reservation may spend: a lapsed lot the expiry sweep has not reached yet is not counted', async () => {
      const userId = await newUser();
      await grantCredits(db.prisma, {
        userId,
        amount: 4,
        source: 'plan_period',
        idempotencyKey: `lapsed:${userId}`,
        expiresAt: new Date(now.getTime() - HOUR),
      });
      const soon = new Date(now.getTime() + 2 * HOUR);
      await grantCredits(db.prisma, {
        userId,
        amount: 3,
        source: 'plan_period',
        idempotencyKey: `soon:${userId}`,
        expiresAt: soon,
      });
      await grantCredits(db.prisma, { userId, amount: 5, source: 'admin', idempotencyKey: `forever:${userId}` });
      const balance = await getBalance(db.prisma, userId, now);
      expect(balance.available).toBe(8);
      expect(balance.nextExpiry).toEqual({ at: soon, amount: 3 });
      const refused = await reserveCredits(db.prisma, {
        userId,
        amount: 9,
        idempotencyKey: `r9:${userId}`,
        expiresAt: soon,
        now,
      }).catch((error: unknown) => error);
      expect(isAppError(refused) && refused.code === 'insufficient_credits' && refused.vars).toEqual({
        cost: 9,
        balance: 8,
      });
      await reserveCredits(db.prisma, { userId, amount: 8, idempotencyKey: `r8:${userId}`, expiresAt: soon, now });
      expect((await getBalance(db.prisma, userId, now)).available).toBe(0);
    });

    it('refuses a reservation it cannot cover and writes nothing', async () => {
      const userId = await newUser();
      await grantCredits(db.prisma, { userId, amount: 2, source: 'pack', idempotencyKey: `g:${userId}` });
      const before = await db.prisma.creditLedgerEntry.count({ where: { userId } });
      const error = await reserveCredits(db.prisma, {
        userId,
        amount: 3,
        idempotencyKey: `r:${userId}`,
        expiresAt: now,
        now,
      }).catch((caught: unknown) => caught);
      expect(isAppError(error) && error.code).toBe('insufficient_credits');
      expect(isAppError(error) && error.vars).toEqual({ cost: 3, balance: 2 });
      expect(await db.prisma.creditLedgerEntry.count({ where: { userId } })).toBe(before);
      expect(await db.prisma.creditReservation.count({ where: { userId } })).toBe(0);
    });

    it('refuses a reservation of zero, a negative or a fractional amount as invalid input, writing nothing', async () => {
      const userId = await newUser();
      await grantCredits(db.prisma, { userId, amount: 5, source: 'pack', idempotencyKey: `g:${userId}` });
      for (const amount of [0, -1, 1.5]) {
        const error = await reserveCredits(db.prisma, {
          userId,
          amount,
          idempotencyKey: `bad:${amount}:${userId}`,
          expiresAt: now,
          now,
        }).catch((caught: unknown) => caught);
        expect(isAppError(error) && error.code).toBe('invalid_input');
      }
      expect(await db.prisma.creditReservation.count({ where: { userId } })).toBe(0);
      expect((await getBalance(db.prisma, userId, now)).available).toBe(5);
    });

    it('captures once, and a captured reservation cannot be released', async () => {
      const userId = await newUser();
      await grantCredits(db.prisma, { userId, amount: 5, source: 'pack', idempotencyKey: `g:${userId}` });
      const reservation = await reserveCredits(db.prisma, {
        userId,
        amount: 2,
        idempotencyKey: `r:${userId}`,
        expiresAt: now,
        now,
      });
      expect(await captureReservation(db.prisma, reservation.id)).toBe('captured');
      expect(await captureReservation(db.prisma, reservation.id)).toBe('already_captured');
      expect(await releaseReservation(db.prisma, reservation.id, 'late', now)).toBe('already_captured');
      expect((await getBalance(db.prisma, userId, now)).available).toBe(3);
      const kinds = (await listLedger(db.prisma, userId, { includeCaptures: true })).map((line) => line.kind);
      expect(kinds).toEqual(['capture', 'reserve', 'grant']);
    });

    it('captures part of a reservation once, giving the rest back to the lots it took last', async () => {
      const userId = await newUser();
      const soon = await grantCredits(db.prisma, {
        userId,
        amount: 3,
        source: 'plan_period',
        idempotencyKey: `soon:${userId}`,
        expiresAt: new Date(now.getTime() + 2 * HOUR),
      });
      const late = await grantCredits(db.prisma, {
        userId,
        amount: 5,
        source: 'pack',
        idempotencyKey: `late:${userId}`,
        expiresAt: new Date(now.getTime() + 48 * HOUR),
      });
      const reservation = await reserveCredits(db.prisma, {
        userId,
        amount: 6,
        idempotencyKey: `r:${userId}`,
        expiresAt: new Date(now.getTime() + HOUR),
        now,
      });
      const part = { keep: 2, reason: 'generation_partial', now };
      const capture = () =>
        withAccountLock(db.prisma, userId, (tx) => captureReservationLocked(tx, reservation.id, part));
      expect(await capture()).toBe('captured');
      expect(await capture()).toBe('already_captured');
      expect(await releaseReservation(db.prisma, reservation.id, 'failed', now)).toBe('already_captured');
      const remaining = new Map(
        (await db.prisma.creditLot.findMany({ where: { userId } })).map((lot) => [lot.id, lot.remaining]),
      );
      // 3 + 3 were taken (soonest-expiring first); 4 go back: 3 to the later lot, 1 to the sooner.
      expect([remaining.get(soon.lotId as string), remaining.get(late.lotId as string)]).toEqual([1, 5]);
      const entries = await db.prisma.creditLedgerEntry.findMany({
        where: { reservationId: reservation.id },
        orderBy: { id: 'asc' },
      });
      expect(entries.map((entry) => [entry.kind, entry.delta, entry.reason])).toEqual([
        ['reserve', -6, expect.anything()],
        ['capture', 0, 'generation'],
        ['release', 4, 'generation_partial'],
      ]);
      expect((await getBalance(db.prisma, userId, now)).available).toBe(6);
      expect(await findLedgerViolations(db.prisma)).toEqual([]);
    });

    it('expires lapsed lots once, and credits released into an expired lot expire too', async () => {
      const userId = await newUser();
      await grantCredits(db.prisma, {
        userId,
        amount: 5,
        source: 'plan_period',
        idempotencyKey: `g:${userId}`,
        expiresAt: new Date(now.getTime() + HOUR),
      });
      const reservation = await reserveCredits(db.prisma, {
        userId,
        amount: 2,
        idempotencyKey: `r:${userId}`,
        expiresAt: now,
        now,
      });
      const later = new Date(now.getTime() + 2 * HOUR);
      expect(await expireCreditLots(db.prisma, later)).toBeGreaterThanOrEqual(1);
      expect(await expireCreditLots(db.prisma, later)).toBe(0);
      expect(await releaseReservation(db.prisma, reservation.id, 'failed', later)).toBe('released');
      expect((await getBalance(db.prisma, userId, later)).available).toBe(0);
      const lot = await db.prisma.creditLot.findFirstOrThrow({ where: { userId } });
      expect(lot.remaining).toBe(0);
      expect(await findLedgerViolations(db.prisma)).toEqual([]);
    });

    it('claws back what it can, records the rest as debt, and the next grant settles it', async () => {
      const userId = await newUser();
      await grantCredits(db.prisma, { userId, amount: 3, source: 'pack', idempotencyKey: `g:${userId}` });
      const clawback = await clawBackCredits(db.prisma, {
        userId,
        amount: 5,
        idempotencyKey: `c:${userId}`,
        reason: 'refund',
        now,
      });
      expect(clawback).toEqual({ applied: true, taken: 3, owed: 2 });
      expect(
        (await clawBackCredits(db.prisma, { userId, amount: 5, idempotencyKey: `c:${userId}`, reason: 'refund', now }))
          .applied,
      ).toBe(false);
      expect((await getBalance(db.prisma, userId, now)).debt).toBe(2);
      const grant = await grantCredits(db.prisma, {
        userId,
        amount: 10,
        source: 'pack',
        idempotencyKey: `g2:${userId}`,
      });
      expect(grant.debtSettled).toBe(2);
      const balance = await getBalance(db.prisma, userId, now);
      expect([balance.available, balance.debt]).toEqual([8, 0]);
      expect(await findLedgerViolations(db.prisma)).toEqual([]);
    });

    it('lets exactly as many concurrent reservations succeed as the credits cover', async () => {
      const userId = await newUser();
      await grantCredits(db.prisma, { userId, amount: 50, source: 'pack', idempotencyKey: `g:${userId}` });
      const attempts = Array.from({ length: 200 }, (_, index) =>
        reserveCredits(db.prisma, {
          userId,
          amount: 1,
          idempotencyKey: `r:${userId}:${index}`,
          expiresAt: now,
          now,
        }).then(
          () => 'ok',
          (error: unknown) => (isAppError(error) ? error.code : String(error)),
        ),
      );
      const outcomes = await Promise.all(attempts);
      expect(outcomes.filter((outcome) => outcome === 'ok')).toHaveLength(50);
      expect(outcomes.filter((outcome) => outcome === 'insufficient_credits')).toHaveLength(150);
      expect((await getBalance(db.prisma, userId, now)).available).toBe(0);
      expect(await findLedgerViolations(db.prisma)).toEqual([]);
    });
  });
}
