import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { Logger } from '#core/infra/logger';

/** A running metrics listener: where it listens and how to stop it. */
export type MetricsServer = { port: number; close(): Promise<void> };

/**
 * Serves `GET /metrics` (Prometheus text format) on its own port, for processes without the web
 * role (workers and bots have no HTTP server, yet they record provider latency and credits).
 * Plain node:http on purpose: core never imports express. Anything but `GET /metrics` is 404.
 */
export async function startMetricsServer(registry: Pick<Registry, 'metrics' | 'contentType'>, options: { port: number; host?: string; logger?: Logger }): Promise<MetricsServer> {
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method !== 'GET' || path !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('Not found');
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
