import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getBalance } from '#core/credits/get-balance';
import { captureReservation } from '#core/credits/settle-reservation';
import { reserveCredits } from '#core/credits/reserve-credits';
import { ChatUser } from '#tests/support/chat-driver';
import { findLedgerViolations } from '#tests/support/ledger-invariants';
import { startWebHarness, type WebHarness } from '#tests/web/support/web-harness';
import { pageText, type WebClient } from '#tests/web/support/web-client';

const PASSWORD = 'correct horse battery';
const DAY_MS = 86_400_000;

describe('billing: pricing, Stripe Checkout, webhooks, refunds, disputes, plans', () => {
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

  async function signUp(): Promise<{ client: WebClient; userId: string; email: string }> {
    counter += 1;
    const email = `buyer${counter}@example.com`;
    const client = h.client();
    await client.get('/register');
    expect(
      (
        await client.post('/register', {
          email,
          password: PASSWORD,
          displayName: `Buyer ${counter}`,
          age: 'yes',
          terms: 'yes',
        })
      ).status,
    ).toBe(303);
    const user = await h.t.database.prisma.user.findUniqueOrThrow({ where: { email } });
    return { client, userId: user.id, email };
  }

  async function startCheckout(
    client: WebClient,
    kind: 'pack' | 'plan',
    product: string,
    extra: Record<string, string> = {},
  ): Promise<string> {
    await client.get('/pricing');
    const response = await client.post('/checkout', { kind, product, currency: 'usd', ...extra });
    expect(response.status, response.text).toBe(303);
    const sessionId = /\/checkout\/(cs_test_\w+)$/.exec(response.location ?? '')?.[1];
    expect(response.location?.startsWith(stripe.url)).toBe(true);
    return sessionId ?? '';
  }

  const balanceOf = async (userId: string) =>
    (await getBalance(h.t.database.prisma, userId, h.t.clock.now())).available;
  const processedCount = () => h.t.database.prisma.processedWebhookEvent.count();

  async function chargeOf(userId: string, productId: string): Promise<string> {
    const payment = await h.t.database.prisma.payment.findFirstOrThrow({
      where: { userId, productId },
      orderBy: { createdAt: 'desc' },
    });
    return String(stripe.paymentIntents.get(payment.externalId)?.latest_charge);
  }

  it('shows every pack and plan with its price before paying, with buy buttons only for a buyer', async () => {
    const anonymous = await h.client().get('/pricing');
    const text = pageText(anonymous.text);
    for (const price of ['$4.99', '$11.99', '$34.99', '$9.99 per month', '$24.99 per month'])
      expect(text).toContain(price);
    expect(text).toContain('50 credits');
    expect(text).toContain('Sign in to buy');
    expect(anonymous.text).not.toContain('action="/checkout"');
    const { client } = await signUp();
    expect((await client.get('/pricing')).text).toContain('action="/checkout"');
    const zh = pageText((await h.client({ 'accept-language': 'zh-CN' }).get('/pricing')).text);
    expect(zh).toContain('积分包');
    expect(zh).toContain('US$4.99');
  });

  it('sells a pack through Checkout with the catalog price and credits it once when the webhook arrives, however often', async () => {
    const { client, userId } = await signUp();
    const sessionId = await startCheckout(client, 'pack', 'starter');
    const created = await stripe.waitForRequest(
      (request) => request.method === 'POST' && request.path === '/v1/checkout/sessions',
    );
    expect(created.body).toMatchObject({
      mode: 'payment',
      line_items: [{ price_data: { currency: 'usd', unit_amount: '499' } }],
      metadata: { userId, packId: 'starter' },
    });
    const customer = await h.t.database.prisma.stripeCustomer.findUniqueOrThrow({ where: { userId } });
    expect(stripe.customers.get(customer.customerId)?.metadata).toEqual({ userId });
    expect(await balanceOf(userId)).toBe(10);

    const [completed] = await stripe.completeCheckout(sessionId);
    expect(stripe.deliveries.at(-1)?.status).toBe(200);
    expect(await balanceOf(userId)).toBe(60);
    const payment = await h.t.database.prisma.payment.findFirstOrThrow({ where: { userId } });
    expect(payment).toMatchObject({
      provider: 'stripe',
      amount: 499,
      currency: 'usd',
      credits: 50,
      status: 'succeeded',
      productId: 'starter',
    });
    const grant = await h.t.database.prisma.creditLedgerEntry.findUniqueOrThrow({
      where: { idempotencyKey: `stripe:checkout:${sessionId}` },
    });
    expect(grant).toMatchObject({ kind: 'grant', delta: 50, paymentId: payment.id });
    const lot = await h.t.database.prisma.creditLot.findUniqueOrThrow({ where: { id: grant.lotId ?? '' } });
    expect(Math.abs((lot.expiresAt?.getTime() ?? 0) - (h.t.clock.now().getTime() + 365 * DAY_MS))).toBeLessThan(60_000);

    expect(
      await h.t.database.prisma.processedWebhookEvent.findUnique({
        where: { provider_eventId: { provider: 'stripe', eventId: completed?.id ?? '' } },
      }),
    ).toMatchObject({ type: 'checkout.session.completed' });
    const before = await processedCount();
    const replays = await Promise.all([
      stripe.deliver(completed as Stripe.Event, { times: 2 }),
      stripe.deliver(completed as Stripe.Event),
    ]);
    expect(replays.flat().map((delivery) => delivery.status)).toEqual([200, 200, 200]);
    expect(await balanceOf(userId)).toBe(60);
    expect(await processedCount()).toBe(before);

    const account = pageText((await client.get('/account')).text);
    expect(account).toContain('60 credits');
    expect(account).toContain('$4.99');
    expect(account).toContain('credits added (credit pack)');

    await startCheckout(client, 'pack', 'creator');
    expect(await h.t.database.prisma.stripeCustomer.count({ where: { userId } })).toBe(1);
    expect(stripe.customers.size).toBeGreaterThanOrEqual(1);
  });

  it('rejects forged, unsigned and stale deliveries with 400 and writes nothing; the genuine one still counts', async () => {
    const { client, userId } = await signUp();
    const sessionId = await startCheckout(client, 'pack', 'starter');
    const [event] = await stripe.completeCheckout(sessionId, { deliver: false });
    const before = {
      processed: await processedCount(),
      ledger: await h.t.database.prisma.creditLedgerEntry.count(),
      payments: await h.t.database.prisma.payment.count(),
    };
    for (const options of [
      { signature: 'tampered' as const },
      { signature: 'missing' as const },
      { timestampOffsetSec: -600 },
    ]) {
      const [delivery] = await stripe.deliver(event as Stripe.Event, options);
      expect(delivery?.status).toBe(400);
    }
    const wrongSecret = await fetch(`${h.baseUrl}/stripe/webhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'stripe-signature': 't=1,v1=abc' },
      body: JSON.stringify(event),
    });
    expect(wrongSecret.status).toBe(400);
    expect(await processedCount()).toBe(before.processed);
    expect(await h.t.database.prisma.creditLedgerEntry.count()).toBe(before.ledger);
    expect(await h.t.database.prisma.payment.count()).toBe(before.payments);
    expect(await balanceOf(userId)).toBe(10);
    const [genuine] = await stripe.deliver(event as Stripe.Event);
    expect(genuine?.status).toBe(200);
    expect(await balanceOf(userId)).toBe(60);
  });

  it('shows the return page after paying, and says so when there is no billing account for the portal', async () => {
    const { client } = await signUp();
    const done = await client.get('/checkout/done');
    expect(done.status).toBe(200);
    expect(pageText(done.text)).toContain('Credits appear in your balance within a minute');
    await client.get('/account');
    const portal = await client.post('/account/billing-portal');
    expect(portal.status).toBe(404);
    expect(pageText(portal.text)).toContain('Not found.');
    const cancelled = await client.get('/pricing?checkout=cancelled');
    expect(pageText(cancelled.text)).toContain('Payment cancelled. Nothing was charged.');
  });

  it('answers 200 to event types it does not handle and records nothing', async () => {
    const { client } = await signUp();
    const sessionId = await startCheckout(client, 'pack', 'starter');
    const before = await processedCount();
    await stripe.expireCheckout(sessionId);
    const delivery = stripe.deliveries.at(-1);
    expect(delivery?.event.type).toBe('checkout.session.expired');
    expect(delivery?.status).toBe(200);
    expect(JSON.parse(delivery?.responseBody ?? '{}')).toMatchObject({ outcome: 'ignored' });
    expect(await processedCount()).toBe(before);
  });

  it('lets a chat user buy through the signed /pricing link without signing in; an expired or forged link does not', async () => {
    const chat = new ChatUser(h.t, '7001');
    await chat.onboard();
    const identity = await h.t.database.prisma.identity.findUniqueOrThrow({
      where: { provider_subject: { provider: 'telegram', subject: '7001' } },
    });
    const url = h.t.core.billing.createPricingUrl(identity.userId);
    expect(url).toMatch(new RegExp(`^${h.baseUrl}/pricing\\?t=${identity.userId}\\.\\d+\\.[\\w-]{43}$`));
    const token = new URL(url).searchParams.get('t') ?? '';

    const browser = h.client();
    const page = await browser.get(`/pricing?t=${token}`);
    expect(pageText(page.text)).toContain('You came from a chat');
    const response = await browser.post('/checkout', { kind: 'pack', product: 'starter', currency: 'usd', t: token });
    expect(response.status).toBe(303);
    const sessionId = /\/checkout\/(cs_test_\w+)$/.exec(response.location ?? '')?.[1] ?? '';
    await stripe.completeCheckout(sessionId);
    expect(await balanceOf(identity.userId)).toBe(60);

    const forged = `${token.slice(0, -2)}xx`;
    const stranger = h.client();
    await stranger.get('/login');
    expect((await stranger.post('/checkout', { kind: 'pack', product: 'starter', t: forged })).location).toBe(
      '/login?next=/pricing',
    );
    h.t.clock.advance(31 * 60 * 1000);
    const expired = await h.client().get(`/pricing?t=${token}`);
    expect(expired.status).toBe(400);
    expect(pageText(expired.text)).toContain('has expired');
    expect(expired.text).not.toContain('action="/checkout"');
  });

  it('sells a plan as a subscription: monthly credits expiring at the period end, renewals, the portal, one plan at a time', async () => {
    const { client, userId } = await signUp();
    const sessionId = await startCheckout(client, 'plan', 'plus');
    const created = await stripe.waitForRequest(
      (request) =>
        request.method === 'POST' &&
        request.path === '/v1/checkout/sessions' &&
        (request.body as { mode?: string }).mode === 'subscription',
    );
    expect(created.body).toMatchObject({
      line_items: [{ price_data: { unit_amount: '999', recurring: { interval: 'month' } } }],
      subscription_data: { metadata: { userId, planId: 'plus' } },
    });
    const events = await stripe.completeCheckout(sessionId);
    expect(events.map((event) => event.type)).toEqual([
      'customer.subscription.created',
      'invoice.paid',
      'checkout.session.completed',
    ]);
    expect(await balanceOf(userId)).toBe(310);
    const invoice = (events[1] as Stripe.InvoicePaidEvent).data.object;
    const periodEnd = new Date((invoice.lines.data[0]?.period.end ?? 0) * 1000);
    const grant = await h.t.database.prisma.creditLedgerEntry.findUniqueOrThrow({
      where: { idempotencyKey: `stripe:invoice:${invoice.id}` },
    });
    const lot = await h.t.database.prisma.creditLot.findUniqueOrThrow({ where: { id: grant.lotId ?? '' } });
    expect(lot).toMatchObject({ source: 'plan_period', amount: 300, expiresAt: periodEnd });
    const subscription = await h.t.database.prisma.subscription.findFirstOrThrow({ where: { userId } });
    expect(subscription).toMatchObject({ planId: 'plus', status: 'active', currentPeriodEnd: periodEnd });
    expect(lot.subscriptionId).toBe(subscription.id);

    const account = pageText((await client.get('/account')).text);
    expect(account).toContain('Plus plan (active)');
    expect(account).toContain('Manage plan and payment method');
    const portal = await client.post('/account/billing-portal');
    expect(portal.status).toBe(303);
    expect(portal.location).toMatch(new RegExp(`^${stripe.url}/billing/bps_`));

    await client.get('/pricing');
    const second = await client.post('/checkout', { kind: 'plan', product: 'pro', currency: 'usd' });
    expect(second.status).toBe(409);
    expect(pageText(second.text)).toContain('already have an active plan');

    const [renewal] = await stripe.renewSubscription(subscription.stripeSubscriptionId);
    expect(renewal?.type).toBe('invoice.paid');
    expect(await balanceOf(userId)).toBe(610);
    const renewed = await h.t.database.prisma.subscription.findFirstOrThrow({ where: { userId } });
    expect(renewed.currentPeriodEnd?.getTime()).toBeGreaterThan(periodEnd.getTime());
  });

  it('applies delayed and out-of-order subscription events from Stripe’s current state, crediting once', async () => {
    const { client, userId } = await signUp();
    const sessionId = await startCheckout(client, 'plan', 'pro');
    const [subscriptionCreated, invoicePaid, checkoutCompleted] = (await stripe.completeCheckout(sessionId, {
      deliver: false,
    })) as [Stripe.Event, Stripe.Event, Stripe.Event];
    for (const event of [checkoutCompleted, invoicePaid]) expect((await stripe.deliver(event))[0]?.status).toBe(200);
    expect(await balanceOf(userId)).toBe(1010);
    const row = await h.t.database.prisma.subscription.findFirstOrThrow({ where: { userId } });
    expect(row.status).toBe('active');

    await stripe.cancelSubscription(row.stripeSubscriptionId);
    expect((await h.t.database.prisma.subscription.findFirstOrThrow({ where: { userId } })).status).toBe('canceled');
    expect((await stripe.deliver(subscriptionCreated))[0]?.status).toBe(200);
    expect((await h.t.database.prisma.subscription.findFirstOrThrow({ where: { userId } })).status).toBe('canceled');
    await stripe.deliver(invoicePaid);
    await stripe.deliver(checkoutCompleted);
    expect(await balanceOf(userId)).toBe(1010);
    expect(await h.t.database.prisma.subscription.count({ where: { userId } })).toBe(1);
    const account = pageText((await client.get('/account')).text);
    expect(account).toContain('Pro plan (cancelled)');
    // Payments are named by what was bought, never by the catalog's internal id.
    expect(account).toMatch(/Pro plan \$24\.99 1000 paid/);
    expect(account).not.toMatch(/ pro \$/);
  });

  it('claws back a partial then a full refund in proportion, once each, and marks the payment', async () => {
    const { client, userId } = await signUp();
    await stripe.completeCheckout(await startCheckout(client, 'pack', 'starter'));
    const chargeId = await chargeOf(userId, 'starter');
    const partial = await stripe.refundCharge(chargeId, 250);
    expect(await balanceOf(userId)).toBe(35);
    let payment = await h.t.database.prisma.payment.findFirstOrThrow({ where: { userId } });
    expect(payment).toMatchObject({ status: 'partially_refunded', refundedAmount: 250 });
    await stripe.deliver(partial, { times: 2 });
    expect(await balanceOf(userId)).toBe(35);
    await stripe.refundCharge(chargeId);
    expect(await balanceOf(userId)).toBe(10);
    payment = await h.t.database.prisma.payment.findFirstOrThrow({ where: { userId } });
    expect(payment).toMatchObject({ status: 'refunded', refundedAmount: 499 });
    await stripe.deliver(partial);
    expect(await balanceOf(userId)).toBe(10);
    const clawbacks = await h.t.database.prisma.creditLedgerEntry.findMany({
      where: { userId, kind: 'clawback' },
      orderBy: { id: 'asc' },
    });
    expect(clawbacks.map((entry) => entry.delta)).toEqual([-25, -25]);
    expect(pageText((await client.get('/account')).text)).toContain('refunded');
  });

  it('turns a dispute over spent credits into a debt the account page shows', async () => {
    const { client, userId } = await signUp();
    await stripe.completeCheckout(await startCheckout(client, 'pack', 'starter'));
    const reservation = await reserveCredits(h.t.database.prisma, {
      userId,
      amount: 55,
      idempotencyKey: `spend:${userId}`,
      expiresAt: new Date(h.t.clock.now().getTime() + DAY_MS),
      now: h.t.clock.now(),
    });
    await captureReservation(h.t.database.prisma, reservation.id);
    expect(await balanceOf(userId)).toBe(5);
    const dispute = await stripe.createDispute(await chargeOf(userId, 'starter'));
    expect(stripe.deliveries.at(-1)?.status).toBe(200);
    await stripe.deliver(dispute);
    const user = await h.t.database.prisma.user.findUniqueOrThrow({ where: { id: userId } });
    expect(user.creditDebt).toBe(45);
    expect(await balanceOf(userId)).toBe(0);
    expect((await h.t.database.prisma.payment.findFirstOrThrow({ where: { userId } })).status).toBe('disputed');
    const page = pageText((await client.get('/account')).text);
    expect(page).toContain('Owed after a refund: 45 credits');
    expect(page).toContain('disputed');
  });

  it('gives back what a dispute took once the dispute is won (its debt first), once; a lost dispute changes nothing', async () => {
    const spendAndDispute = async () => {
      const { client, userId } = await signUp();
      await stripe.completeCheckout(await startCheckout(client, 'pack', 'starter'));
      const reservation = await reserveCredits(h.t.database.prisma, {
        userId,
        amount: 55,
        idempotencyKey: `spend:${userId}`,
        expiresAt: new Date(h.t.clock.now().getTime() + DAY_MS),
        now: h.t.clock.now(),
      });
      await captureReservation(h.t.database.prisma, reservation.id);
      const dispute = (await stripe.createDispute(
        await chargeOf(userId, 'starter'),
      )) as Stripe.ChargeDisputeCreatedEvent;
      expect(await balanceOf(userId)).toBe(0);
      return { client, userId, disputeId: dispute.data.object.id };
    };
    const debtOf = async (userId: string) =>
      (await h.t.database.prisma.user.findUniqueOrThrow({ where: { id: userId } })).creditDebt;

    const winner = await spendAndDispute();
    expect(await debtOf(winner.userId)).toBe(45);
    const won = await stripe.closeDispute(winner.disputeId, 'won');
    expect(stripe.deliveries.at(-1)?.status).toBe(200);
    // The 50 credits the dispute took (5 from the balance, 45 as debt) come back: the debt is settled, 5 remain.
    expect(await debtOf(winner.userId)).toBe(0);
    expect(await balanceOf(winner.userId)).toBe(5);
    await stripe.deliver(won, { times: 2 });
    expect(await balanceOf(winner.userId)).toBe(5);
    const payment = await h.t.database.prisma.payment.findFirstOrThrow({ where: { userId: winner.userId } });
    expect(payment.status).toBe('succeeded');
    expect(payment.details).toMatchObject({ clawedBackCredits: 0 });
    const returned = await h.t.database.prisma.creditLedgerEntry.findMany({
      where: { userId: winner.userId, reason: 'dispute_won' },
    });
    expect(returned.map((entry) => [entry.kind, entry.delta])).toEqual([['grant', 50]]);
    expect(pageText((await winner.client.get('/account')).text)).not.toContain('Owed after a refund');

    const loser = await spendAndDispute();
    await stripe.closeDispute(loser.disputeId, 'lost');
    expect(stripe.deliveries.at(-1)?.status).toBe(200);
    expect(await debtOf(loser.userId)).toBe(45);
    expect(await balanceOf(loser.userId)).toBe(0);
    expect((await h.t.database.prisma.payment.findFirstOrThrow({ where: { userId: loser.userId } })).status).toBe(
      'disputed',
    );
    expect(await findLedgerViolations(h.t.database.prisma)).toEqual([]);
  });
});
