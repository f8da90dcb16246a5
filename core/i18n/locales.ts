/** The languages the product speaks (BCP 47 tags; also the names of the catalogs in `messages/`). */
export const LOCALES = ['en', 'zh-CN', 'ru', 'es', 'pt-BR', 'zh-TW', 'ja', 'id'] as const;
export type Locale = (typeof LOCALES)[number];

/** Each language named in itself, as the language choices show it. */
export const LOCALE_NAMES: Readonly<Record<Locale, string>> = {
  en: 'English',
  'zh-CN': '简体中文',
  ru: 'Русский',
  es: 'Español',
  'pt-BR': 'Português (Brasil)',
  'zh-TW': '繁體中文',
  ja: '日本語',
  id: 'Bahasa Indonesia',
};

/** Whether `value` is one of our locales exactly. */
export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (LOCALES as readonly string[]).includes(value);
}

/** Languages matched by their primary subtag alone (`in` is the old code for Indonesian). */
const BY_LANGUAGE: Readonly<Record<string, Locale>> = {
  en: 'en',
  ru: 'ru',
  es: 'es',
  pt: 'pt-BR',
  ja: 'ja',
  id: 'id',
  in: 'id',
};

/**
 * Maps a platform's language tag to ours: Telegram `language_code` (`zh-hans`, `pt-br`, `es`),
 * Discord's locale (`zh-TW`, `es-419`, `pt-BR`), a web `Accept-Language` entry (`zh-Hant-HK`).
 * Traditional Chinese (script Hant, or region TW, HK, MO without Hans) goes to zh-TW, other Chinese to zh-CN,
 * every Portuguese to pt-BR; anything we do not speak is `undefined`.
 */
export function matchLocale(tag: string | undefined | null): Locale | undefined {
  const subtags = (tag ?? '').trim().toLowerCase().replace(/_/g, '-').split('-');
  const [language = '', ...rest] = subtags;
  if (language === 'zh') {
    const isTraditional = !rest.includes('hans') && rest.some((part) => ['hant', 'tw', 'hk', 'mo'].includes(part));
    return isTraditional ? 'zh-TW' : 'zh-CN';
  }
  return Object.hasOwn(BY_LANGUAGE, language) ? BY_LANGUAGE[language] : undefined;
}

/** Like `matchLocale`, with English for a language we do not speak. */
export function normalizeLocale(tag: string | undefined | null): Locale {
  return matchLocale(tag) ?? 'en';
}
