import { Router } from 'express';
import { isAppError } from '#core';
import { signInSession, signOutSession } from '#web/middleware/session';
import { applyReferralCookie } from '#web/middleware/referral-cookie';
import {
  errorMessage,
  field,
  isChecked,
  requireUser,
  safeNext,
  sendPage,
  setRetryAfter,
  statusOf,
  viewOf,
  type Site,
} from '#web/routes/route-kit';
import {
  forgotPasswordPage,
  loginPage,
  messagePage,
  registerPage,
  resetPasswordPage,
  undoEmailChangePage,
  welcomePage,
} from '#web/views/auth-views';

/** Where to go after signing in: the terms first when they are not accepted yet. */
function afterSignIn(hasAcceptedTerms: boolean, next: string): string {
  return hasAcceptedTerms ? next : `/welcome?next=${encodeURIComponent(next)}`;
}

/**
 * Registration, password sign-in and sign-out, email verification (and undoing an email change
 * from the previous address), password reset, and the terms acceptance page. Sign-in rotates the session id; every outcome is recorded by core.
 */
export function createAuthRoutes(site: Site): Router {
  const { core } = site;
  const router = Router();

  router.get('/register', (request, response) => {
    if (request.user) return response.redirect(303, '/account');
    sendPage(response, 200, registerPage(viewOf(site, request), { next: safeNext(request.query.next) }));
  });

  router.post('/register', async (request, response) => {
    const view = viewOf(site, request);
    const next = safeNext(field(request, 'next'));
    const values = { email: field(request, 'email'), displayName: field(request, 'displayName') };
    try {
      const { userId } = await core.accounts.register({
        email: values.email,
        password: field(request, 'password'),
        displayName: values.displayName,
        locale: request.locale,
        isAgeConfirmed: isChecked(request, 'age'),
        hasAcceptedTerms: isChecked(request, 'terms'),
        origin: request.origin,
      });
      await signInSession(core, request, response, userId, site);
      const referral = await applyReferralCookie(core, request, response, userId, site.isSecure);
      response.redirect(
        303,
        next === '/account' ? `/account?welcome=1${referral ? `&referral=${referral}` : ''}` : next,
      );
    } catch (error) {
      if (!isAppError(error)) throw error;
      setRetryAfter(response, error);
      sendPage(response, statusOf(error), registerPage(view, { error: errorMessage(view, error), values, next }));
    }
  });

  router.get('/login', (request, response) => {
    if (request.user) return response.redirect(303, safeNext(request.query.next));
    const view = viewOf(site, request);
    const info =
      request.query.reset === '1'
        ? view.t('web.reset.done')
        : request.query.signed_out === 'everywhere'
          ? view.t('web.login.signed_out_everywhere')
          : undefined;
    sendPage(response, 200, loginPage(view, { next: safeNext(request.query.next), ...(info ? { info } : {}) }));
  });

  router.post('/login', async (request, response) => {
    const view = viewOf(site, request);
    const next = safeNext(field(request, 'next'));
    const email = field(request, 'email');
    try {
      const { userId } = await core.accounts.signIn({
        email,
        password: field(request, 'password'),
        origin: request.origin,
      });
      await signInSession(core, request, response, userId, site);
      const session = await core.sessions.find(request.sid);
      response.redirect(303, afterSignIn(session?.user?.hasAcceptedTerms ?? false, next));
    } catch (error) {
      if (!isAppError(error)) throw error;
      setRetryAfter(response, error);
      sendPage(response, statusOf(error), loginPage(view, { error: errorMessage(view, error), email, next }));
    }
  });

  router.post('/logout', async (request, response) => {
    await signOutSession(core, request, response, site);
    response.redirect(303, '/');
  });

  router.get('/verify-email/:token', async (request, response) => {
    const view = viewOf(site, request);
    try {
      const { isChange } = await core.accounts.verifyEmail({ token: request.params.token, origin: request.origin });
      sendPage(
        response,
        200,
        messagePage(view, {
          title: view.t('web.verify.title'),
          kind: 'success',
          message: view.t(isChange ? 'web.verify.changed' : 'web.verify.done'),
          link: { href: '/account', label: view.t('web.nav.account') },
        }),
      );
    } catch (error) {
      if (!isAppError(error)) throw error;
      sendPage(
        response,
        statusOf(error),
        messagePage(view, {
          title: view.t('web.verify.title'),
          kind: 'error',
          message: errorMessage(view, error) ?? '',
        }),
      );
    }
  });

  router.get('/undo-email-change/:token', async (request, response) => {
    const view = viewOf(site, request);
    const undo = await core.accounts.describeEmailChangeUndo(request.params.token);
    if (!undo)
      return sendPage(
        response,
        400,
        messagePage(view, {
          title: view.t('web.undo_email.title'),
          kind: 'error',
          message: view.t('errors.token_invalid'),
        }),
      );
    sendPage(response, 200, undoEmailChangePage(view, { token: request.params.token, email: undo.email }));
  });

  router.post('/undo-email-change/:token', async (request, response) => {
    const view = viewOf(site, request);
    try {
      const { email, isPasswordCleared } = await core.accounts.undoEmailChange({
        token: request.params.token,
        currentSid: request.webSession ? request.sid : undefined,
        origin: request.origin,
      });
      const message = isPasswordCleared
        ? `${view.t('web.undo_email.done', { email })} ${view.t('web.undo_email.set_password')}`
        : view.t('web.undo_email.done', { email });
      const link = isPasswordCleared
        ? { href: '/forgot-password', label: view.t('web.reset.again') }
        : { href: '/account', label: view.t('web.nav.account') };
      sendPage(
        response,
        200,
        messagePage(view, { title: view.t('web.undo_email.title'), kind: 'success', message, link }),
      );
    } catch (error) {
      if (!isAppError(error)) throw error;
      sendPage(
        response,
        statusOf(error),
        messagePage(view, {
          title: view.t('web.undo_email.title'),
          kind: 'error',
          message: errorMessage(view, error) ?? '',
        }),
      );
    }
  });

  router.get('/forgot-password', (request, response) => {
    sendPage(response, 200, forgotPasswordPage(viewOf(site, request), {}));
  });

  router.post('/forgot-password', async (request, response) => {
    const view = viewOf(site, request);
    try {
      await core.accounts.requestPasswordReset({
        email: field(request, 'email'),
        locale: request.locale,
        origin: request.origin,
      });
      sendPage(response, 200, forgotPasswordPage(view, { isSent: true }));
    } catch (error) {
      if (!isAppError(error)) throw error;
      setRetryAfter(response, error);
      sendPage(response, statusOf(error), forgotPasswordPage(view, { error: errorMessage(view, error) }));
    }
  });

  router.get('/reset-password/:token', async (request, response) => {
    const isUsable = await core.accounts.isPasswordResetUsable(request.params.token);
    sendPage(
      response,
      isUsable ? 200 : 400,
      resetPasswordPage(viewOf(site, request), { token: request.params.token, isUsable }),
    );
  });

  router.post('/reset-password/:token', async (request, response) => {
    const view = viewOf(site, request);
    try {
      await core.accounts.resetPassword({
        token: request.params.token,
        password: field(request, 'password'),
        origin: request.origin,
      });
      await signOutSession(core, request, response, site);
      response.redirect(303, '/login?reset=1');
    } catch (error) {
      if (!isAppError(error)) throw error;
      const isUsable = error.code !== 'token_invalid';
      setRetryAfter(response, error);
      sendPage(
        response,
        statusOf(error),
        resetPasswordPage(view, { token: request.params.token, isUsable, error: errorMessage(view, error) }),
      );
    }
  });

  router.get('/welcome', requireUser, (request, response) => {
    const next = safeNext(request.query.next);
    if (request.user?.hasAcceptedTerms) return response.redirect(303, next);
    sendPage(response, 200, welcomePage(viewOf(site, request), { next }));
  });

  router.post('/welcome', requireUser, async (request, response) => {
    const view = viewOf(site, request);
    const next = safeNext(field(request, 'next'));
    try {
      await core.accounts.acceptTerms({
        userId: request.user?.id ?? '',
        isAgeConfirmed: isChecked(request, 'age'),
        hasAcceptedTerms: isChecked(request, 'terms'),
        origin: request.origin,
      });
      response.redirect(303, next);
    } catch (error) {
      if (!isAppError(error)) throw error;
      sendPage(response, statusOf(error), welcomePage(view, { error: errorMessage(view, error), next }));
    }
  });

  return router;
}

export { afterSignIn };
