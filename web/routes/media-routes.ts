import { Router } from 'express';
import type { Core } from '#core';
import { sendStream } from '#web/routes/send-stream';

/**
 * `/media/:id?exp=..&sig=..`: results at signed, expiring addresses of our own, so chats never
 * depend on Telegram's or Discord's expiring CDN links. Anything invalid is a plain 404.
 */
export function createMediaRoutes(core: Core): Router {
  const router = Router();
  router.get('/media/:id', async (request, response) => {
    const exp = typeof request.query.exp === 'string' ? request.query.exp : '';
    const sig = typeof request.query.sig === 'string' ? request.query.sig : '';
    const media = await core.media.openSigned({ assetId: request.params.id, exp, sig });
    if (!media) {
      response.status(404).type('text/plain').send('Not found');
      return;
    }
    response.setHeader('Content-Type', media.mime);
    response.setHeader('Content-Length', String(media.bytes));
    response.setHeader('Cache-Control', 'private, max-age=3600');
    response.setHeader('ETag', `"${media.sha256}"`);
    response.setHeader('X-Content-Type-Options', 'nosniff');
    sendStream(request, response, media.stream);
  });
  return router;
}
