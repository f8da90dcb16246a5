import type { CoreDeps } from '#core/core-deps';
import { ownValue } from '#core/catalog/catalog';
import { quoteCost } from '#core/catalog/quote-cost';
import { routeModel } from '#core/providers/route-model';

/**
 * The price of one image: its credits, and what that is in money bought in the cheapest pack (the
 * pack with the lowest price in `currency`): the pack's price divided by its credits, times the
 * image's credits, in minor units (a fraction; round only when showing it).
 */
export type ImagePrice = {
  credits: number;
  money: { amountMinor: number; currency: string; packCredits: number; packAmount: number } | undefined;
};

/**
 * What one standard image costs a user who names no model: the credits come from `quoteCost` for
 * the model chat would route such a request to, exactly what `/imagine` charges; the money from
 * the catalog's cheapest pack in the default currency. `money` is undefined when no pack has a price in it.
 */
export function quoteImagePrice(deps: Pick<CoreDeps, 'catalog' | 'providers'>): ImagePrice {
  const { catalog } = deps;
  let model = 'default';
  try {
    model = routeModel(deps.providers, { kind: 'image', requestedModel: undefined, needsEdit: false, count: 1 }).model;
  } catch {
    // No image provider configured: the catalog's default price still says what an image costs.
  }
  const credits = quoteCost(catalog, { kind: 'image', model, count: 1, quality: 'standard' });
  const currency = catalog.defaultCurrency;
  const cheapest = catalog.packs
    .flatMap((pack) => {
      const amount = ownValue(pack.prices, currency);
      return amount === undefined ? [] : [{ credits: pack.credits, amount }];
    })
    .sort((a, b) => a.amount - b.amount)[0];
  return {
    credits,
    money: cheapest
      ? {
          amountMinor: (cheapest.amount / cheapest.credits) * credits,
          currency,
          packCredits: cheapest.credits,
          packAmount: cheapest.amount,
        }
      : undefined,
  };
}
