import { describe, expect, it } from 'vitest';
import { matchLocale, normalizeLocale } from '#core/i18n/locales';

describe('choosing one of our eight languages from a platform tag', () => {
  it('reads Telegram language_code values', () => {
    const cases: [string, string][] = [
      ['en', 'en'],
      ['ru', 'ru'],
      ['es', 'es'],
      ['pt-br', 'pt-BR'],
      ['pt', 'pt-BR'],
      ['zh-hans', 'zh-CN'],
      ['zh-hant', 'zh-TW'],
      ['zh', 'zh-CN'],
      ['ja', 'ja'],
      ['id', 'id'],
      ['uk', 'en'],
    ];
    for (const [code, locale] of cases) expect(normalizeLocale(code), code).toBe(locale);
  });

  it('reads Discord locales', () => {
    const cases: [string, string][] = [
      ['en-US', 'en'],
      ['en-GB', 'en'],
      ['ru', 'ru'],
      ['es-ES', 'es'],
      ['es-419', 'es'],
      ['pt-BR', 'pt-BR'],
      ['zh-CN', 'zh-CN'],
      ['zh-TW', 'zh-TW'],
      ['ja', 'ja'],
      ['id', 'id'],
      ['fr', 'en'],
    ];
    for (const [code, locale] of cases) expect(normalizeLocale(code), code).toBe(locale);
  });

  it('tells Traditional from Simplified Chinese by script first, then by region', () => {
    expect(matchLocale('zh-Hant-HK')).toBe('zh-TW');
    expect(matchLocale('zh_HK')).toBe('zh-TW');
    expect(matchLocale('zh-MO')).toBe('zh-TW');
    expect(matchLocale('zh-Hans-HK')).toBe('zh-CN');
    expect(matchLocale('zh-SG')).toBe('zh-CN');
    expect(matchLocale('de')).toBeUndefined();
    expect(matchLocale(undefined)).toBeUndefined();
  });
});
