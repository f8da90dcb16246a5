import type { CoreDeps } from '#core/core-deps';

/** One thing for sale, priced in one currency (minor units). */
export type PriceTag = { kind: 'pack' | 'plan'; id: string; credits: number; amount: number; currency: string };

/** Everything the pricing page shows. */
export type Pricing = {
  currency: string;
  packs: PriceTag[];
  plans: PriceTag[];
  packValidDays: number | null;
  isCardPaymentEnabled: boolean;
  /** What things cost in credits: one standard image, the HD multiplier, a second of video. */
  costs: { imageCost: number; hdMultiplier: number; videoPerSecond: number };
};

/** The pricing page: packs and plans in `currency` (the catalog's default when not sold in it), and how long pack credits last. */
export function listPricing(deps: Pick<CoreDeps, 'catalog' | 'config'>, currency?: string): Pricing {
  const { catalog } = deps;
  const chosen = currency && catalog.packs.every((pack) => pack.prices[currency] !== undefined) ? currency : catalog.defaultCurrency;
  return {
    currency: chosen,
    packs: catalog.packs.flatMap((pack) => (pack.prices[chosen] ? [{ kind: 'pack' as const, id: pack.id, credits: pack.credits, amount: pack.prices[chosen], currency: chosen }] : [])),
    plans: catalog.plans.flatMap((plan) => (plan.prices[chosen] ? [{ kind: 'plan' as const, id: plan.id, credits: plan.monthlyCredits, amount: plan.prices[chosen], currency: chosen }] : [])),
    packValidDays: catalog.packCreditsValidDays,
    isCardPaymentEnabled: deps.config.stripe !== undefined,
    costs: { imageCost: catalog.costs.imageModels.default ?? 1, hdMultiplier: catalog.costs.hdMultiplier, videoPerSecond: catalog.costs.videoModelsPerSecond.default ?? 2 },
  };
}
