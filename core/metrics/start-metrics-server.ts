import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { Logger } from '#core/infra/logger';
import { hasBearerToken } from '#core/metrics/has-bearer-token';

/** A running metrics listener: where it listens and how to stop it. */
export type MetricsServer = { port: number; close(): Promise<void> };

/**
 * Serves `GET /metrics` (Prometheus text format) on its own port (`METRICS_PORT`): for processes
 * without the web role (workers and bots have no HTTP server, yet they record provider latency
 * and credits), and for web processes that keep `/metrics` off the public port. With
 * `bearerToken`, a scrape must send `Authorization: Bearer <token>` or gets 401.
 * Plain node:http on purpose: core never imports express. Anything but `GET /metrics` is 404.
 */
export async function startMetricsServer(
  registry: Pick<Registry, 'metrics' | 'contentType'>,
  options: { port: number; host?: string; bearerToken?: string | undefined; logger?: Logger },
): Promise<MetricsServer> {
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method !== 'GET' || path !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('Not found');
      return;
    }
    if (options.bearerToken !== undefined && !hasBearerToken(request.headers.authorization, options.bearerToken)) {
      response.writeHead(401, { 'content-type': 'text/plain', 'www-authenticate': 'Bearer' }).end('Unauthorized');
      return;
    }
    registry.metrics().then(
      (text) => response.writeHead(200, { 'content-type': registry.contentType }).end(text),
      (error: unknown) => {
        options.logger?.error({ err: error }, 'metrics: scrape failed');
        response.writeHead(500, { 'content-type': 'text/plain' }).end('metrics unavailable');
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}
