import { Router } from 'express';
import { hasBearerToken } from '#core';

/** What the route needs of a prom-client `Registry` (`Metrics.registry` from `createMetrics`). */
export type ScrapableRegistry = { contentType: string; metrics(): Promise<string> };

/**
 * `GET /metrics` in the Prometheus text exposition format
 * (https://prometheus.io/docs/instrumenting/exposition_formats/). With `bearerToken`, a scrape
 * must send `Authorization: Bearer <token>` (Prometheus: `authorization.credentials`), otherwise
 * it gets 401: the page names providers, queue depth and revenue-related counters, which is not
 * for the public internet. Without a token, keep the route unreachable from outside instead.
 */
export function createMetricsRoutes(
  registry: ScrapableRegistry,
  options: { bearerToken?: string | undefined } = {},
): Router {
  const router = Router();
  router.get('/metrics', async (request, response, next) => {
    if (options.bearerToken !== undefined && !hasBearerToken(request.get('authorization'), options.bearerToken)) {
      response.status(401).set('www-authenticate', 'Bearer').type('text/plain').send('Unauthorized');
      return;
    }
    try {
      const text = await registry.metrics();
      response.set('content-type', registry.contentType).set('cache-control', 'no-store').send(text);
    } catch (error) {
      next(error);
    }
  });
  return router;
}
