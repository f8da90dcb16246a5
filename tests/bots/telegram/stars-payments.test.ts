import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  balanceOf,
  onboard,
  pressButton,
  sendText,
  startTelegramHarness,
  waitForText,
  waitUntil,
  type TelegramHarness,
} from '#tests/bots/telegram/support/telegram-harness';

describe('Telegram Stars purchases', () => {
  let h: TelegramHarness;

  beforeAll(async () => {
    h = await startTelegramHarness({ mode: 'polling' });
  });
  afterAll(async () => {
    await h?.close();
  });

  async function buyStarterInvoice(user: number, languageCode = 'en'): Promise<string> {
    const { fake } = h;
    sendText(fake, { fromId: user, text: '/buy', languageCode });
    await pressButton(fake, { chatId: user, fromId: user, label: /^50 .* 250 ⭐$/, languageCode });
    const invoice = await fake.waitForCall('sendInvoice', (call) => call.params.chat_id === user);
    expect(invoice.status).toBe(200);
    return String(invoice.params.payload);
  }

  it('sends an XTR invoice, answers pre-checkout, and credits once when successful_payment arrives twice', async () => {
    const { fake, t } = h;
    const user = 7101;
    await onboard(fake, user);
    const payload = await buyStarterInvoice(user);
    const invoice = fake.callsOf('sendInvoice').find((call) => call.params.chat_id === user);
    expect(invoice?.params).toMatchObject({
      title: '50 credits',
      currency: 'XTR',
      provider_token: '',
      prices: [{ label: '50 credits', amount: 250 }],
    });
    expect(payload).toMatch(/^pack:starter:[0-9a-f-]{36}$/);

    const query = fake.pushUpdate(fake.preCheckoutUpdate({ fromId: user, payload, total_amount: 250 }));
    const answer = await fake.waitForCall(
      'answerPreCheckoutQuery',
      (call) => call.params.pre_checkout_query_id === query.pre_checkout_query?.id,
    );
    expect(answer.params).toMatchObject({ ok: true });
    expect(answer.status).toBe(200);

    const payment = {
      chatId: user,
      fromId: user,
      payload,
      total_amount: 250,
      telegram_payment_charge_id: 'stxCharge-7101',
    };
    fake.pushUpdate(fake.successfulPaymentUpdate(payment));
    fake.pushUpdate(fake.successfulPaymentUpdate(payment));
    await waitForText(fake, user, 'Payment received: 50 credits added. Balance: 60.');
    await waitUntil(
      () =>
        fake.calls.filter(
          (call) => call.params.chat_id === user && String(call.params.text).startsWith('Payment received'),
        ).length === 2
          ? true
          : undefined,
      () => 'both deliveries answered',
    );

    expect(await balanceOf(t, user)).toBe(60);
    const payments = await t.database.prisma.payment.findMany({
      where: { provider: 'telegram_stars', externalId: 'stxCharge-7101' },
    });
    expect(payments.map((row) => [row.amount, row.currency, row.credits, row.status])).toEqual([
      [250, 'XTR', 50, 'succeeded'],
    ]);
    expect(await t.database.prisma.creditLedgerEntry.count({ where: { idempotencyKey: 'stars:stxCharge-7101' } })).toBe(
      1,
    );

    const outcome = await t.core.payments.refundStarsPayment(h.telegram.refunds, {
      chargeId: 'stxCharge-7101',
      actor: 'admin:test',
    });
    expect(outcome).toBe('refunded');
    const refund = await fake.waitForCall('refundStarPayment');
    expect(refund.params).toMatchObject({ user_id: user, telegram_payment_charge_id: 'stxCharge-7101' });
    expect(refund.status).toBe(200);
    expect(await balanceOf(t, user)).toBe(10);
  });

  it('rewards an invitation from a /start ref_ deep link at the first Stars purchase, once, and takes it back with the refund', async () => {
    const { fake, t } = h;
    const inviter = 7201;
    const invitee = 7202;
    await onboard(fake, inviter);
    sendText(fake, { fromId: inviter, text: '/balance' });
    const balance = await waitForText(fake, inviter, /t\.me\/imagine_test_bot\?start=ref_[a-z0-9]+/);
    const code = /start=ref_([a-z0-9]+)/.exec(String(balance.params.text))?.[1] ?? '';

    sendText(fake, { fromId: invitee, text: `/start ref_${code}` });
    await waitForText(
      fake,
      invitee,
      'Invitation accepted. On your first purchase you get 15 extra credits, and the friend who invited you gets 25.',
    );
    await waitForText(fake, invitee, 'You get 10 free credits once you accept the terms.');
    await onboard(fake, invitee);
    const payload = await buyStarterInvoice(invitee);
    const payment = {
      chatId: invitee,
      fromId: invitee,
      payload,
      total_amount: 250,
      telegram_payment_charge_id: 'stxCharge-7202',
    };
    fake.pushUpdate(fake.successfulPaymentUpdate(payment));
    fake.pushUpdate(fake.successfulPaymentUpdate(payment));
    await waitUntil(
      () =>
        fake.calls.filter(
          (call) => call.params.chat_id === invitee && String(call.params.text).startsWith('Payment received'),
        ).length === 2
          ? true
          : undefined,
      () => 'both deliveries answered',
    );
    expect(await balanceOf(t, invitee)).toBe(10 + 50 + 15);
    expect(await balanceOf(t, inviter)).toBe(10 + 25);
    expect(
      await t.database.prisma.creditLedgerEntry.count({ where: { idempotencyKey: { startsWith: 'referral:' } } }),
    ).toBe(2);

    expect(
      await t.core.payments.refundStarsPayment(h.telegram.refunds, { chargeId: 'stxCharge-7202', actor: 'admin:test' }),
    ).toBe('refunded');
    expect(await balanceOf(t, invitee)).toBe(10);
    expect(await balanceOf(t, inviter)).toBe(10);
    expect(
      await t.database.prisma.creditLedgerEntry.count({
        where: { idempotencyKey: { startsWith: 'referral-clawback:' } },
      }),
    ).toBe(2);
  });

  it("refuses a pre-checkout query that does not match the invoice, with the reason in the payer's language", async () => {
    const { fake } = h;
    const user = 7102;
    await onboard(fake, user, 'zh-hans');
    const payload = await buyStarterInvoice(user, 'zh-hans');

    const wrongAmount = fake.pushUpdate(
      fake.preCheckoutUpdate({ fromId: user, payload, total_amount: 1, languageCode: 'zh-hans' }),
    );
    const refused = await fake.waitForCall(
      'answerPreCheckoutQuery',
      (call) => call.params.pre_checkout_query_id === wrongAmount.pre_checkout_query?.id,
    );
    expect(refused.params).toMatchObject({ ok: false, error_message: '该商品不存在。' });
    expect(refused.status).toBe(200);

    const otherPayer = fake.pushUpdate(
      fake.preCheckoutUpdate({ fromId: 7103, payload, total_amount: 250, languageCode: 'en' }),
    );
    const forbidden = await fake.waitForCall(
      'answerPreCheckoutQuery',
      (call) => call.params.pre_checkout_query_id === otherPayer.pre_checkout_query?.id,
    );
    expect(forbidden.params).toMatchObject({ ok: false, error_message: 'You are not allowed to do that.' });
  });

  it("credits nothing for a successful_payment that is not the pack's Stars price, says so, and holds it for review once", async () => {
    const { fake, t } = h;
    const user = 7103;
    await onboard(fake, user);
    const payload = (await buyStarterInvoice(user)).replace('pack:starter:', 'pack:studio:');
    const payment = {
      chatId: user,
      fromId: user,
      payload,
      total_amount: 250,
      telegram_payment_charge_id: 'stxCharge-7103',
    };
    fake.pushUpdate(fake.successfulPaymentUpdate(payment));
    fake.pushUpdate(fake.successfulPaymentUpdate(payment));
    await waitUntil(
      () =>
        fake.calls.filter(
          (call) => call.params.chat_id === user && String(call.params.text).startsWith('Payment received, but'),
        ).length === 2
          ? true
          : undefined,
      () => 'both deliveries answered',
    );
    expect(await balanceOf(t, user)).toBe(10);
    expect(await t.database.prisma.payment.count({ where: { externalId: 'stxCharge-7103' } })).toBe(0);
    const reviews = await t.database.prisma.paymentReview.findMany({
      where: { provider: 'telegram_stars', objectId: 'stxCharge-7103' },
    });
    expect(reviews.map((row) => [row.productId, row.expectedAmount, row.paidAmount, row.reason])).toEqual([
      ['studio', 1750, 250, 'amount_mismatch'],
    ]);
  });

  it('answers /paysupport', async () => {
    sendText(h.fake, { fromId: 7104, text: '/paysupport' });
    await waitForText(h.fake, 7104, 'For help with a payment, write to');
  });
});
