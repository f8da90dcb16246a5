import type { CoreDeps } from '#core/core-deps';
import { ownValue } from '#core/catalog/catalog';
import { quoteCost } from '#core/catalog/quote-cost';
import { defaultModels } from '#core/providers/route-model';

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
 * the model chat would send such a request to first (the models file's default order), exactly
 * what `/imagine` charges; the money from the catalog's cheapest pack in the default currency.
 * `money` is undefined when no pack has a price in it; `credits` is 1 when no image model is offered.
 */
export function quoteImagePrice(
  deps: Pick<CoreDeps, 'catalog' | 'providers'> & { config: Pick<CoreDeps['config'], 'models'> },
): ImagePrice {
  const { catalog } = deps;
  const model = defaultModels(deps, 'image')[0];
  const credits = model ? quoteCost(model, { kind: 'image', count: 1, quality: 'standard' }) : 1;
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
