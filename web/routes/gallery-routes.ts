import { Router, type Request, type Response } from 'express';
import { CREATION_SOURCES, isAppError, type CreationDetail } from '#core';
import { isChecked, field, requireUser, sendPage, viewOf, type Site } from '#web/routes/route-kit';
import { sendStream } from '#web/routes/send-stream';
import { creationPage, deleteConfirmPage, galleryPage, type GalleryFilters } from '#web/views/gallery-views';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The filters of a gallery request; anything unknown is no filter. */
function filtersOf(request: Request): GalleryFilters {
  const { kind, source } = request.query;
  return {
    kind: kind === 'image' || kind === 'video' ? kind : undefined,
    source: CREATION_SOURCES.find((candidate) => candidate === source),
  };
}

function notFound(response: Response): void {
  response.status(404).type('text/plain').send('Not found');
}

/**
 * The gallery (`/gallery`): the signed-in account's creations as thumbnails, newest first,
 * paged and filtered by kind and source; one creation large with its options and seed,
 * download, "Create again" and "Vary" (links to `/create`), publishing it at `/s/<slug>`, and
 * deleting it after a confirmation. Another account's creation is the ordinary 404.
 */
export function createGalleryRoutes(site: Site): Router {
  const { core } = site;
  const router = Router();
  const retentionDays = core.settings.retention.promptDays;
  router.use('/gallery', requireUser);

  router.get('/gallery', async (request, response) => {
    const view = viewOf(site, request);
    const filters = filtersOf(request);
    const page = await core.gallery.list({
      userId: request.user?.id ?? '',
      page: Number(request.query.page) || 1,
      ...filters,
    });
    const flash =
      request.query.deleted === '1' ? { kind: 'success' as const, message: view.t('web.gallery.deleted') } : undefined;
    sendPage(response, 200, galleryPage(view, { page, filters, retentionDays, flash }));
  });

  router.get('/gallery/thumb/:assetId', async (request, response) => {
    const media = await core.gallery.openThumbnail({ userId: request.user?.id ?? '', assetId: request.params.assetId });
    if (!media) return notFound(response);
    response.setHeader('Content-Type', media.mime);
    response.setHeader('Content-Length', String(media.bytes));
    response.setHeader('Cache-Control', 'private, max-age=3600');
    response.setHeader('X-Content-Type-Options', 'nosniff');
    sendStream(request, response, media.stream);
  });

  router.get('/gallery/media/:assetId/download', async (request, response) => {
    const assetId = request.params.assetId;
    const media = await core.accounts.openOwnMedia({ userId: request.user?.id ?? '', assetId });
    if (!media) return notFound(response);
    const extension = /^[a-z]+\/([a-z0-9]+)/.exec(media.mime)?.[1] ?? 'bin';
    response.setHeader('Content-Type', media.mime);
    response.setHeader('Content-Length', String(media.bytes));
    response.setHeader('Content-Disposition', `attachment; filename="creation-${assetId}.${extension}"`);
    response.setHeader('Cache-Control', 'private, no-store');
    response.setHeader('X-Content-Type-Options', 'nosniff');
    sendStream(request, response, media.stream);
  });

  const findOwn = async (request: Request): Promise<CreationDetail | undefined> => {
    const id = String(request.params.id).toLowerCase();
    return UUID.test(id) ? core.gallery.get({ userId: request.user?.id ?? '', generationId: id }) : undefined;
  };
  const shareUrlOf = (creation: CreationDetail) =>
    creation.share.slug ? `${core.settings.publicUrl}/s/${creation.share.slug}` : undefined;

  router.get('/gallery/:id', async (request, response, next) => {
    const creation = await findOwn(request);
    if (!creation) return next();
    const view = viewOf(site, request);
    const flash =
      request.query.shared === 'on' || request.query.shared === 'off'
        ? {
            kind: 'success' as const,
            message: view.t(
              request.query.shared === 'on' ? 'web.gallery.share_saved_on' : 'web.gallery.share_saved_off',
            ),
          }
        : undefined;
    sendPage(response, 200, creationPage(view, { creation, shareUrl: shareUrlOf(creation), retentionDays, flash }));
  });

  router.post('/gallery/:id/share', async (request, response, next) => {
    const creation = await findOwn(request);
    if (!creation) return next();
    const isPublished = isChecked(request, 'published');
    try {
      await core.sharing.set({
        userId: request.user?.id ?? '',
        generationId: creation.id,
        isPublished,
        isPromptShared: isChecked(request, 'showPrompt'),
      });
    } catch (error) {
      if (isAppError(error) && error.code === 'not_found') return next();
      throw error;
    }
    response.redirect(303, `/gallery/${creation.id}?shared=${isPublished ? 'on' : 'off'}`);
  });

  router.post('/gallery/:id/delete', async (request, response, next) => {
    const creation = await findOwn(request);
    if (!creation) return next();
    if (field(request, 'confirmed') !== 'yes')
      return sendPage(response, 200, deleteConfirmPage(viewOf(site, request), creation));
    try {
      await core.gallery.delete({ userId: request.user?.id ?? '', generationId: creation.id });
    } catch (error) {
      if (isAppError(error) && error.code === 'not_found') return next();
      throw error;
    }
    response.redirect(303, '/gallery?deleted=1');
  });

  return router;
}
