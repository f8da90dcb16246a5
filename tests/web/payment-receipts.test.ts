import fs from 'node:fs/promises';
import path from 'node:path';
import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatDate } from '#core';
import { retryPaymentReceipts } from '#core/payments/retry-payment-receipts';
import { ChatUser } from '#tests/support/chat-driver';
import { findLedgerViolations } from '#tests/support/ledger-invariants';
import { readOutbox } from '#tests/web/support/outbox';
import { readZip } from '#tests/web/support/read-zip';
import type { WebClient } from '#tests/web/support/web-client';
import { startWebHarness, type WebHarness } from '#tests/web/support/web-harness';

const PASSWORD = 'correct horse battery';

describe('payment receipts for card payments (Stripe)', () => {
  let h: WebHarness;
  let stripe: NonNullable<WebHarness['stripe']>;
  let counter = 0;

  beforeAll(async () => {
    h = await startWebHarness({ stripe: true });
    stripe = h.stripe as NonNullable<WebHarness['stripe']>;
  });
  afterAll(async () => {
    expect(await findLedgerViolations(h.t.database.prisma)).toEqual([]);
    expect(stripe.handlerErrors).toEqual([]);
    await h.close();
  });

  async function signUp(locale = 'en'): Promise<{ client: WebClient; userId: string; email: string }> {
    counter += 1;
    const email = `receipt${counter}@example.com`;
    const client = h.client();
    await client.get('/register');
    const response = await client.post('/register', {
      email,
      password: PASSWORD,
      displayName: `Buyer ${counter}`,
      age: 'yes',
      terms: 'yes',
    });
    expect(response.status).toBe(303);
    const user = await h.t.database.prisma.user.update({ where: { email }, data: { locale } });
    return { client, userId: user.id, email };
  }

  async function startCheckout(client: WebClient, kind: 'pack' | 'plan', product: string): Promise<string> {
    await client.get('/pricing');
    const response = await client.post('/checkout', { kind, product, currency: 'usd' });
    expect(response.status, response.text).toBe(303);
    return /\/checkout\/(cs_test_\w+)$/.exec(response.location ?? '')?.[1] ?? '';
  }

  const receiptsTo = async (email: string) =>
    (await readOutbox(h.t.dataDir)).filter((mail) => mail.to.includes(email) && mail.text.includes('/account'));

  it('mails one receipt after a pack is paid, however often and concurrently the webhook arrives', async () => {
    const { client, email } = await signUp();
    const sessionId = await startCheckout(client, 'pack', 'starter');
    const [completed] = await stripe.completeCheckout(sessionId);
    await Promise.all([
      stripe.deliver(completed as Stripe.Event, { times: 2 }),
      stripe.deliver(completed as Stripe.Event),
    ]);
    const receipts = await receiptsTo(email);
    expect(receipts).toHaveLength(1);
    const [mail] = receipts;
    expect(mail?.subject).toBe('Your receipt: 50 credits');
    for (const line of ['Product: 50 credits pack', 'Amount paid: $4.99', 'Credits added: 50', `${h.baseUrl}/account`])
      expect(mail?.text).toContain(line);
    expect(mail?.text).not.toContain('Next renewal');
    expect(mail?.text).not.toMatch(/\bstarter\b/);
    expect(mail?.html).toMatch(/<th[^>]*>Amount paid<\/th><td[^>]*>\$4\.99<\/td>/);
    expect(mail?.html).toMatch(/<th[^>]*>Credits added<\/th><td[^>]*>50<\/td>/);
    expect(mail?.html).toContain(`<a href="${h.baseUrl}/account"`);
    expect(mail?.html).not.toMatch(/\bstarter\b/);

    await client.get('/account/privacy');
    const asked = await client.post('/account/privacy/export');
    const data = JSON.parse(
      readZip((await client.get(asked.location ?? '')).body)
        .get('data.json')
        ?.toString() ?? '{}',
    ) as {
      payments: { amount: number; receipt: { sentAt: string | null; attempts: number } | null }[];
    };
    expect(data.payments).toHaveLength(1);
    expect(data.payments[0]?.receipt?.sentAt).not.toBeNull();
    expect(data.payments[0]?.receipt?.attempts).toBe(1);
  });

  it('mails a receipt in Chinese for a plan’s first payment and for each renewal, with the next renewal date', async () => {
    const { client, userId, email } = await signUp('zh-CN');
    const sessionId = await startCheckout(client, 'plan', 'plus');
    await stripe.completeCheckout(sessionId);
    const first = await receiptsTo(email);
    expect(first).toHaveLength(1);
    const subscription = await h.t.database.prisma.subscription.findFirstOrThrow({ where: { userId } });
    const firstEnd = formatDate('zh-CN', subscription.currentPeriodEnd ?? new Date(0));
    expect(first[0]?.subject).toBe('你的收据：300 积分');
    for (const line of ['商品：进阶套餐', '付款金额：US$9.99', '到账积分：300', `下次续费：${firstEnd}`])
      expect(first[0]?.text).toContain(line);
    expect(first[0]?.html).toContain('<html lang="zh-CN">');
    expect(first[0]?.html).toContain('进阶套餐');
    expect(first[0]?.html).toContain(firstEnd);
    expect(`${first[0]?.text}${first[0]?.html}`).not.toMatch(/\bplus\b/);

    const [renewal] = await stripe.renewSubscription(subscription.stripeSubscriptionId);
    await stripe.deliver(renewal as Stripe.Event, { times: 2 });
    const all = await receiptsTo(email);
    expect(all).toHaveLength(2);
    const renewed = await h.t.database.prisma.subscription.findFirstOrThrow({ where: { userId } });
    expect(all[1]?.text).toContain(`下次续费：${formatDate('zh-CN', renewed.currentPeriodEnd ?? new Date(0))}`);
    expect(renewed.currentPeriodEnd?.getTime()).toBeGreaterThan(subscription.currentPeriodEnd?.getTime() ?? 0);
  });

  it('mails nothing for a chat account without an email address', async () => {
    const chat = new ChatUser(h.t, '7301');
    await chat.onboard();
    const { userId } = await h.t.database.prisma.identity.findUniqueOrThrow({
      where: { provider_subject: { provider: 'telegram', subject: '7301' } },
    });
    const token = new URL(h.t.core.billing.createPricingUrl(userId)).searchParams.get('t') ?? '';
    const browser = h.client();
    await browser.get(`/pricing?t=${token}`);
    const response = await browser.post('/checkout', { kind: 'pack', product: 'starter', currency: 'usd', t: token });
    const before = (await readOutbox(h.t.dataDir)).length;
    await stripe.completeCheckout(/\/checkout\/(cs_test_\w+)$/.exec(response.location ?? '')?.[1] ?? '');
    const payment = await h.t.database.prisma.payment.findFirstOrThrow({ where: { userId } });
    expect(payment.credits).toBe(50);
    expect(await h.t.database.prisma.paymentReceipt.count({ where: { paymentId: payment.id } })).toBe(0);
    expect((await readOutbox(h.t.dataDir)).length).toBe(before);
  });

  it('credits even when the mail fails, and sends the receipt once on a later try', async () => {
    const { client, userId, email } = await signUp();
    const sessionId = await startCheckout(client, 'pack', 'creator');
    const outbox = path.join(h.t.dataDir, 'outbox');
    const parked = path.join(h.t.dataDir, 'outbox-parked');
    await fs.rename(outbox, parked);
    await fs.writeFile(outbox, 'not a directory');
    try {
      await stripe.completeCheckout(sessionId);
      expect(stripe.deliveries.at(-1)?.status).toBe(200);
    } finally {
      await fs.rm(outbox);
      await fs.rename(parked, outbox);
    }
    const payment = await h.t.database.prisma.payment.findFirstOrThrow({ where: { userId } });
    expect(payment).toMatchObject({ credits: 150, status: 'succeeded' });
    const failed = await h.t.database.prisma.paymentReceipt.findUniqueOrThrow({ where: { paymentId: payment.id } });
    expect(failed).toMatchObject({ sentAt: null, attempts: 1 });
    expect(failed.lastError).toContain('outbox');
    expect(await receiptsTo(email)).toEqual([]);

    expect(await retryPaymentReceipts(h.t.deps)).toBe(0);
    h.t.clock.advance(2 * 60_000);
    expect(await retryPaymentReceipts(h.t.deps)).toBe(1);
    expect(await retryPaymentReceipts(h.t.deps)).toBe(0);
    const receipts = await receiptsTo(email);
    expect(receipts).toHaveLength(1);
    expect(receipts[0]?.text).toContain('Amount paid: $11.99');
    expect(receipts[0]?.text).toContain('Product: 150 credits pack');
  });
});
