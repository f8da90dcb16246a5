import type Stripe from 'stripe';
import type { Catalog } from '#core/catalog/catalog';

/** What a catalog product costs: its prices per currency (minor units), or the Stripe price it names. */
export type PricedProduct = { prices: Record<string, number>; stripePriceId?: string | undefined };

/** What was paid: the amount (minor units), its currency and, when known, the Stripe prices of its lines. */
export type PaidPrice = {
  amount: number;
  currency: string;
  lines?: { priceId: string | undefined; quantity: number }[];
};

/** The verdict: the price matches, or why not and what the catalog asked instead. */
export type PriceVerdict =
  | { isMatch: true }
  | {
      isMatch: false;
      reason: 'amount_mismatch' | 'currency_not_sold' | 'price_mismatch';
      expectedAmount: number | null;
      expectedCurrency: string | null;
    };

/**
 * Whether a payment paid exactly the catalog's price for the product it names. Without a
 * `stripePriceId` the catalog's amount in the paid currency must equal the amount paid (a
 * currency the product is not sold in never matches). With one, the payment must consist of one
 * line of that Stripe price, quantity 1, and the amount paid must be that price's amount in its
 * currency (the price is re-read from Stripe). A discount, a different quantity or another price
 * therefore never matches: crediting follows the money, never the metadata.
 */
export async function checkPaidPrice(
  stripe: Stripe,
  catalog: Pick<Catalog, 'defaultCurrency'>,
  product: PricedProduct,
  paid: PaidPrice,
): Promise<PriceVerdict> {
  const currency = paid.currency.toLowerCase();
  if (product.stripePriceId) {
    const price = await stripe.prices.retrieve(product.stripePriceId);
    const expected = { expectedAmount: price.unit_amount, expectedCurrency: price.currency };
    const lines = paid.lines ?? [];
    const isOurLine = lines.length === 1 && lines[0]?.priceId === product.stripePriceId && lines[0].quantity === 1;
    if (!isOurLine) return { isMatch: false, reason: 'price_mismatch', ...expected };
    if (currency !== price.currency) return { isMatch: false, reason: 'currency_not_sold', ...expected };
    if (paid.amount !== price.unit_amount) return { isMatch: false, reason: 'amount_mismatch', ...expected };
    return { isMatch: true };
  }
  const expectedAmount = Object.hasOwn(product.prices, currency) ? product.prices[currency] : undefined;
  if (expectedAmount === undefined) {
    return {
      isMatch: false,
      reason: 'currency_not_sold',
      expectedAmount: product.prices[catalog.defaultCurrency] ?? null,
      expectedCurrency: catalog.defaultCurrency,
    };
  }
  if (paid.amount !== expectedAmount)
    return { isMatch: false, reason: 'amount_mismatch', expectedAmount, expectedCurrency: currency };
  return { isMatch: true };
}
