import { Router, type Request, type Response } from 'express';
import { isAppError, type ExportArchive } from '#core';
import { signOutSession } from '#web/middleware/session';
import { sendStream } from '#web/routes/send-stream';
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
import { messagePage } from '#web/views/auth-views';
import { dataRequestConfirmPage, dataRequestPage, privacyCenterPage } from '#web/views/privacy-views';

type Flash = { kind: 'error' | 'info' | 'success'; message: string };

/** Streams an export ZIP as a download. */
function sendArchive(request: Request, response: Response, archive: ExportArchive): void {
  response.status(200);
  response.setHeader('Content-Type', 'application/zip');
  response.setHeader('Content-Disposition', `attachment; filename="${archive.filename}"`);
  response.setHeader('Cache-Control', 'private, no-store');
  sendStream(request, response, archive.stream);
}

/**
 * Privacy self-service for signed-in people (export, restriction, objection, erasure, the record
 * of requests) and requests by email for people who cannot sign in (acted on only after the
 * emailed link is opened and confirmed).
 */
export function createPrivacyRoutes(site: Site): Router {
  const { core } = site;
  const router = Router();

  const showCenter = async (request: Request, response: Response, status: number, flash?: Flash) => {
    const requests = await core.privacy.listRequests(request.user?.id ?? '');
    sendPage(response, status, privacyCenterPage(viewOf(site, request), { requests, ...(flash ? { flash } : {}) }));
  };

  router.use('/account/privacy', requireUser);
  router.use('/account/delete', requireUser);

  router.get('/account/privacy', async (request, response) => {
    const { t } = viewOf(site, request);
    const saved =
      request.query.saved === '1' ? { kind: 'success' as const, message: t('web.privacy.saved') } : undefined;
    await showCenter(request, response, 200, saved);
  });

  router.post('/account/privacy/export', async (request, response) => {
    try {
      const requestId = await core.privacy.requestExport({ userId: request.user?.id ?? '', origin: request.origin });
      response.redirect(303, `/account/privacy/exports/${requestId}`);
    } catch (error) {
      if (!isAppError(error)) throw error;
      setRetryAfter(response, error);
      await showCenter(request, response, statusOf(error), {
        kind: 'error',
        message: errorMessage(viewOf(site, request), error) ?? '',
      });
    }
  });

  router.get('/account/privacy/exports/:id', async (request, response) => {
    try {
      sendArchive(
        request,
        response,
        await core.privacy.openExport({ userId: request.user?.id ?? '', requestId: request.params.id }),
      );
    } catch (error) {
      if (!isAppError(error) || error.code !== 'not_found') throw error;
      response.status(404).type('text/plain').send('Not found');
    }
  });

  for (const [path, choice] of [
    ['restriction', 'restrict'],
    ['objection', 'object'],
  ] as const) {
    router.post(`/account/privacy/${path}`, async (request, response) => {
      await core.privacy.setChoice({
        userId: request.user?.id ?? '',
        choice,
        isOn: field(request, 'on') === 'yes',
        origin: request.origin,
      });
      response.redirect(303, '/account/privacy?saved=1');
    });
  }

  router.post('/account/delete', async (request, response) => {
    const view = viewOf(site, request);
    try {
      await core.privacy.eraseOwnAccount({
        userId: request.user?.id ?? '',
        password: field(request, 'password'),
        phrase: field(request, 'phrase'),
      });
      await signOutSession(core, request, response, site);
      sendPage(
        response,
        200,
        messagePage(view, {
          title: view.t('web.privacy.erased_title'),
          kind: 'success',
          message: view.t('deleteme.done'),
        }),
      );
    } catch (error) {
      if (!isAppError(error)) throw error;
      const message =
        error.code === 'invalid_credentials' ? view.t('web.privacy.erase_wrong') : (errorMessage(view, error) ?? '');
      await showCenter(request, response, statusOf(error), { kind: 'error', message });
    }
  });

  router.get('/privacy/request', (request, response) => {
    sendPage(response, 200, dataRequestPage(viewOf(site, request), {}));
  });

  router.post('/privacy/request', async (request, response) => {
    const view = viewOf(site, request);
    try {
      await core.privacy.fileRequest({
        email: field(request, 'email'),
        kind: field(request, 'kind'),
        message: field(request, 'message'),
        locale: request.locale,
        origin: request.origin,
      });
      sendPage(response, 200, dataRequestPage(view, { isSent: true }));
    } catch (error) {
      if (!isAppError(error)) throw error;
      setRetryAfter(response, error);
      sendPage(
        response,
        statusOf(error),
        dataRequestPage(view, { flash: { kind: 'error', message: errorMessage(view, error) ?? '' } }),
      );
    }
  });

  router.get('/privacy/request/:token', async (request, response) => {
    const view = viewOf(site, request);
    const described = await core.privacy.describeRequest(request.params.token);
    if (!described)
      return sendPage(
        response,
        400,
        messagePage(view, {
          title: view.t('web.dsr.confirm_title'),
          kind: 'error',
          message: view.t('errors.token_invalid'),
        }),
      );
    sendPage(response, 200, dataRequestConfirmPage(view, { token: request.params.token, kind: described.kind }));
  });

  router.post('/privacy/request/:token', async (request, response) => {
    const view = viewOf(site, request);
    const token = request.params.token;
    try {
      const result = await core.privacy.fulfilRequest({
        token,
        phrase: field(request, 'phrase'),
        origin: request.origin,
      });
      if ('archive' in result) return sendArchive(request, response, result.archive);
      const message = view.tx(
        `web.dsr.result.${result.outcome === 'done' ? result.kind : result.outcome}`,
        view.t('web.dsr.result.forwarded'),
      );
      sendPage(response, 200, messagePage(view, { title: view.t('web.dsr.confirm_title'), kind: 'success', message }));
    } catch (error) {
      if (!isAppError(error)) throw error;
      if (error.code === 'invalid_credentials') {
        const described = await core.privacy.describeRequest(token);
        if (described)
          return sendPage(
            response,
            400,
            dataRequestConfirmPage(view, {
              token,
              kind: described.kind,
              flash: { kind: 'error', message: view.t('web.privacy.erase_wrong_phrase') },
            }),
          );
      }
      sendPage(
        response,
        statusOf(error),
        messagePage(view, {
          title: view.t('web.dsr.confirm_title'),
          kind: 'error',
          message: errorMessage(view, error) ?? '',
        }),
      );
    }
  });

  return router;
}
