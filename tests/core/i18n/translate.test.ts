import { describe, expect, it } from 'vitest';
import { translate } from '#core/i18n/catalog';
import { CATALOG, isOfferedCurrency, ownValue } from '#core/catalog/catalog';
import { quoteCost } from '#core/catalog/quote-cost';

const PROTOTYPE_KEYS = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf'];

describe('lookups by a key that came from a user', () => {
  it('translate fills a placeholder-looking value (a display name, a typed option) as typed', () => {
    for (const key of PROTOTYPE_KEYS) {
      expect(translate('en', 'web.account.title', { name: `{${key}}` })).toBe(`Hello {${key}}`);
      expect(
        translate('zh-CN', 'errors.invalid_option', { option: '--model', value: `{${key}}`, allowed: 'a' }),
      ).not.toMatch(/native code|function/);
    }
    expect(
      translate('en', 'errors.invalid_option', { option: '--model', value: '{category.sexual}', allowed: 'a' }),
    ).toContain(translate('en', 'category.sexual'));
  });

  it('catalog tables answer prototype keys with nothing', () => {
    for (const key of PROTOTYPE_KEYS) {
      expect(ownValue(CATALOG.packs[0]?.prices ?? {}, key)).toBeUndefined();
      expect(isOfferedCurrency(CATALOG, key)).toBe(false);
      expect(quoteCost(CATALOG, { kind: 'image', model: key, count: 2, quality: 'standard' })).toBe(2);
      expect(quoteCost(CATALOG, { kind: 'video', model: key, durationSeconds: 5 })).toBe(10);
    }
    expect(isOfferedCurrency(CATALOG, 'eur')).toBe(true);
  });
});
