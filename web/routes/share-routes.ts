import { Router, type Response } from 'express';
import { isAppError, type SharedCreation } from '#core';
import { errorMessage, field, sendPage, setRetryAfter, statusOf, viewOf, type Site } from '#web/routes/route-kit';
import { sendStream } from '#web/routes/send-stream';
import { reportPage, sharePage } from '#web/views/share-views';
import { errorPage } from '#web/views/site-views';

/**
 * Public pages of published creations, for anyone, signed in or not: `/s/<slug>` (with Open
 * Graph tags so links preview in chats), its pictures at `/s/<slug>/media/<n>` and the report
 * form. Everything answers 404 the moment the page is not shown any more (unpublished, deleted,
 * the account erased or suspended); the pictures are never cached by browsers or proxies for
 * that reason.
 */
export function createShareRoutes(site: Site): Router {
  const { core } = site;
  const router = Router();
  const base = core.settings.publicUrl;

  const pageNotFound = (request: Parameters<typeof viewOf>[1], response: Response) => {
    const view = viewOf(site, request);
    sendPage(response, 404, errorPage(view, { status: 404, message: view.t('web.share.not_found') }));
  };
  const linksOf = (shared: SharedCreation) => ({
    page: `${base}/s/${shared.slug}`,
    media: `${base}/s/${shared.slug}/media/1`,
    telegram: core.sharing.telegramRemixLink(shared.slug),
    web: `/create?remix=${shared.slug}`,
  });

  router.get('/s/:slug', async (request, response) => {
    const shared = await core.sharing.find(request.params.slug);
    if (!shared) return pageNotFound(request, response);
    sendPage(response, 200, sharePage(viewOf(site, request), { shared, links: linksOf(shared) }));
  });

  router.get('/s/:slug/media/:index', async (request, response) => {
    const media = await core.sharing.openMedia({ slug: request.params.slug, index: Number(request.params.index) });
    if (!media) {
      response.status(404).type('text/plain').send('Not found');
      return;
    }
    response.setHeader('Content-Type', media.mime);
    response.setHeader('Content-Length', String(media.bytes));
    response.setHeader('Cache-Control', 'no-cache');
    response.setHeader('ETag', `"${media.sha256}"`);
    response.setHeader('X-Content-Type-Options', 'nosniff');
    sendStream(request, response, media.stream);
  });

  router.get('/s/:slug/report', async (request, response) => {
    const shared = await core.sharing.find(request.params.slug);
    if (!shared) return pageNotFound(request, response);
    sendPage(response, 200, reportPage(viewOf(site, request), { slug: shared.slug }));
  });

  router.post('/s/:slug/report', async (request, response) => {
    const view = viewOf(site, request);
    const slug = request.params.slug;
    const reason = field(request, 'reason');
    try {
      await core.sharing.report({ slug, reason, ip: request.origin.ip ?? 'unknown' });
      sendPage(
        response,
        200,
        reportPage(view, { slug, flash: { kind: 'success', message: view.t('web.share.report_sent') } }),
      );
    } catch (error) {
      if (!isAppError(error)) throw error;
      if (error.code === 'not_found') return pageNotFound(request, response);
      setRetryAfter(response, error);
      sendPage(
        response,
        statusOf(error),
        reportPage(view, {
          slug,
          reason: reason.slice(0, 2_000),
          flash: { kind: 'error', message: errorMessage(view, error) ?? '' },
        }),
      );
    }
  });

  return router;
}
