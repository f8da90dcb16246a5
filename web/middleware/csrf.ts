import { createHmac, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

/** The form field (and header) carrying the CSRF token. */
export const CSRF_FIELD = '_csrf';

/**
 * The CSRF token of a session: an HMAC of the session cookie's id under the server secret (a
 * synchronizer token that needs no storage). It changes whenever the id does (every sign-in and
 * sign-out), a cross-site page cannot read it, and without the secret it cannot be derived.
 */
export function csrfTokenFor(secret: string, sid: string): string {
  return createHmac('sha256', secret).update(`csrf:v1:${sid}`).digest('base64url');
}

/** Gives each request its token (`request.csrfToken`) for the forms it renders. */
export function provideCsrfToken(secret: string) {
  return (request: Request, _response: Response, next: NextFunction): void => {
    request.csrfToken = csrfTokenFor(secret, request.sid);
    next();
  };
}

/**
 * Refuses every state-changing request (anything but GET/HEAD/OPTIONS) whose `_csrf` field or
 * `X-CSRF-Token` header does not match the session's token, with `onFailure` (a 403 page).
 */
export function requireCsrfToken(onFailure: (request: Request, response: Response) => void) {
  return (request: Request, response: Response, next: NextFunction): void => {
    if (['GET', 'HEAD', 'OPTIONS'].includes(request.method)) {
      next();
      return;
    }
    const body = request.body as Record<string, unknown> | undefined;
    const sent =
      typeof body?.[CSRF_FIELD] === 'string' ? (body[CSRF_FIELD] as string) : (request.get('x-csrf-token') ?? '');
    const expected = Buffer.from(request.csrfToken);
    const given = Buffer.from(sent);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      request.log.warn({ method: request.method }, 'csrf token missing or wrong');
      onFailure(request, response);
      return;
    }
    next();
  };
}
