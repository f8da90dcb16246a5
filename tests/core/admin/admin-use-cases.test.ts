import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBotApiStarsRefunds, BotApiError } from '#core/admin/bot-api-stars-refunds';
import { createAdmin, type Admin } from '#core/admin/create-admin';
import { parseUserRef, type UserRef } from '#core/admin/find-user';
import { isAppError } from '#core/errors/app-error';
import { getBalance } from '#core/credits/get-balance';
import { createTestCore, type TestCore } from '#tests/support/test-core';
import { ChatUser, renderText } from '#tests/support/chat-driver';
import { findLedgerViolations } from '#tests/support/ledger-invariants';
import { startFakeTelegram, type FakeTelegram } from '#tests/fakes/telegram-bot-api';
import { FakeStripeApi } from '#tests/fakes/stripe-api';

const ACTOR = 'cli:tester';
const BOT_TOKEN = '123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ_abc';

/** The AppError code a promise rejects with (fails the test when it resolves). */
async function codeOf(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!isAppError(error)) throw new Error(`expected an AppError, got ${String(error)}`);
  return error.code;
}

describe('admin use cases', () => {
  let t: TestCore;
  let telegram: FakeTelegram;
  let stripeFake: FakeStripeApi;
  let stripe: Stripe;
  let admin: Admin;

  beforeAll(async () => {
    t = await createTestCore();
    telegram = await startFakeTelegram({ token: BOT_TOKEN });
    stripeFake = await FakeStripeApi.start();
    stripe = new Stripe(stripeFake.apiKey, { ...stripeFake.stripeOptions });
    admin = createAdmin(t.deps, {
      stars: createBotApiStarsRefunds({ token: BOT_TOKEN, apiRoot: telegram.apiRoot }),
      stripe,
    });
  });
  afterAll(async () => {
    await telegram?.close();
    await stripeFake?.close();
    await t?.close();
  });

  async function onboarded(platformUserId: string): Promise<{ chat: ChatUser; id: string; ref: UserRef }> {
    const chat = new ChatUser(t, platformUserId);
    await chat.onboard();
    const identity = await t.database.prisma.identity.findUniqueOrThrow({
      where: { provider_subject: { provider: 'telegram', subject: platformUserId } },
    });
    return { chat, id: identity.userId, ref: { kind: 'identity', provider: 'telegram', subject: platformUserId } };
  }

  async function auditOf(userId: string) {
    return t.database.prisma.auditLog.findMany({
      where: { targetUserId: userId },
      orderBy: { id: 'asc' },
      select: { actor: true, action: true, details: true },
    });
  }

  async function available(userId: string): Promise<number> {
    return (await getBalance(t.database.prisma, userId, t.clock.now())).available;
  }

  it('parses the ways an operator names a user, and nothing else', () => {
    expect(parseUserRef('telegram:1001')).toEqual({ kind: 'identity', provider: 'telegram', subject: '1001' });
    expect(parseUserRef('Discord:889900')).toEqual({ kind: 'identity', provider: 'discord', subject: '889900' });
    expect(parseUserRef(' Ada@Example.com ')).toEqual({ kind: 'email', email: 'ada@example.com' });
    expect(parseUserRef('0192F0E4-1D2C-7A00-8000-00000000AB12')).toEqual({
      kind: 'id',
      id: '0192f0e4-1d2c-7a00-8000-00000000ab12',
    });
    for (const bad of ['', 'ada', 'telegram:', 'telegram:abc', 'slack:1', '0192f0e4-1d2c'])
      expect(parseUserRef(bad)).toBeUndefined();
  });

  it('finds a user by platform id, email and account id, audits the look-up, and says not_found otherwise', async () => {
    const { id } = await onboarded('6001');
    await t.database.prisma.user.update({ where: { id }, data: { email: 'Ada@Example.com', displayName: 'Ada' } });

    const byTelegram = await admin.findUser({
      ref: { kind: 'identity', provider: 'telegram', subject: '6001' },
      actor: ACTOR,
    });
    expect(byTelegram).toMatchObject({
      id,
      email: 'Ada@Example.com',
      displayName: 'Ada',
      status: 'active',
      role: 'user',
      creditDebt: 0,
    });
    expect(byTelegram.identities).toEqual([{ provider: 'telegram', subject: '6001', username: null }]);
    expect((await admin.findUser({ ref: { kind: 'email', email: 'ada@example.com' }, actor: ACTOR })).id).toBe(id);
    expect((await admin.findUser({ ref: { kind: 'id', id }, actor: ACTOR })).id).toBe(id);

    expect(
      await codeOf(admin.findUser({ ref: { kind: 'identity', provider: 'discord', subject: '6001' }, actor: ACTOR })),
    ).toBe('not_found');
    expect(await codeOf(admin.findUser({ ref: { kind: 'email', email: 'nobody@example.com' }, actor: ACTOR }))).toBe(
      'not_found',
    );
    expect(await auditOf(id)).toEqual([
      { actor: ACTOR, action: 'admin.find_user', details: { by: 'telegram' } },
      { actor: ACTOR, action: 'admin.find_user', details: { by: 'email' } },
      { actor: ACTOR, action: 'admin.find_user', details: { by: 'id' } },
    ]);
  });

  it('grants an admin lot once per key, with the actor on the ledger entry and the audit row', async () => {
    const { id, ref } = await onboarded('6002');
    const first = await admin.grantCredits({
      ref,
      amount: 25,
      reason: 'support ticket 42',
      key: 'ticket-42',
      actor: ACTOR,
    });
    expect(first).toMatchObject({
      applied: true,
      key: 'ticket-42',
      debtSettled: 0,
      balance: { available: 35, reserved: 0, debt: 0 },
    });
    const again = await admin.grantCredits({
      ref,
      amount: 25,
      reason: 'support ticket 42',
      key: 'ticket-42',
      actor: ACTOR,
    });
    expect(again).toMatchObject({ applied: false, balance: { available: 35 } });

    const lots = await t.database.prisma.creditLot.findMany({ where: { userId: id, source: 'admin' } });
    expect(lots.map((lot) => [lot.amount, lot.remaining, lot.expiresAt])).toEqual([[25, 25, null]]);
    const entry = await t.database.prisma.creditLedgerEntry.findUniqueOrThrow({
      where: { idempotencyKey: 'admin-grant:ticket-42' },
    });
    expect(entry).toMatchObject({
      userId: id,
      kind: 'grant',
      delta: 25,
      reason: 'support ticket 42',
      actor: ACTOR,
      lotId: lots[0]?.id,
    });
    expect((await auditOf(id)).filter((row) => row.action === 'credits.grant')).toEqual([
      {
        actor: ACTOR,
        action: 'credits.grant',
        details: { amount: 25, reason: 'support ticket 42', key: 'ticket-42', lotId: lots[0]?.id, debtSettled: 0 },
      },
    ]);
    expect(await codeOf(admin.grantCredits({ ref, amount: 0, reason: 'x', key: 'zero', actor: ACTOR }))).toBe(
      'invalid_input',
    );
    const other = await onboarded('6012');
    expect(
      await codeOf(
        admin.grantCredits({ ref: other.ref, amount: 25, reason: 'support ticket 42', key: 'ticket-42', actor: ACTOR }),
      ),
    ).toBe('conflict');
    expect(
      await codeOf(
        admin.grantCredits({ ref, amount: 30, reason: 'support ticket 42', key: 'ticket-42', actor: ACTOR }),
      ),
    ).toBe('conflict');
    expect(await available(other.id)).toBe(10);
    expect(await findLedgerViolations(t.database.prisma)).toEqual([]);
  });

  it('revokes credits: what was spent becomes a debt that blocks generation until a grant settles it', async () => {
    const { chat, id, ref } = await onboarded('6003');
    const revoked = await admin.revokeCredits({ ref, amount: 15, reason: 'chargeback', key: 'cb-1', actor: ACTOR });
    expect(revoked).toMatchObject({ applied: true, taken: 10, owed: 5, balance: { available: 0, debt: 5 } });
    expect(
      (await admin.revokeCredits({ ref, amount: 15, reason: 'chargeback', key: 'cb-1', actor: ACTOR })).applied,
    ).toBe(false);
    expect(
      await codeOf(
        admin.revokeCredits({
          ref: (await onboarded('6013')).ref,
          amount: 15,
          reason: 'chargeback',
          key: 'cb-1',
          actor: ACTOR,
        }),
      ),
    ).toBe('conflict');
    expect(
      await t.database.prisma.creditLedgerEntry.findUniqueOrThrow({ where: { idempotencyKey: 'admin-revoke:cb-1' } }),
    ).toMatchObject({ kind: 'clawback', delta: -10, debtDelta: 5, actor: ACTOR, reason: 'chargeback' });
    expect(renderText((await chat.command('imagine', 'a cat'))[0])).toContain('Your account owes 5 credits');

    const grant = await admin.grantCredits({ ref, amount: 8, reason: 'goodwill', key: 'gw-1', actor: ACTOR });
    expect(grant).toMatchObject({ applied: true, debtSettled: 5, balance: { available: 3, debt: 0 } });
    expect((await auditOf(id)).map((row) => row.action)).toEqual(['credits.revoke', 'credits.grant']);
    expect(await findLedgerViolations(t.database.prisma)).toEqual([]);
  });

  it('suspends for some hours (generation refused, audited) and lifts it; refuses to lift what is not suspended', async () => {
    const { chat, id, ref } = await onboarded('6004');
    const { until, user } = await admin.suspend({ ref, hours: 48, reason: 'spam', actor: ACTOR });
    expect(until?.getTime()).toBe(t.clock.now().getTime() + 48 * 3_600_000);
    expect(user).toMatchObject({ status: 'suspended', suspendedReason: 'spam' });
    expect(renderText((await chat.command('imagine', 'a cat'))[0])).toContain('Creating is paused on your account');

    expect((await admin.unsuspend({ ref, actor: ACTOR })).user.status).toBe('active');
    expect(await codeOf(admin.unsuspend({ ref, actor: ACTOR }))).toBe('conflict');
    expect(await codeOf(admin.suspend({ ref, hours: 0, reason: 'x', actor: ACTOR }))).toBe('invalid_input');
    const suspensions = await t.database.prisma.suspension.findMany({ where: { userId: id } });
    expect(suspensions.map((row) => [row.reason, row.category, row.liftedBy])).toEqual([['spam', 'admin', ACTOR]]);
    expect((await auditOf(id)).map((row) => [row.actor, row.action])).toEqual([
      [ACTOR, 'account.suspend'],
      [ACTOR, 'account.unsuspend'],
    ]);

    await t.database.prisma.user.update({ where: { id }, data: { status: 'deleted' } });
    expect(await codeOf(admin.suspend({ ref, hours: undefined, reason: 'x', actor: ACTOR }))).toBe('conflict');
    expect(await codeOf(admin.unsuspend({ ref, actor: ACTOR }))).toBe('conflict');
    expect(await codeOf(admin.grantCredits({ ref, amount: 1, reason: 'x', key: 'deleted', actor: ACTOR }))).toBe(
      'conflict',
    );
    expect((await t.database.prisma.user.findUniqueOrThrow({ where: { id } })).status).toBe('deleted');
  });

  it('shows moderation events and suspensions, newest first, limited', async () => {
    const { id, ref } = await onboarded('6005');
    for (const [index, verdict] of (['allowed', 'blocked', 'blocked'] as const).entries()) {
      await t.database.prisma.moderationEvent.create({
        data: {
          userId: id,
          stage: 'local',
          verdict,
          categories: verdict === 'blocked' ? ['violence'] : [],
          prompt: `prompt ${index}`,
          createdAt: new Date(Date.now() + index * 1000),
        },
      });
    }
    await admin.suspend({ ref, hours: undefined, reason: 'strikes', actor: ACTOR });
    const view = await admin.viewModeration({ ref, limit: 2, actor: ACTOR });
    expect(view.events.map((event) => [event.prompt, event.verdict, event.categories])).toEqual([
      ['prompt 2', 'blocked', ['violence']],
      ['prompt 1', 'blocked', ['violence']],
    ]);
    expect(view.suspensions.map((row) => [row.reason, row.endsAt, row.liftedAt])).toEqual([['strikes', null, null]]);
    expect((await auditOf(id)).map((row) => row.action)).toContain('admin.view_moderation');
  });

  it('refunds a Stars payment through the Bot API, claws the credits back once, and audits it', async () => {
    const { id, ref } = await onboarded('6006');
    telegram.successfulPaymentUpdate({
      fromId: 6006,
      payload: `pack:starter:${id}`,
      total_amount: 250,
      telegram_payment_charge_id: 'stxAdmin-6006',
    });
    await t.core.payments.applyStarsPayment({
      payload: `pack:starter:${id}`,
      chargeId: 'stxAdmin-6006',
      currency: 'XTR',
      totalAmount: 250,
      platformUserId: '6006',
    });
    await admin.grantCredits({ ref, amount: 1, reason: 'x', key: 'pre-refund', actor: ACTOR });
    expect(await available(id)).toBe(61);

    const result = await admin.refundPayment({ ref: 'stxAdmin-6006', actor: ACTOR });
    expect(result).toMatchObject({ provider: 'telegram_stars', outcome: 'refunded', userId: id, credits: 50 });
    expect(telegram.callsOf('refundStarPayment').map((call) => [call.status, call.params])).toEqual([
      [200, { user_id: 6006, telegram_payment_charge_id: 'stxAdmin-6006' }],
    ]);
    expect(await available(id)).toBe(11);
    expect(await t.database.prisma.payment.findFirstOrThrow({ where: { externalId: 'stxAdmin-6006' } })).toMatchObject({
      status: 'refunded',
      refundedAmount: 250,
    });
    expect(
      await t.database.prisma.creditLedgerEntry.findUniqueOrThrow({
        where: { idempotencyKey: 'stars-refund:stxAdmin-6006' },
      }),
    ).toMatchObject({ kind: 'clawback', delta: -50, actor: ACTOR });
    expect((await auditOf(id)).filter((row) => row.action === 'payment.refund')).toEqual([
      { actor: ACTOR, action: 'payment.refund', details: { provider: 'telegram_stars', chargeId: 'stxAdmin-6006' } },
    ]);

    expect((await admin.refundPayment({ ref: result.paymentId, actor: ACTOR })).outcome).toBe('already_refunded');
    expect(telegram.callsOf('refundStarPayment')).toHaveLength(1);
    expect(await findLedgerViolations(t.database.prisma)).toEqual([]);
  });

  it('finishes a Stars refund Telegram already made (CHARGE_ALREADY_REFUNDED), and reports what the Bot API refused', async () => {
    const { id } = await onboarded('6007');
    telegram.successfulPaymentUpdate({
      fromId: 6007,
      payload: `pack:starter:${id}`,
      total_amount: 250,
      telegram_payment_charge_id: 'stxTwice-6007',
    });
    await t.core.payments.applyStarsPayment({
      payload: `pack:starter:${id}`,
      chargeId: 'stxTwice-6007',
      currency: 'XTR',
      totalAmount: 250,
      platformUserId: '6007',
    });
    const refunds = createBotApiStarsRefunds({ token: BOT_TOKEN, apiRoot: telegram.apiRoot });
    await refunds.refund('6007', 'stxTwice-6007');
    expect((await admin.refundPayment({ ref: 'stxTwice-6007', actor: ACTOR })).outcome).toBe('refunded');
    expect(await available(id)).toBe(10);

    const refused = await refunds.refund('6007', 'stxUnknown').then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(BotApiError);
    expect(refused).toMatchObject({
      method: 'refundStarPayment',
      errorCode: 400,
      description: 'Bad Request: CHARGE_NOT_FOUND',
    });
    expect(String((refused as Error).message)).not.toContain(BOT_TOKEN);
  });

  it('asks Stripe to refund a card payment once (idempotency key per payment); the webhook does the clawback', async () => {
    const { id } = await onboarded('6008');
    const session = await stripe.checkout.sessions.create({
      mode: 'payment',
      success_url: 'https://imagine.example/ok',
      line_items: [
        { quantity: 1, price_data: { currency: 'usd', unit_amount: 499, product_data: { name: '50 credits' } } },
      ],
    });
    await stripeFake.completeCheckout(session.id, { deliver: false });
    const paymentIntent = String((await stripe.checkout.sessions.retrieve(session.id)).payment_intent);
    const payment = await t.database.prisma.payment.create({
      data: {
        userId: id,
        provider: 'stripe',
        externalId: paymentIntent,
        amount: 499,
        currency: 'usd',
        credits: 50,
        status: 'succeeded',
        details: { paymentIntentId: paymentIntent },
      },
    });

    const first = await admin.refundPayment({ ref: payment.id, actor: ACTOR });
    expect(first).toMatchObject({ provider: 'stripe', outcome: 'requested' });
    expect(first.stripeRefundId).toMatch(/^re_/);
    const second = await admin.refundPayment({ ref: paymentIntent, actor: ACTOR });
    expect(second.stripeRefundId).toBe(first.stripeRefundId);
    expect([...stripeFake.refunds.values()].map((refund) => [refund.id, refund.amount, refund.payment_intent])).toEqual(
      [[first.stripeRefundId, 499, paymentIntent]],
    );
    expect(await available(id)).toBe(10);
    expect((await auditOf(id)).filter((row) => row.action === 'payment.refund_requested')[0]).toEqual({
      actor: ACTOR,
      action: 'payment.refund_requested',
      details: { provider: 'stripe', paymentId: payment.id, paymentIntent, refundId: first.stripeRefundId },
    });
  });

  it('refuses refunds it cannot make, saying why, and changes nothing', async () => {
    const { id } = await onboarded('6009');
    const stars = await t.database.prisma.payment.create({
      data: {
        userId: id,
        provider: 'telegram_stars',
        externalId: 'stxNoBot-6009',
        amount: 250,
        currency: 'XTR',
        credits: 50,
        status: 'succeeded',
        details: { platformUserId: '6009' },
      },
    });
    const card = await t.database.prisma.payment.create({
      data: {
        userId: id,
        provider: 'stripe',
        externalId: 'cs_test_nointent',
        amount: 499,
        currency: 'usd',
        credits: 50,
        status: 'succeeded',
      },
    });
    const pending = await t.database.prisma.payment.create({
      data: {
        userId: id,
        provider: 'stripe',
        externalId: 'pi_pending',
        amount: 499,
        currency: 'usd',
        credits: 50,
        status: 'pending',
      },
    });
    const unconfigured = createAdmin(t.deps);
    expect(await codeOf(unconfigured.refundPayment({ ref: stars.id, actor: ACTOR }))).toBe('payments_unavailable');
    expect(await codeOf(unconfigured.refundPayment({ ref: card.id, actor: ACTOR }))).toBe('payments_unavailable');
    expect(await codeOf(admin.refundPayment({ ref: card.id, actor: ACTOR }))).toBe('conflict');
    expect(await codeOf(admin.refundPayment({ ref: pending.externalId, actor: ACTOR }))).toBe('conflict');
    expect(await codeOf(admin.refundPayment({ ref: 'pi_does_not_exist', actor: ACTOR }))).toBe('not_found');
    expect(
      (await t.database.prisma.payment.findMany({ where: { userId: id } })).map((row) => row.status).sort(),
    ).toEqual(['pending', 'succeeded', 'succeeded']);
    expect(await available(id)).toBe(10);
  });

  it('computes stats for the last 24 hours and all time from the ledger, reservations and payments', async () => {
    const fresh = await createTestCore({ startWorker: true });
    try {
      const freshAdmin = createAdmin(fresh.deps);
      const chat = new ChatUser(fresh, '6100');
      await chat.onboard();
      const replies = await chat.command('imagine', 'a quiet harbour');
      const generationId = replies[0]?.type === 'status' ? replies[0].generationId : '';
      await fresh.notifier.waitFor((delivery) =>
        delivery.replies.some((reply) => reply.type === 'media' && reply.generationId === generationId),
      );
      const identity = await fresh.database.prisma.identity.findUniqueOrThrow({
        where: { provider_subject: { provider: 'telegram', subject: '6100' } },
      });
      await fresh.core.payments.applyStarsPayment({
        payload: `pack:starter:${identity.userId}`,
        chargeId: 'stxStats',
        currency: 'XTR',
        totalAmount: 250,
        platformUserId: '6100',
      });
      await fresh.database.prisma.user.create({
        data: { createdAt: new Date(Date.now() - 3 * 86_400_000), status: 'suspended' },
      });
      await freshAdmin.revokeCredits({
        ref: { kind: 'id', id: identity.userId },
        amount: 4,
        reason: 'test',
        key: 'stats-revoke',
        actor: ACTOR,
      });

      const stats = await freshAdmin.stats({ actor: ACTOR });
      expect(stats.allTime.users).toEqual({ active: 1, suspended: 1, deleted: 0 });
      expect(stats.last24h.users).toEqual({ active: 1, suspended: 0, deleted: 0 });
      expect(stats.allTime.generations).toMatchObject({ succeeded: 1, failed: 0, queued: 0 });
      expect(stats.allTime).toMatchObject({
        creditsSold: 50,
        creditsSpent: 1,
        creditsClawedBack: 4,
        payments: { telegram_stars: 1 },
      });
      expect(stats.last24h).toMatchObject({ creditsSold: 50, creditsSpent: 1, creditsClawedBack: 4 });
      expect(await fresh.database.prisma.auditLog.count({ where: { action: 'admin.stats', actor: ACTOR } })).toBe(1);
    } finally {
      await fresh.close();
    }
  });
});
