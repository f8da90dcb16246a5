import type { NextFunction, Request, Response } from 'express';
import { isSessionIdShape, newSessionId, type Core } from '#core';
import { parseCookies, setCookie } from '#web/middleware/cookies';

/** The session cookie's name: `__Host-` in production (Secure, whole site, no Domain: subdomains cannot set it). */
export function sessionCookieName(isSecure: boolean): string {
  return isSecure ? '__Host-sid' : 'sid';
}

/**
 * Loads the server-side session behind the cookie (the cookie holds only a random id) and the
 * signed-in user. A visitor without a usable id gets a fresh one, so forms can carry a CSRF
 * token before sign-in; no row is stored until a session has something to hold.
 */
export function loadSession(core: Core, options: { isSecure: boolean }) {
  const name = sessionCookieName(options.isSecure);
  return async (request: Request, response: Response, next: NextFunction): Promise<void> => {
    const sid = parseCookies(request.headers.cookie)[name];
    request.origin = { ip: request.ip, userAgent: request.get('user-agent') };
    if (sid && isSessionIdShape(sid)) {
      request.sid = sid;
      request.webSession = await core.sessions.find(sid);
      // The server extended an active session: the browser keeps the cookie as long.
      if (request.webSession?.wasExtended)
        setCookie(response, name, sid, options.isSecure, request.webSession.expiresAt.getTime() - Date.now());
    } else {
      request.sid = newSessionId();
      request.webSession = undefined;
      setCookie(response, name, request.sid, options.isSecure);
    }
    request.user = request.webSession?.user;
    if (request.user) request.log = request.log.child({ platform: 'web', userId: request.user.id });
    next();
  };
}

/**
 * Signs the request in as `userId`: a new session with a new id replaces the old one (so an id
 * planted before sign-in is worthless) and the cookie is rewritten.
 */
export async function signInSession(
  core: Core,
  request: Request,
  response: Response,
  userId: string,
  options: { isSecure: boolean },
): Promise<void> {
  const { sid, expiresAt } = await core.sessions.create({ userId, origin: request.origin, replacesSid: request.sid });
  request.sid = sid;
  setCookie(response, sessionCookieName(options.isSecure), sid, options.isSecure, expiresAt.getTime() - Date.now());
}

/** Signs out: ends the session and gives the browser a fresh anonymous id. */
export async function signOutSession(
  core: Core,
  request: Request,
  response: Response,
  options: { isSecure: boolean },
): Promise<void> {
  await core.sessions.end(request.sid, request.origin);
  request.sid = newSessionId();
  request.user = undefined;
  setCookie(response, sessionCookieName(options.isSecure), request.sid, options.isSecure);
}
