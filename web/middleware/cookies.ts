import type { CookieOptions, Response } from 'express';

/** Parses a `Cookie` header into name → value (first value wins, bad encodings kept raw). */
export function parseCookies(header: string | undefined): Record<string, string> {
  // No prototype: a cookie named `constructor` or `__proto__` is just an unknown cookie.
  const cookies: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const part of (header ?? '').split(';')) {
    const index = part.indexOf('=');
    if (index <= 0) continue;
    const name = part.slice(0, index).trim();
    if (Object.hasOwn(cookies, name)) continue;
    const value = part
      .slice(index + 1)
      .trim()
      .replace(/^"(.*)"$/, '$1');
    try {
      cookies[name] = decodeURIComponent(value);
    } catch {
      cookies[name] = value;
    }
  }
  return cookies;
}

/** The cookie settings of the site: httpOnly, SameSite=Lax, Secure in production, whole site. */
export function baseCookieOptions(isSecure: boolean): CookieOptions {
  return { httpOnly: true, sameSite: 'lax', secure: isSecure, path: '/' };
}

/** Sets a cookie with the site's settings. */
export function setCookie(response: Response, name: string, value: string, isSecure: boolean, maxAgeMs?: number): void {
  response.cookie(name, value, {
    ...baseCookieOptions(isSecure),
    ...(maxAgeMs === undefined ? {} : { maxAge: maxAgeMs }),
  });
}
