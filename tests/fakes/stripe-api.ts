import { randomBytes } from 'node:crypto';
import Stripe from 'stripe';
import { FakeHttpServer } from '#tests/fakes/http-recorder';
import type { FakeReply, FakeServerOptions, RecordedRequest } from '#tests/fakes/http-recorder';

/** The API version the fake (and stripe 23.x) speaks; events carry it as `api_version`. */
export const STRIPE_API_VERSION = '2026-10-28.endive';

/** Options of {@link FakeStripeApi}. */
export type FakeStripeOptions = FakeServerOptions & {
  /** Secret key the API accepts as `Authorization: Bearer`. Default `sk_test_fake_...`. */
  apiKey?: string;
  /** Shown on the hosted checkout page and as the statement descriptor. Default `Imagine Bot`. */
  merchantName?: string;
};

/** The options to spread into `new Stripe(key, { ...fake.stripeOptions })`. */
export type FakeStripeClientOptions = {
  host: string;
  port: number;
  protocol: 'http';
  maxNetworkRetries: 0;
  telemetry: false;
};

/** How {@link FakeStripeApi.deliver} signs: a valid `Stripe-Signature`, one over a body changed after signing, or none. */
export type SignatureMode = 'valid' | 'tampered' | 'missing';

/** Options of {@link FakeStripeApi.deliver}. */
export type DeliverOptions = {
  /** Deliver the same event this many times (Stripe may deliver an event more than once). Default 1. */
  times?: number;
  signature?: SignatureMode;
  /** Added to the signing timestamp; e.g. -600 makes `constructEvent` reject it as too old (tolerance 300 s). */
  timestampOffsetSec?: number;
};

/** One webhook POST the fake made. `status` is 0 when the connection failed. */
export type WebhookDelivery = {
  event: Stripe.Event;
  url: string;
  status: number;
  responseBody: string;
  payload: string;
  signatureHeader: string | undefined;
  at: Date;
  error?: string;
};

/** A price to seed with {@link FakeStripeApi.createPrice}, then use by id in `line_items[].price`. */
export type PriceSeed = {
  id?: string;
  unitAmount: number;
  currency?: string;
  productName?: string;
  recurring?: { interval: Stripe.Price.Recurring.Interval; intervalCount?: number };
  lookupKey?: string;
  metadata?: Record<string, string>;
};

type WireDecimal = NonNullable<Stripe.Price['unit_amount_decimal']>;
type StripeObject = { id: string; object: string };
type EventRequest = Stripe.Event.Request;
type Form = Record<string, unknown>;

class StripeRequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly extra: { code?: string; param?: string; type?: string } = {},
  ) {
    super(message);
  }
}

const NO_REQUEST: EventRequest = { id: null, idempotency_key: null };

/**
 * A stateful local Stripe API (v1, form-encoded) for the real `stripe` SDK, plus Stripe's side of
 * webhooks: it signs events with the SDK's own `generateTestHeaderString` and POSTs them to the
 * endpoint given to {@link FakeStripeApi.configureWebhook}.
 *
 * API: customers (create, retrieve, update, delete), checkout.sessions (create, retrieve with
 * `expand[]=line_items`, listLineItems, expire), billing_portal.sessions.create, prices.retrieve,
 * subscriptions (retrieve, update, cancel), invoices, charges, payment_intents, refunds
 * (create, retrieve), disputes and events (retrieve). Unknown ids answer Stripe's 404
 * `resource_missing`; POSTs honour `Idempotency-Key` like Stripe (replay, or 400 on other params).
 *
 * Browser pages: a session's `url` is `GET /checkout/{id}` on the fake, whose "Pay" form completes
 * the session (webhooks delivered before the 303 to `success_url`); a portal session's `url` is
 * `GET /billing/{id}` listing the customer's subscriptions with "Cancel" buttons.
 *
 * Events the fake emits: `checkout.session.completed` (after `customer.subscription.created` and
 * `invoice.paid` in subscription mode, in that order as Stripe usually does; order is not
 * guaranteed by Stripe), `checkout.session.expired`, `charge.refunded`, `charge.dispute.created`,
 * `charge.dispute.closed`, `invoice.paid`, `invoice.payment_failed`, `customer.subscription.updated`
 * and `customer.subscription.deleted`. Events caused by an API call carry that call's `request`
 * and are delivered in the background (see {@link FakeStripeApi.waitForDelivery}); the helper
 * methods deliver before they resolve.
 */
export class FakeStripeApi extends FakeHttpServer {
  readonly apiKey: string;
  readonly merchantName: string;
  readonly customers = new Map<string, Stripe.Customer>();
  readonly products = new Map<string, Stripe.Product>();
  readonly prices = new Map<string, Stripe.Price>();
  readonly checkoutSessions = new Map<string, Stripe.Checkout.Session>();
  readonly portalSessions = new Map<string, Stripe.BillingPortal.Session>();
  readonly subscriptions = new Map<string, Stripe.Subscription>();
  readonly invoices = new Map<string, Stripe.Invoice>();
  readonly paymentIntents = new Map<string, Stripe.PaymentIntent>();
  readonly charges = new Map<string, Stripe.Charge>();
  readonly refunds = new Map<string, Stripe.Refund>();
  readonly disputes = new Map<string, Stripe.Dispute>();
  /** Every event the fake created, oldest first. */
  readonly events: Stripe.Event[] = [];
  /** Every webhook POST made, oldest first. */
  readonly deliveries: WebhookDelivery[] = [];
  webhookUrl: string | undefined;
  webhookSecret = `whsec_${randomAlnum(32)}`;

  private readonly lineItems = new Map<string, Stripe.LineItem[]>();
  private readonly invoicePayments = new Map<string, Stripe.InvoicePayment[]>();
  private readonly sessionExtras = new Map<
    string,
    { subscriptionMetadata: Record<string, string>; paymentIntentData: Form }
  >();
  private readonly idempotent = new Map<string, { rawBody: string; reply: FakeReply }>();
  private readonly background = new Set<Promise<unknown>>();
  private deliveryWaiters: Array<{
    predicate: (d: WebhookDelivery) => boolean;
    resolve: (d: WebhookDelivery) => void;
  }> = [];
  private readonly deliveryAbort = new AbortController();
  private readonly signer = new Stripe('sk_test_signer', { telemetry: false });

  private constructor(options: FakeStripeOptions) {
    super(options);
    this.apiKey = options.apiKey ?? `sk_test_fake_${randomAlnum(24)}`;
    this.merchantName = options.merchantName ?? 'Imagine Bot';
  }

  /** Creates the fake and starts listening on 127.0.0.1 with a free port. */
  static async start(options: FakeStripeOptions = {}): Promise<FakeStripeApi> {
    const fake = new FakeStripeApi(options);
    await fake.listen();
    return fake;
  }

  /** Spread into the SDK constructor: `new Stripe(fake.apiKey, { ...fake.stripeOptions })`. */
  get stripeOptions(): FakeStripeClientOptions {
    return { host: '127.0.0.1', port: this.port, protocol: 'http', maxNetworkRetries: 0, telemetry: false };
  }

  /** Where events go, and the `whsec_...` secret they are signed with (default: a random one, see `webhookSecret`). */
  configureWebhook(url: string, secret: string = this.webhookSecret): void {
    this.webhookUrl = url;
    this.webhookSecret = secret;
  }

  /** Seeds a price (and its product), as if made in the dashboard. */
  createPrice(seed: PriceSeed): Stripe.Price {
    const product = this.makeProduct(seed.productName ?? 'Credits', {});
    const price = this.makePrice({
      id: seed.id,
      unitAmount: seed.unitAmount,
      currency: seed.currency ?? 'usd',
      product: product.id,
      recurring: seed.recurring,
      lookupKey: seed.lookupKey ?? null,
      metadata: seed.metadata ?? {},
      active: true,
    });
    return structuredClone(price);
  }

  /**
   * Pays an open checkout session as the hosted page would: payment mode creates a PaymentIntent
   * and Charge; subscription mode creates the customer if needed, a Subscription, its first paid
   * Invoice (with PaymentIntent and Charge). Delivers the events (unless `deliver: false`) and
   * returns them in emission order.
   */
  async completeCheckout(
    sessionId: string,
    options: { email?: string; name?: string; deliver?: boolean } = {},
  ): Promise<Stripe.Event[]> {
    const events = this.completeCheckoutNow(sessionId, options);
    if (options.deliver !== false) {
      for (const event of events) await this.deliver(event);
    }
    return events;
  }

  /** Expires an open checkout session and delivers `checkout.session.expired`. */
  async expireCheckout(sessionId: string): Promise<Stripe.Event> {
    const event = this.expireSessionNow(sessionId, NO_REQUEST);
    await this.deliver(event);
    return event;
  }

  /** Refunds `amount` (default: what is left) of a charge and delivers `charge.refunded`. */
  async refundCharge(chargeId: string, amount?: number): Promise<Stripe.Event> {
    const { event } = this.refundNow({ charge: chargeId, amount }, NO_REQUEST);
    await this.deliver(event);
    return event;
  }

  /** Opens a dispute on a charge (status `needs_response`) and delivers `charge.dispute.created`. */
  async createDispute(chargeId: string, options: { reason?: string; amount?: number } = {}): Promise<Stripe.Event> {
    const charge = this.mustFind(this.charges, chargeId, 'charge');
    const now = nowSeconds();
    const dispute: Stripe.Dispute = {
      id: newId('dp'),
      object: 'dispute',
      amount: options.amount ?? charge.amount,
      balance_transactions: [],
      charge: charge.id,
      created: now,
      currency: charge.currency,
      enhanced_eligibility_types: [],
      evidence: emptyEvidence(),
      evidence_details: {
        due_by: now + 7 * 86_400,
        enhanced_eligibility: {},
        has_evidence: false,
        past_due: false,
        submission_count: 0,
        submission_method: 'not_submitted',
      },
      intended_submission_method: null,
      is_charge_refundable: false,
      livemode: false,
      metadata: {},
      network_reason_code: '10.4',
      payment_intent: typeof charge.payment_intent === 'string' ? charge.payment_intent : null,
      reason: options.reason ?? 'fraudulent',
      status: 'needs_response',
    };
    this.disputes.set(dispute.id, dispute);
    charge.disputed = true;
    const event = this.emit('charge.dispute.created', dispute, NO_REQUEST);
    await this.deliver(event);
    return event;
  }

  /** Closes a dispute as `won` or `lost` and delivers `charge.dispute.closed`. */
  async closeDispute(disputeId: string, status: 'won' | 'lost'): Promise<Stripe.Event> {
    const dispute = this.mustFind(this.disputes, disputeId, 'dispute');
    const previous = { status: dispute.status };
    dispute.status = status;
    const event = this.emit('charge.dispute.closed', dispute, NO_REQUEST, previous);
    await this.deliver(event);
    return event;
  }

  /**
   * Bills the next period of a subscription: a new `subscription_cycle` invoice whose line covers
   * the new period. Paid -> `invoice.paid`; with `fail: true` -> the invoice stays open, the
   * subscription turns `past_due`, and `invoice.payment_failed` + `customer.subscription.updated`
   * are delivered. A subscription set to cancel at period end is deleted instead.
   */
  async renewSubscription(subscriptionId: string, options: { fail?: boolean } = {}): Promise<Stripe.Event[]> {
    const events = this.renewNow(subscriptionId, options.fail === true);
    for (const event of events) await this.deliver(event);
    return events;
  }

  /** Cancels a subscription now (as from the portal) and delivers `customer.subscription.deleted`. */
  async cancelSubscription(subscriptionId: string): Promise<Stripe.Event> {
    const event = this.cancelNow(subscriptionId, NO_REQUEST, null);
    await this.deliver(event);
    return event;
  }

  /**
   * POSTs `event` to the configured endpoint as Stripe does (pretty-printed JSON,
   * `Stripe-Signature: t=...,v1=...`), `times` times. `signature: 'tampered'` signs the real
   * payload but sends a changed one; `'missing'` sends no signature header.
   */
  async deliver(event: Stripe.Event, options: DeliverOptions = {}): Promise<WebhookDelivery[]> {
    const url = this.webhookUrl;
    if (url === undefined) {
      return [];
    }
    const results: WebhookDelivery[] = [];
    for (let i = 0; i < (options.times ?? 1); i += 1) {
      results.push(await this.deliverOnce(url, event, options));
    }
    return results;
  }

  /** Resolves with the first delivery (past or future) matching `predicate`; rejects after `timeoutMs`. */
  waitForDelivery(predicate: (delivery: WebhookDelivery) => boolean, timeoutMs = 5_000): Promise<WebhookDelivery> {
    const found = this.deliveries.find(predicate);
    if (found) return Promise.resolve(found);
    return new Promise<WebhookDelivery>((resolve, reject) => {
      const waiter = {
        predicate,
        resolve: (delivery: WebhookDelivery) => {
          clearTimeout(timer);
          resolve(delivery);
        },
      };
      const timer = setTimeout(() => {
        this.deliveryWaiters = this.deliveryWaiters.filter((w) => w !== waiter);
        const seen = this.deliveries.map((d) => `${d.event.type}:${d.status}`).join(', ') || 'none';
        reject(new Error(`No matching webhook delivery within ${timeoutMs} ms; delivered: ${seen}`));
      }, timeoutMs);
      this.deliveryWaiters.push(waiter);
    });
  }

  /** Waits for background deliveries started by API calls. */
  async settle(): Promise<void> {
    while (this.background.size > 0) {
      await Promise.allSettled([...this.background]);
    }
  }

  protected override async beforeClose(): Promise<void> {
    this.deliveryAbort.abort();
    await Promise.allSettled([...this.background]);
  }

  protected override commonHeaders(): Record<string, string> {
    return { 'request-id': `req_${randomAlnum(14)}`, 'stripe-version': STRIPE_API_VERSION };
  }

  protected override errorBody(status: number, message: string): unknown {
    const type = status === 402 ? 'card_error' : status >= 500 ? 'api_error' : 'invalid_request_error';
    return { error: { message, type } };
  }

  protected override handle(request: RecordedRequest): Promise<FakeReply> | FakeReply {
    if (!request.path.startsWith('/v1/')) {
      return this.handlePage(request);
    }
    const denied = this.checkAuth(request);
    if (denied) return denied;

    const idempotencyKey = header(request, 'idempotency-key');
    const cacheKey = idempotencyKey && request.method === 'POST' ? `${request.path}|${idempotencyKey}` : undefined;
    if (cacheKey !== undefined) {
      const cached = this.idempotent.get(cacheKey);
      if (cached) {
        if (cached.rawBody !== request.rawBody.toString('utf8')) {
          return this.stripeError(
            400,
            `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${idempotencyKey}' if you meant to execute a different request.`,
            { type: 'idempotency_error' },
          );
        }
        return { ...cached.reply, headers: { ...cached.reply.headers, 'idempotent-replayed': 'true' } };
      }
    }

    let reply: FakeReply;
    try {
      reply = { status: 200, body: this.route(request) };
    } catch (error) {
      if (!(error instanceof StripeRequestError)) throw error;
      reply = this.stripeError(error.status, error.message, error.extra);
    }
    if (cacheKey !== undefined) {
      this.idempotent.set(cacheKey, { rawBody: request.rawBody.toString('utf8'), reply });
    }
    return reply;
  }

  private checkAuth(request: RecordedRequest): FakeReply | undefined {
    const auth = header(request, 'authorization') ?? '';
    const key = /^Bearer\s+(.+)$/i.exec(auth)?.[1]?.trim();
    if (key === this.apiKey) return undefined;
    if (!key) {
      return this.stripeError(
        401,
        "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/.",
      );
    }
    return this.stripeError(401, `Invalid API Key provided: ${key.slice(0, 8)}${'*'.repeat(12)}${key.slice(-4)}`);
  }

  private stripeError(
    status: number,
    message: string,
    extra: { code?: string; param?: string; type?: string } = {},
  ): FakeReply {
    const type = extra.type ?? (status >= 500 ? 'api_error' : status === 402 ? 'card_error' : 'invalid_request_error');
    return {
      status,
      body: {
        error: {
          ...(extra.code
            ? { code: extra.code, doc_url: `https://stripe.com/docs/error-codes/${extra.code.replace(/_/g, '-')}` }
            : {}),
          message,
          ...(extra.param ? { param: extra.param } : {}),
          request_log_url: `https://dashboard.stripe.com/test/logs/req_${randomAlnum(14)}`,
          type,
        },
      },
    };
  }

  private route(request: RecordedRequest): unknown {
    const form = (request.body ?? {}) as Form;
    const params = request.method === 'GET' ? request.query : form;
    const expand = asStringArray(params.expand);
    const eventRequest: EventRequest = {
      id: `req_${randomAlnum(14)}`,
      idempotency_key: header(request, 'idempotency-key') ?? null,
    };
    const m = (pattern: RegExp): string | undefined => {
      const match = pattern.exec(`${request.method} ${request.path}`);
      return match ? (match[1] ?? '') : undefined;
    };
    let id: string | undefined;

    if (m(/^POST \/v1\/customers$/) !== undefined) return this.createCustomer(form);
    if ((id = m(/^GET \/v1\/customers\/([^/]+)$/)) !== undefined) {
      return this.view(this.mustFind(this.customers, id, 'customer'), expand);
    }
    if ((id = m(/^POST \/v1\/customers\/([^/]+)$/)) !== undefined) return this.updateCustomer(id, form, expand);
    if ((id = m(/^DELETE \/v1\/customers\/([^/]+)$/)) !== undefined) return this.deleteCustomer(id);

    if (m(/^POST \/v1\/checkout\/sessions$/) !== undefined) return this.view(this.createSession(form), expand);
    if ((id = m(/^GET \/v1\/checkout\/sessions\/([^/]+)$/)) !== undefined) {
      return this.view(this.mustFind(this.checkoutSessions, id, 'checkout.session'), expand);
    }
    if ((id = m(/^GET \/v1\/checkout\/sessions\/([^/]+)\/line_items$/)) !== undefined) {
      this.mustFind(this.checkoutSessions, id, 'checkout.session');
      return this.sessionLineItems(id);
    }
    if ((id = m(/^POST \/v1\/checkout\/sessions\/([^/]+)\/expire$/)) !== undefined) {
      const event = this.expireSessionNow(id, eventRequest);
      this.deliverInBackground(event);
      return this.view(this.mustFind(this.checkoutSessions, id, 'checkout.session'), expand);
    }

    if (m(/^POST \/v1\/billing_portal\/sessions$/) !== undefined) return this.createPortalSession(form);
    if ((id = m(/^GET \/v1\/prices\/([^/]+)$/)) !== undefined)
      return this.view(this.mustFind(this.prices, id, 'price'), expand);

    if ((id = m(/^GET \/v1\/subscriptions\/([^/]+)$/)) !== undefined) {
      return this.view(this.mustFind(this.subscriptions, id, 'subscription'), expand);
    }
    if ((id = m(/^POST \/v1\/subscriptions\/([^/]+)$/)) !== undefined) {
      return this.view(this.updateSubscription(id, form, eventRequest), expand);
    }
    if ((id = m(/^DELETE \/v1\/subscriptions\/([^/]+)$/)) !== undefined) {
      const details = (params.cancellation_details ?? {}) as Form;
      const event = this.cancelNow(id, eventRequest, typeof details.comment === 'string' ? details.comment : null);
      this.deliverInBackground(event);
      return this.view(this.mustFind(this.subscriptions, id, 'subscription'), expand);
    }

    if ((id = m(/^GET \/v1\/invoices\/([^/]+)$/)) !== undefined) {
      return this.view(this.mustFind(this.invoices, id, 'invoice'), expand);
    }
    if ((id = m(/^GET \/v1\/charges\/([^/]+)$/)) !== undefined)
      return this.view(this.mustFind(this.charges, id, 'charge'), expand);
    if ((id = m(/^GET \/v1\/payment_intents\/([^/]+)$/)) !== undefined) {
      return this.view(this.mustFind(this.paymentIntents, id, 'payment_intent'), expand);
    }
    if (m(/^POST \/v1\/refunds$/) !== undefined) {
      const { refund, event } = this.refundNow(
        {
          charge: optionalString(form.charge),
          paymentIntent: optionalString(form.payment_intent),
          amount: form.amount === undefined ? undefined : toInt(form.amount, 'amount'),
          reason: optionalString(form.reason),
          metadata: asMetadata(form.metadata),
        },
        eventRequest,
      );
      this.deliverInBackground(event);
      return this.view(refund, expand);
    }
    if ((id = m(/^GET \/v1\/refunds\/([^/]+)$/)) !== undefined)
      return this.view(this.mustFind(this.refunds, id, 'refund'), expand);
    if ((id = m(/^GET \/v1\/disputes\/([^/]+)$/)) !== undefined)
      return this.view(this.mustFind(this.disputes, id, 'dispute'), expand);
    if ((id = m(/^GET \/v1\/events\/([^/]+)$/)) !== undefined) {
      const event = this.events.find((e) => e.id === id);
      if (!event) throw missing('event', id);
      return structuredClone(event);
    }
    throw new StripeRequestError(
      404,
      `Unrecognized request URL (${request.method}: ${request.path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`,
    );
  }

  // ---------------------------------------------------------------- customers

  private createCustomer(form: Form): Stripe.Customer {
    const customer: Stripe.Customer = {
      id: newId('cus', 14),
      object: 'customer',
      address: null,
      balance: 0,
      created: nowSeconds(),
      currency: null,
      customer_account: null,
      default_source: null,
      delinquent: false,
      description: optionalString(form.description) ?? null,
      discount: null,
      email: optionalString(form.email) ?? null,
      invoice_prefix: randomAlnum(8).toUpperCase(),
      invoice_settings: { custom_fields: null, default_payment_method: null, footer: null, rendering_options: null },
      livemode: false,
      metadata: asMetadata(form.metadata),
      name: optionalString(form.name) ?? null,
      next_invoice_sequence: 1,
      phone: optionalString(form.phone) ?? null,
      preferred_locales: asStringArray(form.preferred_locales),
      shipping: null,
      tax_exempt: 'none',
      test_clock: null,
    };
    this.customers.set(customer.id, customer);
    return structuredClone(customer);
  }

  /** Stripe's `DELETE /v1/customers/:id`: the customer is gone (a second delete is 404 `resource_missing`). */
  private deleteCustomer(id: string): Stripe.DeletedCustomer {
    this.mustFind(this.customers, id, 'customer');
    this.customers.delete(id);
    return { id, object: 'customer', deleted: true };
  }

  private updateCustomer(id: string, form: Form, expand: string[]): unknown {
    const customer = this.mustFind(this.customers, id, 'customer');
    if (form.email !== undefined) customer.email = emptyToNull(form.email);
    if (form.name !== undefined) customer.name = emptyToNull(form.name);
    if (form.description !== undefined) customer.description = emptyToNull(form.description);
    if (form.phone !== undefined) customer.phone = emptyToNull(form.phone);
    if (form.preferred_locales !== undefined) customer.preferred_locales = asStringArray(form.preferred_locales);
    if (form.metadata !== undefined) customer.metadata = mergeMetadata(customer.metadata, form.metadata);
    return this.view(customer, expand);
  }

  // ---------------------------------------------------------------- checkout

  private createSession(form: Form): Stripe.Checkout.Session {
    const mode = optionalString(form.mode);
    if (mode !== 'payment' && mode !== 'subscription') {
      throw mode === undefined
        ? new StripeRequestError(400, 'Missing required param: mode.', { code: 'parameter_missing', param: 'mode' })
        : new StripeRequestError(400, `Invalid mode: the fake supports payment or subscription, got ${mode}.`, {
            param: 'mode',
          });
    }
    const rawItems = form.line_items;
    if (!Array.isArray(rawItems) || rawItems.length === 0) {
      throw new StripeRequestError(400, `You must provide at least one line item in \`${mode}\` mode.`, {
        code: 'parameter_missing',
        param: 'line_items',
      });
    }
    const customerId = optionalString(form.customer);
    if (customerId !== undefined) this.mustFind(this.customers, customerId, 'customer', 'customer');

    const items = rawItems.map((raw, index) => this.lineItemFrom(raw as Form, index));
    const recurring = items.filter((item) => item.price?.recurring);
    if (mode === 'subscription' && recurring.length === 0) {
      throw new StripeRequestError(
        400,
        'You must provide at least one recurring price in `subscription` mode when using prices.',
        {
          param: 'line_items',
        },
      );
    }
    if (mode === 'payment' && recurring.length > 0) {
      throw new StripeRequestError(
        400,
        'You specified `payment` mode but passed a recurring price. Either switch to `subscription` mode or use only one-time prices.',
        { param: 'line_items' },
      );
    }
    const currency = items[0]?.currency ?? 'usd';
    const amount = items.reduce((sum, item) => sum + item.amount_total, 0);
    const now = nowSeconds();
    const id = `cs_test_${randomAlnum(58)}`;
    const session: Stripe.Checkout.Session = {
      id,
      object: 'checkout.session',
      adaptive_pricing: { enabled: false },
      after_expiration: null,
      allow_promotion_codes: form.allow_promotion_codes === 'true' ? true : null,
      allowed_payment_method_types: null,
      amount_subtotal: amount,
      amount_total: amount,
      automatic_tax: { enabled: false, liability: null, provider: null, status: null },
      billing_address_collection: null,
      branding_settings: {
        background_color: '#ffffff',
        border_style: 'rounded',
        button_color: '#0074d4',
        display_name: this.merchantName,
        font_family: 'default',
        icon: null,
        logo: null,
      },
      cancel_url: optionalString(form.cancel_url) ?? null,
      client_reference_id: optionalString(form.client_reference_id) ?? null,
      client_secret: null,
      collected_information: null,
      consent: null,
      consent_collection: null,
      created: now,
      currency,
      currency_conversion: null,
      custom_fields: [],
      custom_text: { after_submit: null, shipping_address: null, submit: null, terms_of_service_acceptance: null },
      customer: customerId ?? null,
      customer_account: null,
      customer_creation: customerId === undefined && mode === 'payment' ? 'if_required' : null,
      customer_details: null,
      customer_email: optionalString(form.customer_email) ?? null,
      discounts: [],
      expires_at: form.expires_at === undefined ? now + 86_400 : toInt(form.expires_at, 'expires_at'),
      integration_identifier: null,
      invoice: null,
      invoice_creation: mode === 'payment' ? { enabled: false, invoice_data: emptyInvoiceData() } : null,
      livemode: false,
      locale: (optionalString(form.locale) as Stripe.Checkout.Session.Locale | undefined) ?? null,
      managed_payments: null,
      metadata: asMetadata(form.metadata),
      mode,
      origin_context: null,
      payment_intent: null,
      payment_link: null,
      payment_method_collection: mode === 'subscription' ? 'always' : 'if_required',
      payment_method_configuration_details: null,
      payment_method_options: { card: { request_three_d_secure: 'automatic' } },
      payment_method_types: ['card'],
      payment_status: 'unpaid',
      permissions: null,
      phone_number_collection: { enabled: false },
      recovered_from: null,
      saved_payment_method_options: null,
      setup_intent: null,
      shipping_address_collection: null,
      shipping_cost: null,
      shipping_options: [],
      status: 'open',
      submit_type: null,
      subscription: null,
      success_url: optionalString(form.success_url) ?? null,
      total_details: { amount_discount: 0, amount_shipping: 0, amount_tax: 0 },
      ui_mode: 'hosted',
      url: `${this.url}/checkout/${id}`,
      wallet_options: null,
    };
    this.checkoutSessions.set(id, session);
    this.lineItems.set(id, items);
    const subscriptionData = (form.subscription_data ?? {}) as Form;
    this.sessionExtras.set(id, {
      subscriptionMetadata: asMetadata(subscriptionData.metadata),
      paymentIntentData: (form.payment_intent_data ?? {}) as Form,
    });
    return session;
  }

  private lineItemFrom(raw: Form, index: number): Stripe.LineItem {
    const param = `line_items[${index}]`;
    const quantity = raw.quantity === undefined ? 1 : toInt(raw.quantity, `${param}[quantity]`);
    let price: Stripe.Price;
    const priceId = optionalString(raw.price);
    if (priceId !== undefined) {
      price = this.mustFind(this.prices, priceId, 'price', `${param}[price]`);
    } else if (raw.price_data !== undefined) {
      const data = raw.price_data as Form;
      const currency = optionalString(data.currency);
      if (currency === undefined) {
        throw new StripeRequestError(400, `Missing required param: ${param}[price_data][currency].`, {
          code: 'parameter_missing',
          param: `${param}[price_data][currency]`,
        });
      }
      if (data.unit_amount === undefined) {
        throw new StripeRequestError(400, `Missing required param: ${param}[price_data][unit_amount].`, {
          code: 'parameter_missing',
          param: `${param}[price_data][unit_amount]`,
        });
      }
      let productId = optionalString(data.product);
      if (productId === undefined) {
        const productData = (data.product_data ?? {}) as Form;
        const name = optionalString(productData.name);
        if (name === undefined) {
          throw new StripeRequestError(400, `Missing required param: ${param}[price_data][product_data][name].`, {
            code: 'parameter_missing',
            param: `${param}[price_data][product_data][name]`,
          });
        }
        productId = this.makeProduct(
          name,
          asMetadata(productData.metadata),
          optionalString(productData.description),
        ).id;
      } else {
        this.mustFind(this.products, productId, 'product', `${param}[price_data][product]`);
      }
      const recurring = data.recurring as Form | undefined;
      price = this.makePrice({
        unitAmount: toInt(data.unit_amount, `${param}[price_data][unit_amount]`),
        currency: currency.toLowerCase(),
        product: productId,
        recurring: recurring
          ? {
              interval: optionalString(recurring.interval) as Stripe.Price.Recurring.Interval,
              intervalCount:
                recurring.interval_count === undefined ? 1 : toInt(recurring.interval_count, 'interval_count'),
            }
          : undefined,
        lookupKey: null,
        metadata: {},
        active: false,
      });
    } else {
      throw new StripeRequestError(400, `You must specify either \`price\` or \`price_data\` in ${param}.`, { param });
    }
    const amount = (price.unit_amount ?? 0) * quantity;
    const product = typeof price.product === 'string' ? this.products.get(price.product) : undefined;
    return {
      id: newId('li'),
      object: 'item',
      adjustable_quantity: null,
      amount_discount: 0,
      amount_subtotal: amount,
      amount_tax: 0,
      amount_total: amount,
      currency: price.currency,
      description: product?.name ?? null,
      metadata: {},
      price: structuredClone(price),
      quantity,
    };
  }

  private sessionLineItems(sessionId: string): Stripe.ApiList<Stripe.LineItem> {
    return {
      object: 'list',
      data: structuredClone(this.lineItems.get(sessionId) ?? []),
      has_more: false,
      url: `/v1/checkout/sessions/${sessionId}/line_items`,
    };
  }

  private completeCheckoutNow(sessionId: string, options: { email?: string; name?: string }): Stripe.Event[] {
    const session = this.mustFind(this.checkoutSessions, sessionId, 'checkout.session');
    if (session.status !== 'open') {
      throw new Error(`Checkout session ${sessionId} is ${session.status}, not open`);
    }
    const extras = this.sessionExtras.get(sessionId);
    const existingCustomer = typeof session.customer === 'string' ? this.customers.get(session.customer) : undefined;
    const email = options.email ?? session.customer_email ?? existingCustomer?.email ?? 'buyer@example.com';
    const name = options.name ?? existingCustomer?.name ?? 'Test Buyer';
    session.customer_details = {
      address: { city: null, country: 'US', line1: null, line2: null, postal_code: '94103', state: null },
      business_name: null,
      email,
      individual_name: null,
      name,
      phone: null,
      tax_exempt: 'none',
      tax_ids: [],
    };
    session.status = 'complete';
    session.payment_status = 'paid';
    const events: Stripe.Event[] = [];

    if (session.mode === 'payment') {
      const piData = extras?.paymentIntentData ?? {};
      const { intent } = this.makePayment({
        amount: session.amount_total ?? 0,
        currency: session.currency ?? 'usd',
        customer: typeof session.customer === 'string' ? session.customer : null,
        description: optionalString(piData.description) ?? null,
        metadata: asMetadata(piData.metadata),
        email,
        name,
      });
      session.payment_intent = intent.id;
    } else {
      let customerId = typeof session.customer === 'string' ? session.customer : undefined;
      if (customerId === undefined) {
        customerId = this.createCustomer({ email, name }).id;
        session.customer = customerId;
      }
      const { subscription, invoice } = this.startSubscription(
        session,
        customerId,
        extras?.subscriptionMetadata ?? {},
        email,
        name,
      );
      session.subscription = subscription.id;
      session.invoice = invoice.id;
      events.push(this.emit('customer.subscription.created', subscription, NO_REQUEST));
      events.push(this.emit('invoice.paid', invoice, NO_REQUEST));
    }
    events.push(this.emit('checkout.session.completed', session, NO_REQUEST));
    return events;
  }

  private expireSessionNow(sessionId: string, request: EventRequest): Stripe.Event {
    const session = this.mustFind(this.checkoutSessions, sessionId, 'checkout.session');
    if (session.status !== 'open') {
      throw new StripeRequestError(
        400,
        `Only Checkout Sessions with a status in ["open"] can be expired. This Checkout Session has a status of "${session.status}".`,
      );
    }
    session.status = 'expired';
    session.url = null;
    return this.emit('checkout.session.expired', session, request);
  }

  // ---------------------------------------------------------------- payments

  private makePayment(input: {
    amount: number;
    currency: string;
    customer: string | null;
    description: string | null;
    metadata: Record<string, string>;
    email: string;
    name: string;
  }): { intent: Stripe.PaymentIntent; charge: Stripe.Charge } {
    const now = nowSeconds();
    const intentId = newId('pi');
    const chargeId = newId('ch');
    const paymentMethod = newId('pm');
    const charge: Stripe.Charge = {
      id: chargeId,
      object: 'charge',
      amount: input.amount,
      amount_captured: input.amount,
      amount_refunded: 0,
      application: null,
      application_fee: null,
      application_fee_amount: null,
      balance_transaction: newId('txn'),
      billing_details: {
        address: { city: null, country: 'US', line1: null, line2: null, postal_code: '94103', state: null },
        email: input.email,
        name: input.name,
        phone: null,
        tax_id: null,
      },
      calculated_statement_descriptor: this.merchantName.toUpperCase().slice(0, 22),
      captured: true,
      created: now,
      currency: input.currency,
      customer: input.customer,
      description: input.description,
      disputed: false,
      failure_balance_transaction: null,
      failure_code: null,
      failure_message: null,
      fraud_details: {},
      livemode: false,
      metadata: { ...input.metadata },
      on_behalf_of: null,
      outcome: {
        advice_code: null,
        network_advice_code: null,
        network_decline_code: null,
        network_status: 'approved_by_network',
        reason: null,
        risk_level: 'normal',
        risk_score: 32,
        seller_message: 'Payment complete.',
        type: 'authorized',
      },
      paid: true,
      payment_intent: intentId,
      payment_method: paymentMethod,
      payment_method_details: { type: 'card', card: visaCard() },
      receipt_email: input.email,
      receipt_number: null,
      receipt_url: `https://pay.stripe.com/receipts/payment/${randomAlnum(64)}`,
      refunded: false,
      review: null,
      shipping: null,
      source: null,
      source_transfer: null,
      statement_descriptor: null,
      statement_descriptor_suffix: null,
      status: 'succeeded',
      transfer_data: null,
      transfer_group: null,
    };
    const intent: Stripe.PaymentIntent = {
      id: intentId,
      object: 'payment_intent',
      allowed_payment_method_types: null,
      amount: input.amount,
      amount_capturable: 0,
      amount_details: { tip: {} },
      amount_received: input.amount,
      application: null,
      application_fee_amount: null,
      automatic_payment_methods: null,
      canceled_at: null,
      cancellation_reason: null,
      capture_method: 'automatic_async',
      client_secret: `${intentId}_secret_${randomAlnum(25)}`,
      confirmation_method: 'automatic',
      created: now,
      currency: input.currency,
      customer: input.customer,
      customer_account: null,
      description: input.description,
      excluded_payment_method_types: null,
      last_payment_error: null,
      latest_charge: chargeId,
      livemode: false,
      managed_payments: null,
      metadata: { ...input.metadata },
      next_action: null,
      on_behalf_of: null,
      payment_method: paymentMethod,
      payment_method_configuration_details: null,
      payment_method_options: {
        card: {
          installments: null,
          mandate_options: null,
          network: null,
          request_three_d_secure: 'automatic',
        },
      },
      payment_method_types: ['card'],
      payment_record: null,
      processing: null,
      receipt_email: input.email,
      review: null,
      setup_future_usage: null,
      shipping: null,
      source: null,
      statement_descriptor: null,
      statement_descriptor_suffix: null,
      status: 'succeeded',
      transfer_data: null,
      transfer_group: null,
    };
    this.charges.set(chargeId, charge);
    this.paymentIntents.set(intentId, intent);
    return { intent, charge };
  }

  private refundNow(
    input: {
      charge?: string;
      paymentIntent?: string;
      amount?: number;
      reason?: string;
      metadata?: Record<string, string>;
    },
    request: EventRequest,
  ): { refund: Stripe.Refund; event: Stripe.Event } {
    let chargeId = input.charge;
    if (chargeId === undefined && input.paymentIntent !== undefined) {
      const intent = this.mustFind(this.paymentIntents, input.paymentIntent, 'payment_intent', 'payment_intent');
      chargeId = typeof intent.latest_charge === 'string' ? intent.latest_charge : undefined;
    }
    if (chargeId === undefined) {
      throw new StripeRequestError(
        400,
        'One of the following params should be provided for this request: payment_intent or charge.',
        {
          code: 'parameter_missing',
        },
      );
    }
    const charge = this.mustFind(this.charges, chargeId, 'charge', 'charge');
    const remaining = charge.amount - charge.amount_refunded;
    if (remaining <= 0) {
      throw new StripeRequestError(400, `Charge ${charge.id} has already been refunded.`, {
        code: 'charge_already_refunded',
      });
    }
    const amount = input.amount ?? remaining;
    if (amount > remaining) {
      throw new StripeRequestError(
        400,
        `Refund amount (${formatMoney(amount, charge.currency)}) is greater than unrefunded amount on charge (${formatMoney(remaining, charge.currency)})`,
        { code: 'amount_too_large', param: 'amount' },
      );
    }
    const refund: Stripe.Refund = {
      id: newId('re'),
      object: 'refund',
      amount,
      balance_transaction: newId('txn'),
      charge: charge.id,
      created: nowSeconds(),
      currency: charge.currency,
      customer: typeof charge.customer === 'string' ? charge.customer : null,
      customer_account: null,
      destination_details: {
        card: { reference_status: 'pending', reference_type: 'acquirer_reference_number', type: 'refund' },
        type: 'card',
      },
      metadata: { ...input.metadata },
      payment_intent: typeof charge.payment_intent === 'string' ? charge.payment_intent : null,
      payment_method: charge.payment_method ?? null,
      reason: (input.reason as Stripe.Refund.Reason | undefined) ?? null,
      receipt_number: null,
      source_transfer_reversal: null,
      status: 'succeeded',
      transfer_reversal: null,
    };
    this.refunds.set(refund.id, refund);
    const previous = { amount_refunded: charge.amount_refunded, refunded: charge.refunded };
    charge.amount_refunded += amount;
    charge.refunded = charge.amount_refunded >= charge.amount;
    return { refund: structuredClone(refund), event: this.emit('charge.refunded', charge, request, previous) };
  }

  // ---------------------------------------------------------------- subscriptions

  private startSubscription(
    session: Stripe.Checkout.Session,
    customerId: string,
    metadata: Record<string, string>,
    email: string,
    name: string,
  ): { subscription: Stripe.Subscription; invoice: Stripe.Invoice } {
    const now = nowSeconds();
    const subscriptionId = newId('sub');
    const items = (this.lineItems.get(session.id) ?? []).filter((item) => item.price?.recurring);
    const subscriptionItems: Stripe.SubscriptionItem[] = items.map((item) => {
      const price = item.price as Stripe.Price;
      return {
        id: newId('si', 14),
        object: 'subscription_item',
        billing_thresholds: null,
        created: now,
        current_period_end: addInterval(now, price.recurring as Stripe.Price.Recurring),
        current_period_start: now,
        current_trial: null,
        discounts: [],
        metadata: {},
        plan: planFromPrice(price),
        price: structuredClone(price),
        quantity: item.quantity ?? 1,
        subscription: subscriptionId,
        tax_rates: [],
      };
    });
    const subscription: Stripe.Subscription = {
      id: subscriptionId,
      object: 'subscription',
      application: null,
      application_fee_percent: null,
      automatic_tax: { disabled_reason: null, enabled: false, liability: null },
      billing_cycle_anchor: now,
      billing_cycle_anchor_config: null,
      billing_mode: { flexible: { proration_discounts: 'included' }, type: 'flexible', updated_at: now },
      billing_schedules: [],
      billing_thresholds: null,
      cancel_at: null,
      cancel_at_period_end: false,
      canceled_at: null,
      cancellation_details: { comment: null, feedback: null, feedback_option: null, reason: null },
      collection_method: 'charge_automatically',
      created: now,
      currency: session.currency ?? 'usd',
      customer: customerId,
      customer_account: null,
      days_until_due: null,
      default_payment_method: newId('pm'),
      default_source: null,
      default_tax_rates: [],
      description: null,
      discounts: [],
      ended_at: null,
      invoice_settings: {
        account_tax_ids: null,
        custom_fields: null,
        description: null,
        footer: null,
        issuer: { type: 'self' },
      },
      items: {
        object: 'list',
        data: subscriptionItems,
        has_more: false,
        url: `/v1/subscription_items?subscription=${subscriptionId}`,
      },
      latest_invoice: null,
      livemode: false,
      managed_payments: null,
      metadata,
      next_pending_invoice_item_invoice: null,
      on_behalf_of: null,
      pause_collection: null,
      payment_settings: {
        payment_method_options: null,
        payment_method_types: null,
        save_default_payment_method: 'off',
      },
      pending_invoice_item_interval: null,
      pending_setup_intent: null,
      pending_update: null,
      schedule: null,
      start_date: now,
      status: 'active',
      test_clock: null,
      transfer_data: null,
      trial_end: null,
      trial_settings: { end_behavior: { billing_cycle_anchor: null, missing_payment_method: 'create_invoice' } },
      trial_start: null,
    };
    this.subscriptions.set(subscriptionId, subscription);
    const invoice = this.billSubscription(
      subscription,
      'subscription_create',
      { start: now, end: now },
      false,
      email,
      name,
    );
    return { subscription, invoice };
  }

  /** Makes an invoice for the subscription's current item periods; paid unless `fail`. */
  private billSubscription(
    subscription: Stripe.Subscription,
    reason: Stripe.Invoice.BillingReason,
    collectedPeriod: { start: number; end: number },
    fail: boolean,
    email: string | null,
    name: string | null,
  ): Stripe.Invoice {
    const now = nowSeconds();
    const invoiceId = newId('in');
    const customerId = typeof subscription.customer === 'string' ? subscription.customer : subscription.customer.id;
    const customer = this.customers.get(customerId);
    const lines: Stripe.InvoiceLineItem[] = subscription.items.data.map((item) => {
      const amount = (item.price.unit_amount ?? 0) * (item.quantity ?? 1);
      const product = typeof item.price.product === 'string' ? this.products.get(item.price.product) : undefined;
      return {
        id: newId('il'),
        object: 'line_item',
        amount,
        currency: item.price.currency,
        description: `${item.quantity ?? 1} × ${product?.name ?? 'Subscription'} (at ${formatMoney(item.price.unit_amount ?? 0, item.price.currency)} / ${item.price.recurring?.interval ?? 'month'})`,
        discount_amounts: [],
        discountable: true,
        discounts: [],
        invoice: invoiceId,
        livemode: false,
        metadata: { ...subscription.metadata },
        parent: {
          invoice_item_details: null,
          subscription_item_details: {
            invoice_item: null,
            proration: false,
            proration_details: { credited_items: null },
            subscription: subscription.id,
            subscription_item: item.id,
          },
          type: 'subscription_item_details',
        },
        period: { end: item.current_period_end, start: item.current_period_start },
        pretax_credit_amounts: [],
        pricing: {
          price_details: {
            price: item.price.id,
            product: typeof item.price.product === 'string' ? item.price.product : item.price.product.id,
          },
          type: 'price_details',
          unit_amount_decimal: decimal(String(item.price.unit_amount ?? 0)),
        },
        quantity: item.quantity ?? 1,
        quantity_decimal: decimal(String(item.quantity ?? 1)),
        subscription: subscription.id,
        subtotal: amount,
        taxes: [],
      };
    });
    const total = lines.reduce((sum, line) => sum + line.amount, 0);
    const sequence = customer?.next_invoice_sequence ?? 1;
    if (customer) customer.next_invoice_sequence = sequence + 1;
    const invoice: Stripe.Invoice = {
      id: invoiceId,
      object: 'invoice',
      account_country: 'US',
      account_name: this.merchantName,
      account_tax_ids: null,
      amount_due: total,
      amount_overpaid: 0,
      amount_paid: fail ? 0 : total,
      amount_remaining: fail ? total : 0,
      amount_shipping: 0,
      application: null,
      attempt_count: 1,
      attempted: true,
      auto_advance: fail,
      automatic_tax: { disabled_reason: null, enabled: false, liability: null, provider: null, status: null },
      automatically_finalizes_at: null,
      billing_reason: reason,
      collection_method: 'charge_automatically',
      created: now,
      currency: subscription.currency,
      custom_fields: null,
      customer: customerId,
      customer_account: null,
      customer_address: null,
      customer_email: email ?? customer?.email ?? null,
      customer_name: name ?? customer?.name ?? null,
      customer_phone: null,
      customer_shipping: null,
      customer_tax_exempt: 'none',
      customer_tax_ids: [],
      default_payment_method: null,
      default_source: null,
      default_tax_rates: [],
      description: null,
      discounts: [],
      due_date: null,
      effective_at: now,
      ending_balance: 0,
      footer: null,
      from_invoice: null,
      hosted_invoice_url: `https://invoice.stripe.com/i/acct_fake/test_${randomAlnum(40)}`,
      invoice_pdf: `https://pay.stripe.com/invoice/acct_fake/test_${randomAlnum(40)}/pdf`,
      issuer: { type: 'self' },
      last_finalization_error: null,
      latest_revision: null,
      lines: { object: 'list', data: lines, has_more: false, url: `/v1/invoices/${invoiceId}/lines` },
      livemode: false,
      metadata: {},
      next_payment_attempt: fail ? now + 3 * 86_400 : null,
      number: `${customer?.invoice_prefix ?? 'FAKE0000'}-${String(sequence).padStart(4, '0')}`,
      on_behalf_of: null,
      parent: {
        quote_details: null,
        subscription_details: { metadata: { ...subscription.metadata }, subscription: subscription.id },
        type: 'subscription_details',
      },
      payment_settings: { default_mandate: null, payment_method_options: null, payment_method_types: null },
      period_end: collectedPeriod.end,
      period_start: collectedPeriod.start,
      post_payment_credit_notes_amount: 0,
      pre_payment_credit_notes_amount: 0,
      receipt_number: null,
      rendering: null,
      shipping_cost: null,
      shipping_details: null,
      starting_balance: 0,
      statement_descriptor: null,
      status: fail ? 'open' : 'paid',
      status_transitions: {
        finalized_at: now,
        marked_uncollectible_at: null,
        paid_at: fail ? null : now,
        voided_at: null,
      },
      subtotal: total,
      subtotal_excluding_tax: total,
      test_clock: null,
      total,
      total_discount_amounts: [],
      total_excluding_tax: total,
      total_pretax_credit_amounts: [],
      total_taxes: [],
      webhooks_delivered_at: now,
    };
    this.invoices.set(invoiceId, invoice);
    subscription.latest_invoice = invoiceId;
    if (!fail) {
      const { intent } = this.makePayment({
        amount: total,
        currency: subscription.currency,
        customer: customerId,
        description: reason === 'subscription_create' ? 'Subscription creation' : 'Subscription update',
        metadata: {},
        email: invoice.customer_email ?? 'buyer@example.com',
        name: invoice.customer_name ?? 'Test Buyer',
      });
      this.invoicePayments.set(invoiceId, [
        {
          id: `inpay_${randomAlnum(24)}`,
          object: 'invoice_payment',
          amount_paid: total,
          amount_requested: total,
          created: now,
          currency: subscription.currency,
          invoice: invoiceId,
          is_default: true,
          livemode: false,
          payment: { payment_intent: intent.id, type: 'payment_intent' },
          status: 'paid',
          status_transitions: { canceled_at: null, paid_at: now },
        },
      ]);
    }
    return invoice;
  }

  private renewNow(subscriptionId: string, fail: boolean): Stripe.Event[] {
    const subscription = this.mustFind(this.subscriptions, subscriptionId, 'subscription');
    if (subscription.status === 'canceled') {
      throw new Error(`Subscription ${subscriptionId} is canceled`);
    }
    if (subscription.cancel_at_period_end) {
      return [this.cancelNow(subscriptionId, NO_REQUEST, null, 'cancellation_requested')];
    }
    const first = subscription.items.data[0];
    const collected = {
      start: first?.current_period_start ?? nowSeconds(),
      end: first?.current_period_end ?? nowSeconds(),
    };
    for (const item of subscription.items.data) {
      const start = item.current_period_end;
      item.current_period_start = start;
      item.current_period_end = addInterval(start, item.price.recurring as Stripe.Price.Recurring);
    }
    const customer = this.customers.get(String(subscription.customer));
    const invoice = this.billSubscription(
      subscription,
      'subscription_cycle',
      collected,
      fail,
      customer?.email ?? null,
      customer?.name ?? null,
    );
    if (!fail) {
      return [this.emit('invoice.paid', invoice, NO_REQUEST)];
    }
    const previous = { status: subscription.status };
    subscription.status = 'past_due';
    return [
      this.emit('invoice.payment_failed', invoice, NO_REQUEST),
      this.emit('customer.subscription.updated', subscription, NO_REQUEST, previous),
    ];
  }

  private updateSubscription(id: string, form: Form, request: EventRequest): Stripe.Subscription {
    const subscription = this.mustFind(this.subscriptions, id, 'subscription');
    const previous: Partial<Stripe.Subscription> = {};
    if (form.metadata !== undefined) {
      previous.metadata = { ...subscription.metadata };
      subscription.metadata = mergeMetadata(subscription.metadata, form.metadata);
    }
    if (form.cancel_at_period_end !== undefined) {
      if (subscription.status === 'canceled') {
        throw new StripeRequestError(
          400,
          'A canceled subscription can only update its cancellation_details and metadata.',
        );
      }
      const cancel = form.cancel_at_period_end === 'true';
      previous.cancel_at_period_end = subscription.cancel_at_period_end;
      previous.cancel_at = subscription.cancel_at;
      previous.canceled_at = subscription.canceled_at;
      subscription.cancel_at_period_end = cancel;
      subscription.cancel_at = cancel ? (subscription.items.data[0]?.current_period_end ?? null) : null;
      subscription.canceled_at = cancel ? nowSeconds() : null;
      subscription.cancellation_details = {
        comment: null,
        feedback: null,
        feedback_option: null,
        reason: cancel ? 'cancellation_requested' : null,
      };
    }
    if (Object.keys(previous).length > 0) {
      this.deliverInBackground(this.emit('customer.subscription.updated', subscription, request, previous));
    }
    return subscription;
  }

  private cancelNow(
    subscriptionId: string,
    request: EventRequest,
    comment: string | null,
    reason: Stripe.Subscription.CancellationDetails.Reason = 'cancellation_requested',
  ): Stripe.Event {
    const subscription = this.mustFind(this.subscriptions, subscriptionId, 'subscription');
    if (subscription.status === 'canceled') {
      throw new StripeRequestError(404, `No such subscription: '${subscriptionId}'`, {
        code: 'resource_missing',
        param: 'id',
      });
    }
    const now = nowSeconds();
    subscription.status = 'canceled';
    subscription.canceled_at ??= now;
    subscription.ended_at = now;
    subscription.cancellation_details = { comment, feedback: null, feedback_option: null, reason };
    return this.emit('customer.subscription.deleted', subscription, request);
  }

  // ---------------------------------------------------------------- portal

  private createPortalSession(form: Form): Stripe.BillingPortal.Session {
    const customerId = optionalString(form.customer);
    if (customerId === undefined) {
      throw new StripeRequestError(400, 'Missing required param: customer.', {
        code: 'parameter_missing',
        param: 'customer',
      });
    }
    this.mustFind(this.customers, customerId, 'customer', 'customer');
    const id = newId('bps');
    const session: Stripe.BillingPortal.Session = {
      id,
      object: 'billing_portal.session',
      configuration: `bpc_${randomAlnum(24)}`,
      created: nowSeconds(),
      customer: customerId,
      customer_account: null,
      flow: null,
      livemode: false,
      locale: (optionalString(form.locale) as Stripe.BillingPortal.Session.Locale | undefined) ?? null,
      on_behalf_of: null,
      return_url: optionalString(form.return_url) ?? null,
      url: `${this.url}/billing/${id}`,
    };
    this.portalSessions.set(id, session);
    return session;
  }

  // ---------------------------------------------------------------- hosted pages

  private handlePage(request: RecordedRequest): Promise<FakeReply> | FakeReply {
    const checkout = /^\/checkout\/(cs_test_[A-Za-z0-9]+)(\/pay)?$/.exec(request.path);
    if (checkout) {
      const session = this.checkoutSessions.get(checkout[1] ?? '');
      if (!session) return htmlPage(404, 'Not found', '<p>Something went wrong: this page does not exist.</p>');
      if (request.method === 'GET' && !checkout[2]) return this.checkoutPage(session);
      if (request.method === 'POST' && checkout[2]) return this.payFromPage(session, request);
    }
    const portal = /^\/billing\/(bps_[A-Za-z0-9]+)(?:\/subscriptions\/(sub_[A-Za-z0-9]+)\/cancel)?$/.exec(request.path);
    if (portal) {
      const session = this.portalSessions.get(portal[1] ?? '');
      if (!session) return htmlPage(404, 'Not found', '<p>This portal session does not exist.</p>');
      if (request.method === 'GET' && !portal[2]) return this.portalPage(session);
      if (request.method === 'POST' && portal[2]) {
        return this.cancelFromPortal(session, portal[2]);
      }
    }
    return htmlPage(404, 'Not found', '<p>Not found.</p>');
  }

  private checkoutPage(session: Stripe.Checkout.Session): FakeReply {
    if (session.status !== 'open') {
      return htmlPage(
        200,
        'Checkout',
        `<p id="status">This Checkout Session is ${escapeHtml(session.status ?? 'closed')}.</p>`,
      );
    }
    const items = (this.lineItems.get(session.id) ?? [])
      .map(
        (item) =>
          `<li>${escapeHtml(item.description ?? '')} × ${item.quantity ?? 1}: ${formatMoney(item.amount_total, item.currency)}</li>`,
      )
      .join('');
    const cancel = session.cancel_url ? `<a id="cancel" href="${escapeHtml(session.cancel_url)}">Cancel</a>` : '';
    return htmlPage(
      200,
      `Pay ${this.merchantName}`,
      `<h1>Pay ${escapeHtml(this.merchantName)}</h1>
<ul id="items">${items}</ul>
<p id="total">Total: ${formatMoney(session.amount_total ?? 0, session.currency ?? 'usd')}${session.mode === 'subscription' ? ' (subscription)' : ''}</p>
<form method="post" action="/checkout/${session.id}/pay">
<label>Email <input name="email" type="email" value="${escapeHtml(session.customer_email ?? '')}"></label>
<label>Card number <input name="card" value="4242 4242 4242 4242"></label>
<button type="submit" id="pay">Pay</button>
</form>
${cancel}`,
    );
  }

  private async payFromPage(session: Stripe.Checkout.Session, request: RecordedRequest): Promise<FakeReply> {
    if (session.status !== 'open') {
      return htmlPage(
        409,
        'Checkout',
        `<p id="status">This Checkout Session is ${escapeHtml(session.status ?? 'closed')}.</p>`,
      );
    }
    const form = (request.body ?? {}) as Form;
    await this.completeCheckout(session.id, { email: optionalString(form.email) || undefined });
    if (session.success_url) {
      return { status: 303, headers: { location: session.success_url.replace('{CHECKOUT_SESSION_ID}', session.id) } };
    }
    return htmlPage(200, 'Payment complete', '<p id="status">Payment complete.</p>');
  }

  private portalPage(session: Stripe.BillingPortal.Session): FakeReply {
    const subs = [...this.subscriptions.values()].filter((s) => s.customer === session.customer);
    const rows = subs
      .map((s) => {
        const item = s.items.data[0];
        const label = `${escapeHtml(s.id)}: ${escapeHtml(s.status)}${s.cancel_at_period_end ? ' (cancels at period end)' : ''}`;
        const button =
          s.status === 'canceled'
            ? ''
            : `<form method="post" action="/billing/${session.id}/subscriptions/${s.id}/cancel"><button type="submit">Cancel subscription</button></form>`;
        return `<li data-subscription="${escapeHtml(s.id)}">${label}, renews ${item ? new Date(item.current_period_end * 1000).toISOString().slice(0, 10) : '-'}${button}</li>`;
      })
      .join('');
    const back = session.return_url ? `<a id="return" href="${escapeHtml(session.return_url)}">Return</a>` : '';
    return htmlPage(200, `${this.merchantName} billing`, `<h1>Billing</h1><ul id="subscriptions">${rows}</ul>${back}`);
  }

  private async cancelFromPortal(session: Stripe.BillingPortal.Session, subscriptionId: string): Promise<FakeReply> {
    const subscription = this.subscriptions.get(subscriptionId);
    if (!subscription || subscription.customer !== session.customer) {
      return htmlPage(404, 'Not found', '<p>No such subscription.</p>');
    }
    if (subscription.status !== 'canceled') {
      await this.cancelSubscription(subscriptionId);
    }
    return { status: 303, headers: { location: `/billing/${session.id}` } };
  }

  // ---------------------------------------------------------------- events

  private emit(type: Stripe.Event.Type, object: StripeObject, request: EventRequest, previous?: object): Stripe.Event {
    const event = {
      id: newId('evt'),
      object: 'event',
      api_version: STRIPE_API_VERSION,
      created: nowSeconds(),
      data: {
        object: structuredClone(object),
        ...(previous ? { previous_attributes: structuredClone(previous) } : {}),
      },
      livemode: false,
      pending_webhooks: this.webhookUrl === undefined ? 0 : 1,
      request,
      type,
    } as Stripe.Event;
    this.events.push(event);
    return event;
  }

  private deliverInBackground(event: Stripe.Event): void {
    const pending: Promise<unknown> = this.deliver(event)
      .catch(() => undefined)
      .finally(() => this.background.delete(pending));
    this.background.add(pending);
  }

  private async deliverOnce(url: string, event: Stripe.Event, options: DeliverOptions): Promise<WebhookDelivery> {
    const payload = JSON.stringify(event, null, 2);
    const timestamp = Math.floor(Date.now() / 1000) + (options.timestampOffsetSec ?? 0);
    const mode = options.signature ?? 'valid';
    const signatureHeader =
      mode === 'missing'
        ? undefined
        : this.signer.webhooks.generateTestHeaderString({ payload, secret: this.webhookSecret, timestamp });
    const sent = mode === 'tampered' ? payload.replace('"livemode": false', '"livemode": true') : payload;
    const headers: Record<string, string> = {
      'content-type': 'application/json; charset=utf-8',
      'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
      'cache-control': 'no-cache',
      accept: '*/*; q=0.5, application/xml',
    };
    if (signatureHeader !== undefined) headers['stripe-signature'] = signatureHeader;
    const delivery: WebhookDelivery = {
      event,
      url,
      status: 0,
      responseBody: '',
      payload: sent,
      signatureHeader,
      at: new Date(),
    };
    try {
      const response = await fetch(url, { method: 'POST', headers, body: sent, signal: this.deliveryAbort.signal });
      delivery.status = response.status;
      delivery.responseBody = await response.text();
    } catch (error) {
      delivery.error = error instanceof Error ? error.message : String(error);
    }
    this.deliveries.push(delivery);
    for (const waiter of [...this.deliveryWaiters]) {
      if (waiter.predicate(delivery)) {
        this.deliveryWaiters = this.deliveryWaiters.filter((w) => w !== waiter);
        waiter.resolve(delivery);
      }
    }
    return delivery;
  }

  // ---------------------------------------------------------------- helpers

  private makeProduct(name: string, metadata: Record<string, string>, description?: string): Stripe.Product {
    const now = nowSeconds();
    const product: Stripe.Product = {
      id: newId('prod', 14),
      object: 'product',
      active: true,
      created: now,
      default_price: null,
      description: description ?? null,
      images: [],
      livemode: false,
      marketing_features: [],
      metadata,
      name,
      package_dimensions: null,
      shippable: null,
      tax_code: null,
      tax_details: null,
      type: 'service',
      updated: now,
      url: null,
    };
    this.products.set(product.id, product);
    return product;
  }

  private makePrice(input: {
    id?: string;
    unitAmount: number;
    currency: string;
    product: string;
    recurring?: { interval: Stripe.Price.Recurring.Interval; intervalCount?: number };
    lookupKey: string | null;
    metadata: Record<string, string>;
    active: boolean;
  }): Stripe.Price {
    const price: Stripe.Price = {
      id: input.id ?? newId('price'),
      object: 'price',
      active: input.active,
      billing_scheme: 'per_unit',
      created: nowSeconds(),
      currency: input.currency,
      custom_unit_amount: null,
      livemode: false,
      lookup_key: input.lookupKey,
      metadata: input.metadata,
      nickname: null,
      product: input.product,
      recurring: input.recurring
        ? {
            interval: input.recurring.interval,
            interval_count: input.recurring.intervalCount ?? 1,
            meter: null,
            trial_period_days: null,
            usage_type: 'licensed',
          }
        : null,
      tax_behavior: 'unspecified',
      tiers_mode: null,
      transform_quantity: null,
      type: input.recurring ? 'recurring' : 'one_time',
      unit_amount: input.unitAmount,
      unit_amount_decimal: decimal(String(input.unitAmount)),
    };
    this.prices.set(price.id, price);
    return price;
  }

  private mustFind<T>(map: Map<string, T>, id: string, kind: string, param = 'id'): T {
    const found = map.get(id);
    if (found === undefined) throw missing(kind, id, param);
    return found;
  }

  /** A copy of `object` with the `expand` paths replaced by the objects they name. */
  private view(object: StripeObject, expand: string[]): unknown {
    const copy = structuredClone(object) as Record<string, unknown>;
    for (const path of expand) {
      this.expandPath(copy, path.split('.'));
    }
    return copy;
  }

  private expandPath(target: Record<string, unknown>, segments: string[]): void {
    const [head, ...rest] = segments;
    if (head === undefined) return;
    if (head === 'line_items' && target.object === 'checkout.session') {
      target.line_items = this.sessionLineItems(String(target.id));
    } else if (head === 'payments' && target.object === 'invoice') {
      target.payments = {
        object: 'list',
        data: structuredClone(this.invoicePayments.get(String(target.id)) ?? []),
        has_more: false,
        url: `/v1/invoices/${String(target.id)}/payments`,
      };
    } else if (head === 'refunds' && target.object === 'charge') {
      target.refunds = {
        object: 'list',
        data: [...this.refunds.values()].filter((r) => r.charge === target.id).map((r) => structuredClone(r)),
        has_more: false,
        url: `/v1/charges/${String(target.id)}/refunds`,
      };
    } else if (typeof target[head] === 'string') {
      const found = this.lookup(target[head] as string);
      if (found) target[head] = structuredClone(found);
    }
    const next = target[head];
    if (rest.length === 0 || typeof next !== 'object' || next === null) return;
    const children = Array.isArray(next) ? next : [next];
    for (const child of children) {
      if (typeof child === 'object' && child !== null) this.expandPath(child as Record<string, unknown>, rest);
    }
  }

  private lookup(id: string): StripeObject | undefined {
    const stores: Array<Map<string, StripeObject>> = [
      this.customers,
      this.products,
      this.prices,
      this.checkoutSessions,
      this.subscriptions,
      this.invoices,
      this.paymentIntents,
      this.charges,
      this.refunds,
      this.disputes,
    ];
    for (const store of stores) {
      const found = store.get(id);
      if (found) return found;
    }
    return undefined;
  }
}

function missing(kind: string, id: string, param = 'id'): StripeRequestError {
  return new StripeRequestError(404, `No such ${kind}: '${id}'`, {
    code: 'resource_missing',
    param,
  });
}

function htmlPage(status: number, title: string, body: string): FakeReply {
  return {
    status,
    headers: { 'content-type': 'text/html; charset=utf-8' },
    body: `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body>${body}</body></html>`,
  };
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function header(request: RecordedRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function emptyToNull(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

function asStringArray(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  if (typeof value === 'string' && value !== '') return [value];
  return [];
}

function asMetadata(value: unknown): Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return {};
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).filter(
      (e): e is [string, string] => typeof e[1] === 'string' && e[1] !== '',
    ),
  );
}

/** Stripe metadata update semantics: keys merge, an empty value deletes a key, `metadata=` clears all. */
function mergeMetadata(current: Record<string, string> | null, update: unknown): Record<string, string> {
  if (update === '') return {};
  const next: Record<string, string> = { ...current };
  if (typeof update === 'object' && update !== null) {
    for (const [key, value] of Object.entries(update as Record<string, unknown>)) {
      if (value === '') delete next[key];
      else if (typeof value === 'string') next[key] = value;
    }
  }
  return next;
}

function toInt(value: unknown, param: string): number {
  const parsed = typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(parsed)) {
    throw new StripeRequestError(400, `Invalid integer: ${String(value)}`, {
      code: 'parameter_invalid_integer',
      param,
    });
  }
  return parsed;
}

function decimal(value: string): WireDecimal {
  // The wire carries decimals as strings; the SDK turns API responses (not webhook payloads) into Decimal objects.
  return value as unknown as WireDecimal;
}

function formatMoney(amount: number, currency: string): string {
  return new Intl.NumberFormat('en-US', { style: 'currency', currency: currency.toUpperCase() }).format(amount / 100);
}

function addInterval(from: number, recurring: Stripe.Price.Recurring): number {
  const date = new Date(from * 1000);
  const count = recurring.interval_count;
  switch (recurring.interval) {
    case 'day':
      date.setUTCDate(date.getUTCDate() + count);
      break;
    case 'week':
      date.setUTCDate(date.getUTCDate() + 7 * count);
      break;
    case 'year':
      date.setUTCFullYear(date.getUTCFullYear() + count);
      break;
    default:
      date.setUTCMonth(date.getUTCMonth() + count);
  }
  return Math.floor(date.getTime() / 1000);
}

function planFromPrice(price: Stripe.Price): Stripe.Plan {
  return {
    id: price.id,
    object: 'plan',
    active: price.active,
    amount: price.unit_amount,
    amount_decimal: price.unit_amount_decimal,
    billing_scheme: 'per_unit',
    created: price.created,
    currency: price.currency,
    interval: (price.recurring?.interval ?? 'month') as Stripe.Plan.Interval,
    interval_count: price.recurring?.interval_count ?? 1,
    livemode: false,
    metadata: {},
    meter: null,
    nickname: null,
    product: typeof price.product === 'string' ? price.product : price.product.id,
    tiers_mode: null,
    transform_usage: null,
    trial_period_days: null,
    usage_type: 'licensed',
  };
}

function visaCard(): Stripe.Charge.PaymentMethodDetails.Card {
  return {
    amount_authorized: null,
    authorization_code: null,
    brand: 'visa',
    checks: { address_line1_check: null, address_postal_code_check: 'pass', cvc_check: 'pass' },
    country: 'US',
    electronic_commerce_indicator: null,
    exp_month: 12,
    exp_year: new Date().getUTCFullYear() + 3,
    extended_authorization: { status: 'disabled' },
    fingerprint: randomAlnum(16),
    funding: 'credit',
    incremental_authorization: { status: 'unavailable' },
    installments: null,
    last4: '4242',
    mandate: null,
    multicapture: { status: 'unavailable' },
    network: 'visa',
    network_token: { used: false },
    network_transaction_id: randomDigits(15),
    overcapture: { maximum_amount_capturable: 0, status: 'unavailable' },
    regulated_status: 'unregulated',
    three_d_secure: null,
    transaction_link_id: null,
    wallet: null,
  };
}

function emptyEvidence(): Stripe.Dispute.Evidence {
  return {
    access_activity_log: null,
    billing_address: null,
    cancellation_policy: null,
    cancellation_policy_disclosure: null,
    cancellation_rebuttal: null,
    customer_communication: null,
    customer_email_address: null,
    customer_name: null,
    customer_purchase_ip: null,
    customer_signature: null,
    duplicate_charge_documentation: null,
    duplicate_charge_explanation: null,
    duplicate_charge_id: null,
    enhanced_evidence: {},
    product_description: null,
    receipt: null,
    refund_policy: null,
    refund_policy_disclosure: null,
    refund_refusal_explanation: null,
    service_date: null,
    service_documentation: null,
    shipping_address: null,
    shipping_carrier: null,
    shipping_date: null,
    shipping_documentation: null,
    shipping_tracking_number: null,
    uncategorized_file: null,
    uncategorized_text: null,
  };
}

function emptyInvoiceData(): Stripe.Checkout.Session.InvoiceCreation.InvoiceData {
  return {
    account_tax_ids: null,
    custom_fields: null,
    description: null,
    footer: null,
    issuer: null,
    metadata: {},
    rendering_options: null,
  };
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function randomAlnum(length: number): string {
  return Array.from(randomBytes(length), (b) => ALNUM[b % ALNUM.length]).join('');
}

function randomDigits(length: number): string {
  return Array.from(randomBytes(length), (b) => String(b % 10)).join('');
}

/** Stripe-looking ids: `cus_` + 14, most others `{prefix}_1` / `_3` + 23 characters. */
function newId(prefix: string, length = 24): string {
  if (length === 24 && ['pi', 'ch', 're', 'txn', 'pm'].includes(prefix)) return `${prefix}_3${randomAlnum(23)}`;
  if (length === 24) return `${prefix}_1${randomAlnum(23)}`;
  return `${prefix}_${randomAlnum(length)}`;
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
