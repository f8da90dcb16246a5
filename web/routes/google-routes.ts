import { Router } from 'express';
import { GOOGLE_CALLBACK_PATH, isAppError } from '#core';
import { setCookie } from '#web/middleware/cookies';
import { sessionCookieName, signInSession } from '#web/middleware/session';
import { afterSignIn } from '#web/routes/auth-routes';
import { errorMessage, safeNext, sendPage, statusOf, viewOf, type Site } from '#web/routes/route-kit';
import { messagePage } from '#web/views/auth-views';

/**
 * Google sign-in (OpenID Connect with PKCE, state and nonce). The state, nonce and code verifier
 * wait in the server-side session between the redirect and the callback; a signed-in person's
 * Google account is linked to their account.
 */
export function createGoogleRoutes(site: Site, publicUrl: string): Router {
  const { core } = site;
  const router = Router();
  const google = core.accounts.google;
  if (!google) return router;

  router.get('/auth/google', async (request, response) => {
    const { url, pending } = await google.start();
    const oidc = { ...pending, returnTo: safeNext(request.query.next) };
    if (request.webSession) {
      await core.sessions.save(request.sid, { ...request.webSession.data, oidc });
    } else {
      const { sid } = await core.sessions.create({ userId: null, data: { oidc }, origin: request.origin, replacesSid: request.sid });
      setCookie(response, sessionCookieName(site.isSecure), sid, site.isSecure);
    }
    response.redirect(303, url);
  });

  router.get(GOOGLE_CALLBACK_PATH, async (request, response) => {
    const view = viewOf(site, request);
    const oidc = request.webSession?.data.oidc;
    const fail = (status: number, message: string) => sendPage(response, status, messagePage(view, { title: view.t('web.google.title'), kind: 'error', message, link: { href: '/login', label: view.t('web.nav.sign_in') } }));
    if (!oidc || !request.webSession) return fail(400, view.t('errors.token_invalid'));
    const { oidc: _used, ...rest } = request.webSession.data;
    await core.sessions.save(request.sid, rest);
    try {
      const { userId } = await google.finish({
        callbackUrl: `${publicUrl}${request.originalUrl}`,
        pending: { state: oidc.state, nonce: oidc.nonce, verifier: oidc.verifier },
        signedInUserId: request.user?.id,
        locale: request.locale,
        origin: request.origin,
      });
      await signInSession(core, request, response, userId, site);
      const session = await core.sessions.find(request.sid);
      response.redirect(303, afterSignIn(session?.user?.hasAcceptedTerms ?? false, oidc.returnTo));
    } catch (error) {
      if (!isAppError(error)) throw error;
      fail(statusOf(error), errorMessage(view, error) ?? '');
    }
  });

  return router;
}
