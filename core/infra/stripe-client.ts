import { createRequire } from 'node:module';
import type Stripe from 'stripe';
import type { AppConfig } from '#core/config/load-config';

/** The SDK is loaded (synchronously) only when card payments are configured: it costs ~18 MiB. */
const requireStripe = (): typeof Stripe => createRequire(import.meta.url)('stripe') as typeof Stripe;

/**
 * Builds the Stripe SDK client from the configuration, or undefined when `STRIPE_SECRET_KEY` is
 * not set (card payments are then off). `STRIPE_API_BASE` points the SDK at another host (a
 * proxy, or the local fake in tests): host, port and protocol come from that URL. Telemetry is
 * off so no request timing is reported to Stripe; two network retries, which Stripe makes safe
 * with the idempotency keys the SDK adds to POSTs (https://docs.stripe.com/api/idempotent_requests).
 */
export function createStripeClient(
  stripe: AppConfig['stripe'],
  options: { maxNetworkRetries?: number } = {},
): Stripe | undefined {
  if (!stripe) return undefined;
  const base = stripe.apiBase ? new URL(stripe.apiBase) : undefined;
  const protocol = base?.protocol === 'http:' ? 'http' : 'https';
  const StripeSdk = requireStripe();
  return new StripeSdk(stripe.secretKey, {
    maxNetworkRetries: options.maxNetworkRetries ?? (base ? 0 : 2),
    telemetry: false,
    timeout: 20_000,
    ...(base ? { host: base.hostname, port: base.port || (protocol === 'http' ? 80 : 443), protocol } : {}),
  });
}

/** The origin of Stripe's hosted pages (checkout and the customer portal), for the web's CSP `form-action`. */
export function stripeHostedOrigins(stripe: AppConfig['stripe']): string[] {
  if (!stripe) return [];
  if (stripe.apiBase) return [new URL(stripe.apiBase).origin];
  return ['https://checkout.stripe.com', 'https://billing.stripe.com'];
}
