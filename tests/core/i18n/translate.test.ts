import { describe, expect, it } from 'vitest';
import { translate } from '#core/i18n/catalog';
import { CATALOG, isOfferedCurrency, ownValue } from '#core/catalog/catalog';
import { loadConfig } from '#core/config/load-config';
import { findModel } from '#core/providers/route-model';

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

  it('catalog tables and the models file answer prototype keys with nothing', () => {
    const config = loadConfig({});
    for (const key of PROTOTYPE_KEYS) {
      expect(ownValue(CATALOG.packs[0]?.prices ?? {}, key)).toBeUndefined();
      expect(isOfferedCurrency(CATALOG, key)).toBe(false);
      expect(findModel({ config }, 'image', key)).toBeUndefined();
      expect(findModel({ config }, 'video', key)).toBeUndefined();
    }
    expect(isOfferedCurrency(CATALOG, 'eur')).toBe(true);
  });
});
