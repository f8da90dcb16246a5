import { Router } from 'express';
import type { Core } from '#core';

/** `/healthz`: the process is up. `/readyz`: the database (and Redis, when configured) answer. */
export function createHealthRoutes(core: Core): Router {
  const router = Router();
  router.get('/healthz', (_request, response) => {
    response.json({ status: 'ok' });
  });
  router.get('/readyz', async (_request, response) => {
    const readiness = await core.checkReadiness();
    response.status(readiness.isReady ? 200 : 503).json(readiness);
  });
  return router;
}
