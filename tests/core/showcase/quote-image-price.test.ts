import { describe, expect, it } from 'vitest';
import { CATALOG, type Catalog } from '#core/catalog/catalog';
import { createDemoImageProvider } from '#core/providers/demo/demo-image-provider';
import { quoteImagePrice } from '#core/showcase/quote-image-price';
import { modelsOfProviders } from '#tests/support/models-of-providers';

const providers = { image: [createDemoImageProvider()], video: [] };
const models = modelsOfProviders(providers);
const config = { models };

describe('quoteImagePrice', () => {
  it('prices one image as chat charges it, in money from the cheapest pack', () => {
    expect(quoteImagePrice({ catalog: CATALOG, providers, config })).toEqual({
      credits: 1,
      money: { amountMinor: 9.98, currency: 'usd', packCredits: 50, packAmount: 499 },
    });
  });

  it('follows the cost of the model chat would use, and picks the pack with the lowest price', () => {
    const catalog: Catalog = {
      ...CATALOG,
      packs: [
        { id: 'big', credits: 1000, prices: { usd: 5000, eur: 5000 }, stars: 2500 },
        { id: 'small', credits: 20, prices: { usd: 300, eur: 300 }, stars: 150 },
      ],
    };
    const pricier = { models: models.map((model) => ({ ...model, cost: { ...model.cost, perImage: 3 } })) };
    expect(quoteImagePrice({ catalog, providers, config: pricier })).toEqual({
      credits: 3,
      money: { amountMinor: 45, currency: 'usd', packCredits: 20, packAmount: 300 },
    });
  });

  it('gives credits only when no pack has a price in the default currency, or no provider is configured', () => {
    const catalog: Catalog = { ...CATALOG, defaultCurrency: 'gbp' };
    expect(quoteImagePrice({ catalog, providers, config })).toEqual({ credits: 1, money: undefined });
    expect(quoteImagePrice({ catalog: CATALOG, providers: { image: [], video: [] }, config }).credits).toBe(1);
  });
});
