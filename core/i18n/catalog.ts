import { en } from '#core/i18n/en';
import { zhCN } from '#core/i18n/zh-cn';
import type { Locale } from '#core/i18n/locales';

/** Every message key; a reply can only name one of these. */
export type MessageKey = keyof typeof en;

/** A complete catalog: one string for every key, no more. */
export type Catalog = { readonly [K in MessageKey]: string };

const CATALOGS: Record<Locale, Catalog> = { en, 'zh-CN': zhCN };

/** The catalog of a locale. */
export function catalogOf(locale: Locale): Catalog {
  return CATALOGS[locale];
}

/**
 * Translates a key, filling `{name}` placeholders. A variable whose value is itself `{key}` of
 * the catalog (e.g. `{category.sexual}`) is translated too, so core can name a category or a
 * reason without holding sentences. An unknown placeholder stays visible.
 */
export function translate(locale: Locale, key: MessageKey, vars: Record<string, string | number> = {}): string {
  const catalog = CATALOGS[locale];
  return catalog[key].replace(/\{(\w+)\}/g, (whole, name: string) => {
    if (!Object.hasOwn(vars, name)) return whole;
    const value = String(vars[name]);
    const nested = /^\{([\w.]+)\}$/.exec(value)?.[1];
    return nested && Object.hasOwn(catalog, nested) ? catalog[nested as MessageKey] : value;
  });
}
