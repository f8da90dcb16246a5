import type { NextFunction, Request, Response } from 'express';
import { isLocale, matchLocale, normalizeLocale, type Locale } from '#core';
import { parseCookies } from '#web/middleware/cookies';

/** The cookie the language switch sets. */
export const LOCALE_COOKIE = 'lang';

/** The preferred language of an `Accept-Language` header that we speak, by quality; English otherwise. */
export function localeFromAcceptLanguage(header: string | undefined): Locale {
  const ranked = (header ?? '')
    .split(',')
    .map((part) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((param) => /^\s*q=([\d.]+)/.exec(param)?.[1]).find(Boolean);
      return { tag: tag.trim().toLowerCase(), q: q === undefined ? 1 : Number(q) };
    })
    .filter((entry) => entry.tag !== '' && entry.q > 0)
    .sort((a, b) => b.q - a.q);
  for (const entry of ranked) {
    const locale = matchLocale(entry.tag);
    if (locale) return locale;
  }
  return 'en';
}

/** Picks the page language: the switch's cookie, else the account's language, else Accept-Language. */
export function chooseLocale(request: Request, _response: Response, next: NextFunction): void {
  const chosen = parseCookies(request.headers.cookie)[LOCALE_COOKIE];
  request.locale = isLocale(chosen)
    ? chosen
    : request.user
      ? normalizeLocale(request.user.locale)
      : localeFromAcceptLanguage(request.get('accept-language'));
  next();
}
