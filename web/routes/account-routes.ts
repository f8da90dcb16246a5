import { Router, type Request, type Response } from 'express';
import { isAppError } from '#core';
import { signOutSession } from '#web/middleware/session';
import {
  errorMessage,
  field,
  requireUser,
  sendPage,
  setRetryAfter,
  statusOf,
  viewOf,
  type Site,
} from '#web/routes/route-kit';
import { accountPage, settingsPage } from '#web/views/account-views';
import { sendStream } from '#web/routes/send-stream';

const REFERRAL_NOTES = ['applied', 'unknown_code', 'own_code', 'already_referred', 'already_purchased'] as const;

/** What became of an invite code at registration, as the redirect names it (`?referral=`), when it is one of ours. */
function referralNoteOf(value: unknown): (typeof REFERRAL_NOTES)[number] | undefined {
  return REFERRAL_NOTES.find((note) => note === value);
}

type Flash = { kind: 'error' | 'info' | 'success'; message: string };

/**
 * The account area: a suspension and the appeal against it, balance, credit history, payments
 * and plan (with the Stripe Customer Portal), settings (display name, language, email), the
 * account's own media, resending the verification email, removing a linked identity, and signing
 * out everywhere. Everything needs a signed-in session.
 */
export function createAccountRoutes(site: Site): Router {
  const { core } = site;
  const router = Router();
  router.use('/account', requireUser);

  const showAccount = async (
    request: Request,
    response: Response,
    status: number,
    flash?: Flash,
    appealText?: string,
  ) => {
    const view = viewOf(site, request);
    const userId = request.user?.id ?? '';
    const [overview, suspension] = await Promise.all([
      core.accounts.overview(userId),
      core.accounts.suspensionStatus(userId),
    ]);
    sendPage(
      response,
      status,
      accountPage(view, { overview, suspension, ...(appealText ? { appealText } : {}), ...(flash ? { flash } : {}) }),
    );
  };

  router.get('/account', async (request, response) => {
    const { t } = viewOf(site, request);
    const flash: Flash | undefined =
      request.query.welcome === '1'
        ? { kind: 'success', message: t('web.account.flash_welcome') }
        : request.query.verification === 'sent'
          ? { kind: 'success', message: t('web.account.flash_verification_sent') }
          : request.query.saved === '1'
            ? { kind: 'success', message: t('web.settings.saved') }
            : request.query.appeal === 'filed'
              ? { kind: 'success', message: t('web.account.appeal.filed') }
              : undefined;
    const note = referralNoteOf(request.query.referral);
    const shown: Flash | undefined = note
      ? {
          kind: flash?.kind ?? (note === 'applied' ? 'success' : 'info'),
          message: [flash?.message, t(`referral.${note}`, core.settings.referral)].filter(Boolean).join(' '),
        }
      : flash;
    await showAccount(request, response, 200, shown);
  });

  router.post('/account/verify-email', async (request, response) => {
    try {
      await core.accounts.resendVerification(request.user?.id ?? '');
      response.redirect(303, '/account?verification=sent');
    } catch (error) {
      if (!isAppError(error)) throw error;
      setRetryAfter(response, error);
      await showAccount(request, response, statusOf(error), {
        kind: 'error',
        message: errorMessage(viewOf(site, request), error) ?? '',
      });
    }
  });

  router.post('/account/appeal', async (request, response) => {
    const text = field(request, 'text');
    try {
      await core.accounts.fileAppeal({ userId: request.user?.id ?? '', text });
      response.redirect(303, '/account?appeal=filed');
    } catch (error) {
      if (!isAppError(error)) throw error;
      await showAccount(
        request,
        response,
        statusOf(error),
        { kind: 'error', message: errorMessage(viewOf(site, request), error) ?? '' },
        text.slice(0, 5_000),
      );
    }
  });

  router.post('/account/billing-portal', async (request, response) => {
    try {
      response.redirect(303, await core.billing.portal(request.user?.id ?? ''));
    } catch (error) {
      if (!isAppError(error)) throw error;
      await showAccount(request, response, statusOf(error), {
        kind: 'error',
        message: errorMessage(viewOf(site, request), error) ?? '',
      });
    }
  });

  router.get('/account/settings', (request, response) => {
    const { t } = viewOf(site, request);
    const flash: Flash | undefined =
      request.query.email === 'sent' ? { kind: 'success', message: t('web.settings.email_sent') } : undefined;
    sendPage(response, 200, settingsPage(viewOf(site, request), flash ? { flash } : {}));
  });

  router.post('/account/profile', async (request, response) => {
    const view = viewOf(site, request);
    try {
      await core.accounts.updateProfile({
        userId: request.user?.id ?? '',
        displayName: field(request, 'displayName'),
        locale: field(request, 'locale'),
      });
      response.clearCookie('lang', { path: '/' });
      response.redirect(303, '/account?saved=1');
    } catch (error) {
      if (!isAppError(error)) throw error;
      sendPage(
        response,
        statusOf(error),
        settingsPage(view, { flash: { kind: 'error', message: errorMessage(view, error) ?? '' } }),
      );
    }
  });

  router.post('/account/email', async (request, response) => {
    const view = viewOf(site, request);
    try {
      await core.accounts.requestEmailChange({
        userId: request.user?.id ?? '',
        email: field(request, 'email'),
        origin: request.origin,
      });
      response.redirect(303, '/account/settings?email=sent');
    } catch (error) {
      if (!isAppError(error)) throw error;
      setRetryAfter(response, error);
      sendPage(
        response,
        statusOf(error),
        settingsPage(view, { flash: { kind: 'error', message: errorMessage(view, error) ?? '' } }),
      );
    }
  });

  router.post('/account/sign-out-everywhere', async (request, response) => {
    await core.sessions.endAll({ userId: request.user?.id ?? '', origin: request.origin });
    await signOutSession(core, request, response, site);
    response.redirect(303, '/login?signed_out=everywhere');
  });

  router.post('/account/identities/:id/remove', async (request, response) => {
    const view = viewOf(site, request);
    try {
      const result = await core.accounts.removeIdentity({
        userId: request.user?.id ?? '',
        identityId: request.params.id,
        origin: request.origin,
      });
      const platform = view.tx(`web.platform.${result.provider}`, result.provider);
      if (result.outcome === 'last_sign_in')
        return await showAccount(request, response, 409, {
          kind: 'error',
          message: view.t('web.account.identity_last_sign_in'),
        });
      const message =
        result.provider === 'telegram' || result.provider === 'discord'
          ? view.t('web.account.identity_removed', { platform, username: result.username ?? '' })
          : view.t('web.account.identity_removed_sign_in', { platform });
      await showAccount(request, response, 200, { kind: 'success', message });
    } catch (error) {
      if (!isAppError(error)) throw error;
      await showAccount(request, response, statusOf(error), {
        kind: 'error',
        message: errorMessage(view, error) ?? '',
      });
    }
  });

  router.get('/account/media/:id', async (request, response) => {
    const media = await core.accounts.openOwnMedia({ userId: request.user?.id ?? '', assetId: request.params.id });
    if (!media) {
      response.status(404).type('text/plain').send('Not found');
      return;
    }
    response.setHeader('Content-Type', media.mime);
    response.setHeader('Content-Length', String(media.bytes));
    response.setHeader('Cache-Control', 'private, no-store');
    response.setHeader('X-Content-Type-Options', 'nosniff');
    sendStream(request, response, media.stream);
  });

  return router;
}
