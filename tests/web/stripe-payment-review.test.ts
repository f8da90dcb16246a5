import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getBalance } from '#core/credits/get-balance';
import { ChatUser, renderText } from '#tests/support/chat-driver';
import { findLedgerViolations } from '#tests/support/ledger-invariants';
import { lastLinkTo } from '#tests/web/support/outbox';
import { startWebHarness, type WebHarness } from '#tests/web/support/web-harness';
import { pageText, type WebClient } from '#tests/web/support/web-client';

const PASSWORD = 'correct horse battery';
const ADMIN_EMAIL = 'cashier@example.com';

describe('Stripe credits only what was paid; unknown objects are acknowledged; chat purchases are announced', () => {
  let h: WebHarness;
  let fake: NonNullable<WebHarness['stripe']>;
  let api: Stripe;
  let admin: WebClient;
  let counter = 0;

  beforeAll(async () => {
    h = await startWebHarness({ stripe: true, env: { ADMIN_EMAILS: ADMIN_EMAIL } });
    fake = h.stripe as NonNullable<WebHarness['stripe']>;
    api = new Stripe(fake.apiKey, { ...fake.stripeOptions });
    admin = (await signUp(ADMIN_EMAIL, true)).client;
  });
  afterAll(async () => {
    expect(await findLedgerViolations(h.t.database.prisma)).toEqual([]);
    await h.close();
  });

  const prisma = () => h.t.database.prisma;
  const balanceOf = async (userId: string) => (await getBalance(prisma(), userId, h.t.clock.now())).available;

  async function signUp(
    email = `payer${(counter += 1)}@example.com`,
    verify = false,
  ): Promise<{ client: WebClient; userId: string }> {
    const client = h.client();
    await client.get('/register');
    expect(
      (
        await client.post('/register', {
          email,
          password: PASSWORD,
          displayName: email.split('@')[0] ?? 'x',
          age: 'yes',
          terms: 'yes',
        })
      ).status,
    ).toBe(303);
    if (verify) await client.get((await lastLinkTo(h.t.dataDir, email, '/verify-email/')).url);
    return { client, userId: (await prisma().user.findUniqueOrThrow({ where: { email } })).id };
  }

  /** A session made with our secret key but not by our checkout (as a leaked key, a script or a Payment Link could). */
  async function forgedPackSession(
    userId: string,
    amount: number,
    currency = 'usd',
    metadata: Record<string, string> = { userId, kind: 'pack', packId: 'studio' },
  ): Promise<string> {
    const session = await api.checkout.sessions.create({
      mode: 'payment',
      success_url: `${h.baseUrl}/checkout/done`,
      line_items: [{ price_data: { currency, unit_amount: amount, product_data: { name: 'Anything' } }, quantity: 1 }],
      metadata,
    });
    return session.id;
  }

  const outcomeOf = (delivery: { responseBody: string } | undefined) =>
    (JSON.parse(delivery?.responseBody ?? '{}') as { outcome?: string }).outcome;

  it('credits nothing for a 1-cent session naming the 500-credit pack, holds it for review once, and the admin resolves it (audited)', async () => {
    const { userId } = await signUp();
    const sessionId = await forgedPackSession(userId, 1);
    const [completed] = await fake.completeCheckout(sessionId);
    const delivery = fake.deliveries.at(-1);
    expect(delivery?.status).toBe(200);
    expect(outcomeOf(delivery)).toBe('held_for_review');
    expect(await balanceOf(userId)).toBe(10);
    expect(await prisma().payment.count({ where: { userId } })).toBe(0);
    const review = await prisma().paymentReview.findUniqueOrThrow({
      where: { provider_objectId: { provider: 'stripe', objectId: sessionId } },
    });
    expect(review).toMatchObject({
      userId,
      productKind: 'pack',
      productId: 'studio',
      expectedAmount: 3499,
      expectedCurrency: 'usd',
      paidAmount: 1,
      paidCurrency: 'usd',
      reason: 'amount_mismatch',
      status: 'open',
      eventId: completed?.id,
    });
    expect(
      await prisma().processedWebhookEvent.findUnique({
        where: { provider_eventId: { provider: 'stripe', eventId: completed?.id ?? '' } },
      }),
    ).toMatchObject({ outcome: 'held_for_review', note: 'held_for_review:amount_mismatch' });

    const replays = await fake.deliver(completed as Stripe.Event, { times: 2 });
    expect(replays.map((replay) => replay.status)).toEqual([200, 200]);
    expect(await prisma().paymentReview.count({ where: { objectId: sessionId } })).toBe(1);
    expect(await balanceOf(userId)).toBe(10);

    const page = await admin.get('/admin/payment-reviews');
    expect(page.status).toBe(200);
    const text = pageText(page.text);
    expect(text).toContain(sessionId);
    expect(text).toContain('$34.99');
    expect(text).toContain('$0.01');
    expect(text).toContain('The amount is not the price');
    expect((await h.client().get('/admin/payment-reviews')).status).toBe(404);
    const stranger = (await signUp()).client;
    expect((await stranger.get('/admin/payment-reviews')).status).toBe(404);

    await admin.get('/admin/payment-reviews');
    expect((await admin.post(`/admin/payment-reviews/${review.id}/resolve`, { resolution: '' })).status).toBe(400);
    const resolved = await admin.post(`/admin/payment-reviews/${review.id}/resolve`, {
      resolution: 'refunded in the Dashboard',
    });
    expect(resolved.status).toBe(303);
    expect(resolved.location).toBe('/admin/payment-reviews?done=resolved');
    expect(await prisma().paymentReview.findUniqueOrThrow({ where: { id: review.id } })).toMatchObject({
      status: 'resolved',
      resolution: 'refunded in the Dashboard',
    });
    const again = await admin.post(`/admin/payment-reviews/${review.id}/resolve`, { resolution: 'twice' });
    expect(again.location).toBe('/admin/payment-reviews?done=already_resolved');
    const audit = await prisma().auditLog.findMany({ where: { action: 'payment_review.resolve' } });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      targetUserId: userId,
      details: { reviewId: review.id, objectId: sessionId, resolution: 'refunded in the Dashboard' },
    });
    expect(pageText((await admin.get('/admin/payment-reviews?done=resolved')).text)).toContain(
      'refunded in the Dashboard',
    );
  });

  it('holds a session paid in a currency the pack is not sold in, even at the same number, once under concurrent deliveries', async () => {
    const { userId } = await signUp();
    const sessionId = await forgedPackSession(userId, 3499, 'jpy');
    const [completed] = await fake.completeCheckout(sessionId, { deliver: false });
    const deliveries = (await Promise.all([1, 2, 3].map(() => fake.deliver(completed as Stripe.Event)))).flat();
    expect(deliveries.map((delivery) => delivery.status)).toEqual([200, 200, 200]);
    expect(deliveries.map(outcomeOf).sort()).toEqual(['duplicate', 'duplicate', 'held_for_review']);
    expect(await prisma().paymentReview.count({ where: { objectId: sessionId } })).toBe(1);
    expect(await balanceOf(userId)).toBe(10);
    expect(
      await prisma().paymentReview.findUniqueOrThrow({
        where: { provider_objectId: { provider: 'stripe', objectId: sessionId } },
      }),
    ).toMatchObject({
      reason: 'currency_not_sold',
      paidCurrency: 'jpy',
      expectedAmount: 3499,
      expectedCurrency: 'usd',
    });
  });

  it('gives no plan and no credits to a subscription billed below the plan price; its invoice is held for review', async () => {
    const { userId } = await signUp();
    const metadata = { userId, kind: 'plan', planId: 'pro' };
    const session = await api.checkout.sessions.create({
      mode: 'subscription',
      success_url: `${h.baseUrl}/checkout/done`,
      line_items: [
        {
          price_data: {
            currency: 'usd',
            unit_amount: 100,
            recurring: { interval: 'month' },
            product_data: { name: 'Pro' },
          },
          quantity: 1,
        },
      ],
      metadata,
      subscription_data: { metadata },
    });
    const events = await fake.completeCheckout(session.id);
    expect(events.map((event) => event.type)).toEqual([
      'customer.subscription.created',
      'invoice.paid',
      'checkout.session.completed',
    ]);
    expect(fake.deliveries.slice(-3).map((delivery) => [delivery.status, outcomeOf(delivery)])).toEqual([
      [200, 'ignored'],
      [200, 'held_for_review'],
      [200, 'ignored'],
    ]);
    expect(await balanceOf(userId)).toBe(10);
    expect(await prisma().subscription.count({ where: { userId } })).toBe(0);
    const invoice = (events[1] as Stripe.InvoicePaidEvent).data.object;
    expect(
      await prisma().paymentReview.findUniqueOrThrow({
        where: { provider_objectId: { provider: 'stripe', objectId: invoice.id ?? '' } },
      }),
    ).toMatchObject({ productKind: 'plan', productId: 'pro', expectedAmount: 2499, paidAmount: 100, status: 'open' });
  });

  it('acknowledges events about objects that are not ours, unknown or gone (2xx) and records them as ignored with the reason', async () => {
    const before = await prisma().creditLedgerEntry.count();
    // A session of another integration: no metadata of ours.
    const foreign = await forgedPackSession('', 499, 'usd', {});
    const [foreignCompleted] = await fake.completeCheckout(foreign);
    expect([fake.deliveries.at(-1)?.status, outcomeOf(fake.deliveries.at(-1))]).toEqual([200, 'ignored']);
    // Its refund: a charge with no payment of ours.
    const charge = [...fake.charges.values()].at(-1);
    await fake.refundCharge(charge?.id ?? '');
    expect([
      fake.deliveries.at(-1)?.event.type,
      fake.deliveries.at(-1)?.status,
      outcomeOf(fake.deliveries.at(-1)),
    ]).toEqual(['charge.refunded', 200, 'ignored']);
    // A plan subscription of a customer we do not know.
    const customer = await api.customers.create({ email: 'stranger@example.com' });
    const session = await api.checkout.sessions.create({
      mode: 'subscription',
      customer: customer.id,
      success_url: `${h.baseUrl}/checkout/done`,
      line_items: [
        {
          price_data: {
            currency: 'usd',
            unit_amount: 999,
            recurring: { interval: 'month' },
            product_data: { name: 'Plus' },
          },
          quantity: 1,
        },
      ],
      subscription_data: { metadata: { planId: 'plus' } },
    });
    await fake.completeCheckout(session.id);
    expect(fake.deliveries.slice(-3).map((delivery) => [delivery.status, outcomeOf(delivery)])).toEqual([
      [200, 'ignored'],
      [200, 'ignored'],
      [200, 'ignored'],
    ]);
    // An event about an object Stripe does not have, and one without an object id.
    const gone = {
      ...(foreignCompleted as Stripe.Event),
      id: 'evt_1GoneObjectForTestsAbcdef',
      data: { object: { id: 'cs_test_doesnotexist', object: 'checkout.session' } },
    } as unknown as Stripe.Event;
    const [goneDelivery] = await fake.deliver(gone);
    expect([goneDelivery?.status, outcomeOf(goneDelivery)]).toEqual([200, 'ignored']);
    const noId = {
      ...(foreignCompleted as Stripe.Event),
      id: 'evt_1NoObjectIdForTestsAbcdef',
      data: { object: { object: 'checkout.session' } },
    } as unknown as Stripe.Event;
    const [noIdDelivery] = await fake.deliver(noId);
    expect([noIdDelivery?.status, outcomeOf(noIdDelivery)]).toEqual([200, 'ignored']);

    const marks = await prisma().processedWebhookEvent.findMany({
      where: { eventId: { in: [foreignCompleted?.id ?? '', gone.id, noId.id] } },
    });
    expect(Object.fromEntries(marks.map((mark) => [mark.eventId, [mark.outcome, mark.note]]))).toEqual({
      [foreignCompleted?.id ?? '']: ['ignored', 'checkout_without_our_pack'],
      [gone.id]: ['ignored', 'object_missing_at_stripe'],
      [noId.id]: ['ignored', 'object_without_id'],
    });
    expect(await prisma().creditLedgerEntry.count()).toBe(before);
    const strangersSubscription = fake.checkoutSessions.get(session.id)?.subscription;
    expect(typeof strangersSubscription).toBe('string');
    expect(await prisma().subscription.count({ where: { stripeSubscriptionId: String(strangersSubscription) } })).toBe(
      0,
    );
  });

  it('announces a card purchase started from a chat /buy link in that chat, once, and a web purchase in no chat', async () => {
    const chat = new ChatUser(h.t, '71001', 'zh-CN');
    await chat.onboard();
    const identity = await prisma().identity.findUniqueOrThrow({
      where: { provider_subject: { provider: 'telegram', subject: '71001' } },
    });
    const [menu] = await chat.command('buy');
    const link = menu?.type === 'message' ? (menu.buttons ?? []).flat().find((button) => button.url)?.url : undefined;
    const token = new URL(link ?? 'http://x/').searchParams.get('t') ?? '';
    const browser = h.client();
    await browser.get(`/pricing?t=${token}`);
    const started = await browser.post('/checkout', { kind: 'pack', product: 'starter', currency: 'usd', t: token });
    const sessionId = /\/checkout\/(cs_test_\w+)$/.exec(started.location ?? '')?.[1] ?? '';
    expect(fake.checkoutSessions.get(sessionId)?.metadata).toMatchObject({
      userId: identity.userId,
      packId: 'starter',
      chatPlatform: 'telegram',
      chatId: '71001',
    });

    const sentBefore = h.t.notifier.deliveries.length;
    const [completed] = await fake.completeCheckout(sessionId);
    expect(await balanceOf(identity.userId)).toBe(60);
    const announced = h.t.notifier.deliveries.slice(sentBefore);
    expect(announced).toHaveLength(1);
    expect(announced[0]?.target).toMatchObject({
      platform: 'telegram',
      chatId: '71001',
      platformUserId: '71001',
      locale: 'zh-CN',
    });
    expect(renderText(announced[0]?.replies[0], 'zh-CN')).toBe('已收到付款：到账 50 积分。余额：60。');
    await fake.deliver(completed as Stripe.Event, { times: 2 });
    expect(h.t.notifier.deliveries.length).toBe(sentBefore + 1);

    const { client } = await signUp();
    await client.get('/pricing');
    const web = await client.post('/checkout', { kind: 'pack', product: 'starter', currency: 'usd' });
    await fake.completeCheckout(/\/checkout\/(cs_test_\w+)$/.exec(web.location ?? '')?.[1] ?? '');
    expect(h.t.notifier.deliveries.length).toBe(sentBefore + 1);
  });
});
