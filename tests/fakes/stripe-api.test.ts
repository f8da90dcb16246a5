import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseNestedForm } from '#tests/fakes/http-recorder';
import { FakeStripeApi, STRIPE_API_VERSION } from '#tests/fakes/stripe-api';

/** A stand-in for the app's webhook route: verifies with the real SDK, answers 200 or 400. */
class WebhookReceiver {
  readonly verified: Stripe.Event[] = [];
  readonly rejected: string[] = [];
  private server: Server | undefined;

  constructor(
    private readonly stripe: Stripe,
    private readonly secret: () => string,
  ) {}

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        try {
          const event = this.stripe.webhooks.constructEvent(
            Buffer.concat(chunks),
            req.headers['stripe-signature'] ?? '',
            this.secret(),
          );
          this.verified.push(event);
          res.writeHead(200, { 'content-type': 'application/json' }).end('{"received":true}');
        } catch (error) {
          this.rejected.push(error instanceof Error ? error.message : String(error));
          res.writeHead(400).end('bad signature');
        }
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server?.address() as AddressInfo).port}/webhooks/stripe`;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }
}

describe('FakeStripeApi with the real stripe SDK', () => {
  let fake: FakeStripeApi;
  let stripe: Stripe;
  let receiver: WebhookReceiver;

  beforeEach(async () => {
    fake = await FakeStripeApi.start();
    stripe = new Stripe(fake.apiKey, { ...fake.stripeOptions });
    receiver = new WebhookReceiver(stripe, () => fake.webhookSecret);
    fake.configureWebhook(await receiver.start(), 'whsec_test_secret');
  });

  afterEach(async () => {
    await fake.close();
    await receiver.close();
    expect(fake.handlerErrors).toEqual([]);
  });

  it('parses bracket-nested form bodies the way Stripe encodes them', () => {
    expect(
      parseNestedForm(
        'line_items[0][price_data][unit_amount]=500&line_items[1][price]=price_1&expand[]=a&expand[]=b&metadata[k]=v&mode=payment',
      ),
    ).toEqual({
      line_items: [{ price_data: { unit_amount: '500' } }, { price: 'price_1' }],
      expand: ['a', 'b'],
      metadata: { k: 'v' },
      mode: 'payment',
    });
  });

  async function createPaymentSession(customer?: string): Promise<Stripe.Checkout.Session> {
    return stripe.checkout.sessions.create({
      mode: 'payment',
      ...(customer ? { customer } : {}),
      client_reference_id: 'user-42',
      metadata: { userId: '42', pack: 'credits_100' },
      payment_intent_data: { metadata: { userId: '42' } },
      success_url: 'https://app.example/paid?session={CHECKOUT_SESSION_ID}',
      cancel_url: 'https://app.example/cancel',
      line_items: [
        {
          quantity: 2,
          price_data: { currency: 'usd', unit_amount: 500, product_data: { name: '100 credits' } },
        },
      ],
    });
  }

  it('creates a customer and a checkout session; form fields arrive parsed; retrieve expands line_items', async () => {
    const customer = await stripe.customers.create({ email: 'ada@example.com', metadata: { userId: '42' } });
    expect(customer.id).toMatch(/^cus_/);
    const session = await createPaymentSession(customer.id);

    expect(session.id).toMatch(/^cs_test_/);
    expect(session).toMatchObject({
      object: 'checkout.session',
      mode: 'payment',
      status: 'open',
      payment_status: 'unpaid',
      amount_total: 1000,
      currency: 'usd',
      customer: customer.id,
      client_reference_id: 'user-42',
      metadata: { userId: '42', pack: 'credits_100' },
      url: `${fake.url}/checkout/${session.id}`,
    });
    expect(session.line_items).toBeUndefined();

    const request = await fake.waitForRequest((r) => r.method === 'POST' && r.path === '/v1/checkout/sessions');
    expect(request.body).toMatchObject({
      mode: 'payment',
      line_items: [
        { quantity: '2', price_data: { currency: 'usd', unit_amount: '500', product_data: { name: '100 credits' } } },
      ],
      metadata: { userId: '42' },
    });
    expect(request.headers['stripe-version']).toBe(STRIPE_API_VERSION);

    const retrieved = await stripe.checkout.sessions.retrieve(session.id, {
      expand: ['line_items', 'line_items.data.price.product'],
    });
    const item = retrieved.line_items?.data[0];
    expect(item).toMatchObject({ quantity: 2, amount_total: 1000, description: '100 credits' });
    expect(item?.price?.unit_amount).toBe(500);
    expect((item?.price?.product as Stripe.Product).name).toBe('100 credits');
    const retrieveRequest = await fake.waitForRequest(
      (r) => r.method === 'GET' && r.path === `/v1/checkout/sessions/${session.id}`,
    );
    expect(retrieveRequest.query).toEqual({ expand: ['line_items', 'line_items.data.price.product'] });

    const updated = await stripe.customers.update(customer.id, { name: 'Ada', metadata: { userId: '', plan: 'pro' } });
    expect(updated).toMatchObject({ name: 'Ada', metadata: { plan: 'pro' } });
    expect((await stripe.customers.retrieve(customer.id)) as Stripe.Customer).toMatchObject({
      email: 'ada@example.com',
    });
  });

  it('the hosted page completes the session and a signed checkout.session.completed verifies', async () => {
    const session = await createPaymentSession();

    const page = await fetch(session.url ?? '');
    const html = await page.text();
    expect(html).toContain('Pay');
    expect(html).toContain('100 credits');

    const paid = await fetch(`${fake.url}/checkout/${session.id}/pay`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'email=payer%40example.com',
      redirect: 'manual',
    });
    expect(paid.status).toBe(303);
    expect(paid.headers.get('location')).toBe(`https://app.example/paid?session=${session.id}`);

    expect(receiver.verified).toHaveLength(1);
    const event = receiver.verified[0] as Stripe.CheckoutSessionCompletedEvent;
    expect(event).toMatchObject({
      object: 'event',
      type: 'checkout.session.completed',
      api_version: STRIPE_API_VERSION,
      livemode: false,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
    });
    expect(event.id).toMatch(/^evt_/);
    const completed = event.data.object;
    expect(completed).toMatchObject({
      id: session.id,
      status: 'complete',
      payment_status: 'paid',
      client_reference_id: 'user-42',
      metadata: { userId: '42' },
      customer_details: { email: 'payer@example.com' },
    });

    const intent = await stripe.paymentIntents.retrieve(String(completed.payment_intent));
    expect(intent).toMatchObject({ status: 'succeeded', amount: 1000, metadata: { userId: '42' } });
    const charge = await stripe.charges.retrieve(String(intent.latest_charge));
    expect(charge).toMatchObject({ paid: true, amount: 1000, payment_intent: intent.id });

    expect((await fetch(session.url ?? '')).status).toBe(200);
    expect(fake.deliveries.map((d) => d.status)).toEqual([200]);
  });

  it('forged deliveries fail constructEvent: tampered, missing signature, stale timestamp; duplicates verify', async () => {
    const session = await createPaymentSession();
    const [event] = await fake.completeCheckout(session.id, { deliver: false });
    if (!event) throw new Error('no event');

    const tampered = await fake.deliver(event, { signature: 'tampered' });
    const unsigned = await fake.deliver(event, { signature: 'missing' });
    const stale = await fake.deliver(event, { timestampOffsetSec: -600 });
    expect([tampered[0]?.status, unsigned[0]?.status, stale[0]?.status]).toEqual([400, 400, 400]);
    expect(receiver.rejected).toEqual([
      expect.stringContaining('No signatures found matching the expected signature'),
      expect.stringContaining('No stripe-signature header value was provided'),
      expect.stringContaining('Timestamp outside the tolerance zone'),
    ]);

    const twice = await fake.deliver(event, { times: 2 });
    expect(twice.map((d) => d.status)).toEqual([200, 200]);
    expect(receiver.verified.map((e) => e.id)).toEqual([event.id, event.id]);
  });

  it('subscription mode: created, invoice.paid with lines period and parent subscription, renewals and cancellation', async () => {
    const price = fake.createPrice({ unitAmount: 999, productName: 'Pro monthly', recurring: { interval: 'month' } });
    const session = await stripe.checkout.sessions.create({
      mode: 'subscription',
      client_reference_id: 'user-7',
      line_items: [{ price: price.id, quantity: 1 }],
      subscription_data: { metadata: { userId: '7' } },
      success_url: 'https://app.example/ok',
    });

    const events = await fake.completeCheckout(session.id);
    expect(events.map((e) => e.type)).toEqual([
      'customer.subscription.created',
      'invoice.paid',
      'checkout.session.completed',
    ]);
    expect(receiver.verified.map((e) => e.type)).toEqual(events.map((e) => e.type));

    const completed = (events[2] as Stripe.CheckoutSessionCompletedEvent).data.object;
    expect(completed.customer).toMatch(/^cus_/);
    expect(completed.subscription).toMatch(/^sub_/);
    const invoice = (events[1] as Stripe.InvoicePaidEvent).data.object;
    expect(invoice.id).toMatch(/^in_/);
    expect(invoice).toMatchObject({ billing_reason: 'subscription_create', status: 'paid', amount_paid: 999 });
    expect(invoice.parent?.subscription_details).toEqual({
      subscription: completed.subscription,
      metadata: { userId: '7' },
    });
    const period = invoice.lines.data[0]?.period;
    expect(period && period.end > period.start).toBe(true);

    const subscription = await stripe.subscriptions.retrieve(String(completed.subscription));
    expect(subscription.items.data[0]).toMatchObject({
      current_period_start: period?.start,
      current_period_end: period?.end,
    });

    const withPayments = await stripe.invoices.retrieve(invoice.id, { expand: ['payments'] });
    expect(withPayments.payments?.data[0]?.payment.payment_intent).toMatch(/^pi_/);

    const [renewal] = await fake.renewSubscription(subscription.id);
    const renewed = (renewal as Stripe.InvoicePaidEvent).data.object;
    expect(renewed.billing_reason).toBe('subscription_cycle');
    expect(renewed.lines.data[0]?.period.start).toBe(period?.end);

    await stripe.subscriptions.update(subscription.id, { cancel_at_period_end: true });
    const updated = await fake.waitForDelivery((d) => d.event.type === 'customer.subscription.updated');
    expect(updated.status).toBe(200);
    expect((updated.event as Stripe.CustomerSubscriptionUpdatedEvent).data.previous_attributes).toMatchObject({
      cancel_at_period_end: false,
    });
    expect(updated.event.request?.id).toMatch(/^req_/);

    const [ended] = await fake.renewSubscription(subscription.id);
    expect(ended?.type).toBe('customer.subscription.deleted');
    expect((ended as Stripe.CustomerSubscriptionDeletedEvent).data.object.status).toBe('canceled');
  });

  it('refunds (API and fake-side) deliver charge.refunded; disputes deliver charge.dispute.created', async () => {
    const session = await createPaymentSession();
    await fake.completeCheckout(session.id);
    const intent = await stripe.paymentIntents.retrieve(
      String((await stripe.checkout.sessions.retrieve(session.id)).payment_intent),
    );
    const chargeId = String(intent.latest_charge);

    const refund = await stripe.refunds.create({ payment_intent: intent.id, amount: 300 });
    expect(refund).toMatchObject({ object: 'refund', amount: 300, charge: chargeId, status: 'succeeded' });
    const partial = await fake.waitForDelivery((d) => d.event.type === 'charge.refunded');
    expect((partial.event as Stripe.ChargeRefundedEvent).data.object).toMatchObject({
      amount_refunded: 300,
      refunded: false,
    });

    const full = (await fake.refundCharge(chargeId)) as Stripe.ChargeRefundedEvent;
    expect(full.data.object).toMatchObject({ amount_refunded: 1000, refunded: true });
    expect(full.data.previous_attributes).toEqual({ amount_refunded: 300, refunded: false });

    const again = await stripe.refunds.create({ charge: chargeId }).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(again).toMatchObject({ code: 'charge_already_refunded', statusCode: 400 });

    const disputed = (await fake.createDispute(chargeId)) as Stripe.ChargeDisputeCreatedEvent;
    expect(disputed.type).toBe('charge.dispute.created');
    expect(disputed.data.object).toMatchObject({ charge: chargeId, status: 'needs_response', amount: 1000 });
    expect(await stripe.disputes.retrieve(disputed.data.object.id)).toMatchObject({ reason: 'fraudulent' });
    expect(receiver.verified.map((e) => e.type)).toEqual([
      'checkout.session.completed',
      'charge.refunded',
      'charge.refunded',
      'charge.dispute.created',
    ]);
  });

  it('billing portal: a session url, and cancelling on its page delivers customer.subscription.deleted', async () => {
    const price = fake.createPrice({ unitAmount: 500, recurring: { interval: 'month' } });
    const session = await stripe.checkout.sessions.create({
      mode: 'subscription',
      line_items: [{ price: price.id, quantity: 1 }],
    });
    await fake.completeCheckout(session.id);
    const completed = await stripe.checkout.sessions.retrieve(session.id);

    const portal = await stripe.billingPortal.sessions.create({
      customer: String(completed.customer),
      return_url: 'https://app.example/account',
    });
    expect(portal.id).toMatch(/^bps_/);
    const page = await (await fetch(portal.url)).text();
    expect(page).toContain(String(completed.subscription));

    const cancelled = await fetch(`${portal.url}/subscriptions/${String(completed.subscription)}/cancel`, {
      method: 'POST',
      redirect: 'manual',
    });
    expect(cancelled.status).toBe(303);
    expect(receiver.verified.at(-1)?.type).toBe('customer.subscription.deleted');
    expect((await stripe.subscriptions.retrieve(String(completed.subscription))).status).toBe('canceled');
  });

  it('errors come back as the SDK’s own classes', async () => {
    const wrong = new Stripe('sk_test_wrong_key_000000', { ...fake.stripeOptions });
    await expect(wrong.customers.create({})).rejects.toBeInstanceOf(Stripe.errors.StripeAuthenticationError);

    const notFound = await stripe.customers.retrieve('cus_missing').catch((e: unknown) => e);
    expect(notFound).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(notFound).toMatchObject({
      statusCode: 404,
      code: 'resource_missing',
      message: "No such customer: 'cus_missing'",
    });

    fake.failNext('POST /v1/customers', { status: 500 });
    await expect(stripe.customers.create({})).rejects.toBeInstanceOf(Stripe.errors.StripeAPIError);
    fake.failNext('POST /v1/customers', { status: 402 });
    await expect(stripe.customers.create({})).rejects.toBeInstanceOf(Stripe.errors.StripeCardError);
    fake.failNext('POST /v1/customers', { status: 429 });
    await expect(stripe.customers.create({})).rejects.toBeInstanceOf(Stripe.errors.StripeRateLimitError);

    const bad = await stripe.checkout.sessions
      .create({
        mode: 'subscription',
        line_items: [{ price_data: { currency: 'usd', unit_amount: 5, product_data: { name: 'x' } }, quantity: 1 }],
      })
      .catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
  });

  it('replays a POST with the same Idempotency-Key and rejects it with other parameters', async () => {
    const first = await stripe.customers.create({ email: 'a@example.com' }, { idempotencyKey: 'key-1' });
    const replay = await stripe.customers.create({ email: 'a@example.com' }, { idempotencyKey: 'key-1' });
    expect(replay.id).toBe(first.id);
    expect(replay.lastResponse.headers['idempotent-replayed']).toBe('true');
    await expect(
      stripe.customers.create({ email: 'b@example.com' }, { idempotencyKey: 'key-1' }),
    ).rejects.toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
    expect(fake.customers.size).toBe(1);
  });

  it('a hung request times out in the SDK as StripeConnectionError; delayMs slows answers', async () => {
    const impatient = new Stripe(fake.apiKey, { ...fake.stripeOptions, timeout: 300 });
    fake.hangNext('GET /v1/customers/:id');
    await expect(impatient.customers.retrieve('cus_any')).rejects.toBeInstanceOf(Stripe.errors.StripeConnectionError);

    fake.delayMs = 150;
    const started = Date.now();
    await stripe.customers.create({});
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });
});
