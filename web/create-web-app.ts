import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import type { Core, Logger } from '#core';
import { createHealthRoutes } from '#web/routes/health-routes';
import { createMediaRoutes } from '#web/routes/media-routes';
import { requestLogger } from '#web/middleware/request-logger';

/** Extra routers mounted by the entry point (e.g. the Telegram webhook), before the 404 handler. */
export type WebMount = { path: string; handler: express.RequestHandler | express.Router };

/** The web app: health, media, and what later features mount. */
export function createWebApp(core: Core, options: { logger: Logger; trustProxy: boolean; mounts?: WebMount[] }): Express {
  const app = express();
  app.disable('x-powered-by');
  if (options.trustProxy) app.set('trust proxy', 1);
  app.use(requestLogger(options.logger));
  app.use(helmet());
  app.use(createHealthRoutes(core));
  app.use(createMediaRoutes(core));
  for (const mount of options.mounts ?? []) app.use(mount.path, mount.handler);
  app.use((_request: Request, response: Response) => {
    response.status(404).type('text/plain').send('Not found');
  });
  app.use((error: unknown, request: Request, response: Response, _next: NextFunction) => {
    const ref = request.id?.slice(0, 8) ?? 'unknown';
    (request.log ?? options.logger).error({ err: error, ref }, 'request failed');
    if (!response.headersSent) response.status(500).type('text/plain').send(`Something went wrong (ref ${ref}).`);
  });
  return app;
}
