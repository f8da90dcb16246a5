import type { CoreDeps } from '#core/core-deps';
import { isOfferedCurrency, ownValue } from '#core/catalog/catalog';
import { defaultPrices, listOfferedModels, type OfferedModel } from '#core/models/list-offered-models';
import { AppError } from '#core/errors/app-error';

/** One thing for sale, priced in one currency (minor units). */
export type PriceTag = { kind: 'pack' | 'plan'; id: string; credits: number; amount: number; currency: string };

/** Everything the pricing page shows. */
export type Pricing = {
  currency: string;
  packs: PriceTag[];
  plans: PriceTag[];
  packValidDays: number | null;
  isCardPaymentEnabled: boolean;
  /** What things cost in credits with the default models: one standard image, the HD multiplier, a second of video. */
  costs: { imageCost: number; hdMultiplier: number; videoPerSecond: number };
  /** Every offered model with its price, images first. */
  models: OfferedModel[];
};

/**
 * The pricing page: packs and plans in `currency` (the catalog's default when none is asked
 * for), and how long pack credits last. Throws `invalid_input` (field `currency`) for a currency
 * the catalog does not offer.
 */
export function listPricing(deps: Pick<CoreDeps, 'catalog' | 'config' | 'providers'>, currency?: string): Pricing {
  const { catalog } = deps;
  const asked = currency?.toLowerCase();
  if (asked !== undefined && !isOfferedCurrency(catalog, asked))
    throw new AppError('invalid_input', { vars: { field: 'currency' } });
  const chosen = asked ?? catalog.defaultCurrency;
  return {
    currency: chosen,
    packs: catalog.packs.flatMap((pack) => {
      const amount = ownValue(pack.prices, chosen);
      return amount === undefined
        ? []
        : [{ kind: 'pack' as const, id: pack.id, credits: pack.credits, amount, currency: chosen }];
    }),
    plans: catalog.plans.flatMap((plan) => {
      const amount = ownValue(plan.prices, chosen);
      return amount === undefined
        ? []
        : [{ kind: 'plan' as const, id: plan.id, credits: plan.monthlyCredits, amount, currency: chosen }];
    }),
    packValidDays: catalog.packCreditsValidDays,
    isCardPaymentEnabled: deps.config.stripe !== undefined,
    costs: defaultPrices(deps),
    models: [...listOfferedModels(deps, 'image'), ...listOfferedModels(deps, 'video')],
  };
}
