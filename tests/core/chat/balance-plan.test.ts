import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChatUser, renderText } from '#tests/support/chat-driver';
import { createTestCore, type TestCore } from '#tests/support/test-core';
import { userIdOf } from '#tests/core/generation/generation-helpers';

const DAY_MS = 86_400_000;

/** /balance names the plan that applies now (the rule admission uses for limits) and when it renews. */
describe('/balance and the current plan', () => {
  let t: TestCore;

  beforeAll(async () => {
    t = await createTestCore({ startWorker: false });
  });

  afterAll(async () => {
    await t?.close();
  });

  async function subscribe(
    platformUserId: string,
    planId: string,
    status: 'active' | 'canceled',
    endsInMs: number,
    key: string,
  ): Promise<Date> {
    const currentPeriodEnd = new Date(t.clock.now().getTime() + endsInMs);
    await t.deps.prisma.subscription.create({
      data: {
        userId: await userIdOf(t.deps.prisma, platformUserId),
        stripeSubscriptionId: key,
        planId,
        status,
        currentPeriodEnd,
      },
    });
    return currentPeriodEnd;
  }

  it('shows the active plan and its renewal date', async () => {
    const user = new ChatUser(t, '8801');
    await user.onboard();
    const renews = await subscribe('8801', 'plus', 'active', 20 * DAY_MS, 'sub_balance_plus');

    const [reply] = await user.command('balance');

    expect(renderText(reply).split('\n')).toContain(`Plus plan, renews ${renews.toISOString().slice(0, 10)}.`);
  });

  it('names no plan for a subscription whose period is over or that was cancelled', async () => {
    const user = new ChatUser(t, '8802');
    await user.onboard();
    await subscribe('8802', 'pro', 'active', -DAY_MS, 'sub_balance_lapsed');
    await subscribe('8802', 'plus', 'canceled', 10 * DAY_MS, 'sub_balance_cancelled');

    const [reply] = await user.command('balance');

    expect(renderText(reply)).not.toContain('Plan:');
    expect(renderText(reply).split('\n')[0]).toBe('Balance: 10 credits.');
  });

  it('says in words where recent credits came from, in the chat’s language, never by ledger reason or pack id', async () => {
    const chat = new ChatUser(t, '6201');
    await chat.onboard();
    const userId = await userIdOf(t.deps.prisma, '6201');
    await t.core.payments.applyStarsPayment({
      payload: `pack:starter:${userId}`,
      chargeId: 'stx-balance-reasons',
      currency: 'XTR',
      totalAmount: 250,
      platformUserId: '6201',
    });
    const text = renderText((await chat.command('balance'))[0]);
    expect(text).toMatch(/\+50 {2}credits added \(credit pack\)/);
    expect(text).toMatch(/\+10 {2}credits added \(welcome credits\)/);
    expect(text).not.toMatch(/\b(starter|signup_bonus|pack:)/);
    const zh = new ChatUser(t, '6201', 'zh-CN');
    expect(renderText((await zh.command('balance'))[0], 'zh-CN')).toMatch(/\+50 {2}积分到账（积分包）/);
  });
});
