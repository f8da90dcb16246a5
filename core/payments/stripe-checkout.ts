import type Stripe from 'stripe';
import type { CoreDeps } from '#core/core-deps';
import { findPack, findPlan, ownValue } from '#core/catalog/catalog';
import { planName } from '#core/catalog/plan-name';
import { AppError } from '#core/errors/app-error';
import { translate } from '#core/i18n/catalog';
import { normalizeLocale, type Locale } from '#core/i18n/locales';
import { TERMS_VERSION } from '#core/legal/terms-version';
import { ensureStripeCustomer } from '#core/payments/stripe-customer';
import { chatOriginMetadata, findChatOrigin } from '#core/payments/checkout-chat-origin';

/** What to buy: a credit pack (one payment) or a monthly plan (a subscription). */
export type CheckoutProduct = { kind: 'pack' | 'plan'; id: string };

/** Where Stripe sends the buyer back after paying or cancelling. */
export const CHECKOUT_RETURN_PATHS = { success: '/checkout/done', cancel: '/pricing?checkout=cancelled' } as const;

/** The Checkout page's language for each of ours (Stripe's own tags: https://docs.stripe.com/api/checkout/sessions/create#create_checkout_session-locale). */
const STRIPE_LOCALES: Record<Locale, Stripe.Checkout.SessionCreateParams.Locale> = {
  en: 'en',
  'zh-CN': 'zh',
  ru: 'ru',
  es: 'es',
  'pt-BR': 'pt-BR',
  'zh-TW': 'zh-TW',
  ja: 'ja',
  id: 'id',
};

/**
 * Starts a Stripe Checkout Session for a product of the catalog and returns its hosted page
 * address. Packs are `payment` mode, plans `subscription` mode; the price comes from the catalog
 * (`price_data`) unless the product names a `stripePriceId`. The account id travels in the
 * session's metadata (and the subscription's and payment's), so the webhook knows whom to
 * credit, and the chat a /buy link was given in (where the credits are announced). Throws `unknown_product`, `terms_required`, `conflict` (a plan while one is active) or
 * `payments_unavailable`.
 */
export async function createStripeCheckout(
  deps: Pick<CoreDeps, 'prisma' | 'catalog' | 'config' | 'logger' | 'clock'>,
  stripe: Stripe | undefined,
  input: {
    userId: string;
    product: CheckoutProduct;
    currency?: string;
    locale: string;
    pricingToken?: string | undefined;
  },
): Promise<string> {
  if (!stripe) throw new AppError('payments_unavailable');
  const user = await deps.prisma.user.findUnique({
    where: { id: input.userId },
    select: { status: true, termsAcceptedAt: true, termsVersion: true, ageConfirmedAt: true },
  });
  if (!user || user.status === 'deleted') throw new AppError('unauthenticated');
  if (!user.termsAcceptedAt || !user.ageConfirmedAt || user.termsVersion !== TERMS_VERSION)
    throw new AppError('terms_required');
  const locale = normalizeLocale(input.locale);
  const currency = input.currency ?? deps.catalog.defaultCurrency;
  const base = deps.config.publicUrl;
  // The chat a /buy link came from, told of the credits when they arrive.
  const origin = chatOriginMetadata(
    input.pricingToken
      ? await findChatOrigin(deps, { pricingToken: input.pricingToken, userId: input.userId })
      : undefined,
  );
  const common = {
    client_reference_id: input.userId,
    success_url: `${base}${CHECKOUT_RETURN_PATHS.success}`,
    cancel_url: `${base}${CHECKOUT_RETURN_PATHS.cancel}`,
    locale: STRIPE_LOCALES[locale],
  };
  let params: Stripe.Checkout.SessionCreateParams;
  if (input.product.kind === 'pack') {
    const pack = findPack(deps.catalog, input.product.id);
    if (!pack) throw new AppError('unknown_product');
    const amount = ownValue(pack.prices, currency);
    if (amount === undefined) throw new AppError('invalid_input', { vars: { field: 'currency' } });
    const metadata = { userId: input.userId, kind: 'pack', packId: pack.id, ...origin };
    params = {
      ...common,
      mode: 'payment',
      line_items: [
        pack.stripePriceId
          ? { price: pack.stripePriceId, quantity: 1 }
          : {
              price_data: {
                currency,
                unit_amount: amount,
                product_data: { name: translate(locale, 'web.pricing.pack_product', { credits: pack.credits }) },
              },
              quantity: 1,
            },
      ],
      metadata,
      payment_intent_data: { metadata },
    };
  } else {
    const plan = findPlan(deps.catalog, input.product.id);
    if (!plan) throw new AppError('unknown_product');
    const amount = ownValue(plan.prices, currency);
    if (amount === undefined) throw new AppError('invalid_input', { vars: { field: 'currency' } });
    const active = await deps.prisma.subscription.findFirst({
      where: { userId: input.userId, status: { in: ['active', 'trialing', 'past_due'] } },
      select: { id: true },
    });
    if (active) throw new AppError('conflict', { message: 'a plan is already active' });
    const metadata = { userId: input.userId, kind: 'plan', planId: plan.id, ...origin };
    params = {
      ...common,
      mode: 'subscription',
      line_items: [
        plan.stripePriceId
          ? { price: plan.stripePriceId, quantity: 1 }
          : {
              price_data: {
                currency,
                unit_amount: amount,
                recurring: { interval: 'month' },
                product_data: {
                  name: translate(locale, 'web.pricing.plan_product', {
                    plan: planName(locale, plan.id),
                    credits: plan.monthlyCredits,
                  }),
                },
              },
              quantity: 1,
            },
      ],
      metadata,
      subscription_data: { metadata },
    };
  }
  try {
    const customer = await ensureStripeCustomer(deps, stripe, input.userId);
    const session = await stripe.checkout.sessions.create({ ...params, customer });
    if (!session.url) throw new Error('Stripe returned a checkout session without a url');
    return session.url;
  } catch (error) {
    deps.logger.error({ err: error, product: input.product }, 'stripe checkout failed');
    throw new AppError('payments_unavailable', { cause: error });
  }
}
