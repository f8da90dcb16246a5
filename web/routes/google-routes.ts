import { Router } from 'express';
import { GOOGLE_CALLBACK_PATH, isAppError } from '#core';
import { baseCookieOptions, parseCookies } from '#web/middleware/cookies';
import {
  OIDC_STATE_TTL_MS,
  oidcStateCookieName,
  openOidcState,
  sealOidcState,
} from '#web/middleware/oidc-state-cookie';
import { signInSession } from '#web/middleware/session';
import { applyReferralCookie } from '#web/middleware/referral-cookie';
import { afterSignIn } from '#web/routes/auth-routes';
import { errorMessage, safeNext, sendPage, statusOf, viewOf, type Site } from '#web/routes/route-kit';
import { messagePage } from '#web/views/auth-views';

/**
 * Google sign-in (OpenID Connect with PKCE, state and nonce). The state, nonce and code verifier
 * wait in a signed, 10-minute, HttpOnly cookie between the redirect and the callback (so a
 * visitor who only starts a sign-in stores nothing on the server); a signed-in person's Google
 * account is linked to their account.
 */
export function createGoogleRoutes(site: Site, options: { publicUrl: string; sessionSecret: string }): Router {
  const { core } = site;
  const router = Router();
  const google = core.accounts.google;
  if (!google) return router;
  const cookieName = oidcStateCookieName(site.isSecure);
  const nowMs = () => core.now().getTime();

  router.get('/auth/google', async (request, response) => {
    const { url, pending } = await google.start();
    const sealed = sealOidcState(
      options.sessionSecret,
      { ...pending, returnTo: safeNext(request.query.next) },
      nowMs(),
    );
    response.cookie(cookieName, sealed, { ...baseCookieOptions(site.isSecure), maxAge: OIDC_STATE_TTL_MS });
    response.redirect(303, url);
  });

  router.get(GOOGLE_CALLBACK_PATH, async (request, response) => {
    const view = viewOf(site, request);
    const fail = (status: number, message: string) =>
      sendPage(
        response,
        status,
        messagePage(view, {
          title: view.t('web.google.title'),
          kind: 'error',
          message,
          link: { href: '/login', label: view.t('web.nav.sign_in') },
        }),
      );
    const oidc = openOidcState(options.sessionSecret, parseCookies(request.headers.cookie)[cookieName], nowMs());
    response.clearCookie(cookieName, baseCookieOptions(site.isSecure));
    if (!oidc) {
      request.log.warn('google callback without a valid sign-in state cookie');
      return fail(400, view.t('web.google.state_invalid'));
    }
    try {
      const { userId } = await google.finish({
        callbackUrl: `${options.publicUrl}${request.originalUrl}`,
        pending: { state: oidc.state, nonce: oidc.nonce, verifier: oidc.verifier },
        signedInUserId: request.user?.id,
        locale: request.locale,
        origin: request.origin,
      });
      await signInSession(core, request, response, userId, site);
      await applyReferralCookie(core, request, response, userId, site.isSecure);
      const session = await core.sessions.find(request.sid);
      response.redirect(303, afterSignIn(session?.user?.hasAcceptedTerms ?? false, oidc.returnTo));
    } catch (error) {
      if (!isAppError(error)) throw error;
      fail(statusOf(error), errorMessage(view, error) ?? '');
    }
  });

  return router;
}
