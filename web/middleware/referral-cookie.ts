import type { NextFunction, Request, Response } from 'express';
import type { Core } from '#core';
import { baseCookieOptions, parseCookies, setCookie } from '#web/middleware/cookies';

/** The cookie that carries an invite code from a `?ref=` link to registration or Google sign-in. */
export const REFERRAL_COOKIE = 'ref';
/** How long an invite link is remembered in the browser before the visitor signs up. */
export const REFERRAL_COOKIE_TTL_MS = 24 * 60 * 60 * 1000;

/**
 * Remembers the code of an invite link (`<PUBLIC_URL>/?ref=<code>`, or any page with `ref=`) in
 * a 24-hour HttpOnly cookie, until the visitor registers or signs in with Google. Only the shape
 * is checked here; whether a code is known is core's to say when it is applied.
 */
export function rememberReferralCode(isSecure: boolean) {
  return (request: Request, response: Response, next: NextFunction): void => {
    const ref = request.query.ref;
    if (request.method === 'GET' && typeof ref === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(ref)) {
      setCookie(response, REFERRAL_COOKIE, ref, isSecure, REFERRAL_COOKIE_TTL_MS);
    }
    next();
  };
}

/**
 * Applies the remembered invite code to the account that just registered or signed in with
 * Google, then forgets it. Returns what became of it (undefined when there was none).
 */
export async function applyReferralCookie(
  core: Core,
  request: Request,
  response: Response,
  userId: string,
  isSecure: boolean,
): Promise<string | undefined> {
  const code = parseCookies(request.headers.cookie)[REFERRAL_COOKIE];
  if (code === undefined) return undefined;
  response.clearCookie(REFERRAL_COOKIE, baseCookieOptions(isSecure));
  const outcome = await core.accounts.applyReferralCode({ userId, code });
  request.log.info({ outcome }, 'invite code from the web');
  return outcome;
}
