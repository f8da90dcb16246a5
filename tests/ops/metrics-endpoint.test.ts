import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { createMetrics } from '#core/metrics/create-metrics';
import { startMetricsServer, type MetricsServer } from '#core/metrics/start-metrics-server';
import { createMetricsRoutes } from '#web/routes/metrics-routes';

const idleQueue = { counts: async () => ({ waiting: 2, active: 1, delayed: 0, failed: 0 }) };

async function listen(app: express.Express): Promise<{ url: string; server: Server }> {
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe('GET /metrics for Prometheus', () => {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
  });

  it('web route: answers the text exposition format with the product and process metrics', async () => {
    const metrics = createMetrics({ queue: idleQueue });
    metrics.observeProviderCall({ provider: 'google', kind: 'video', seconds: 42, outcome: 'ok' });
    const app = express();
    app.use(createMetricsRoutes(metrics.registry));
    const { url, server } = await listen(app);
    closers.push(() => new Promise((resolve) => server.close(() => resolve())));

    const response = await fetch(`${url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('no-store');
    const text = await response.text();
    expect(text).toContain('imagine_queue_jobs{state="waiting"} 2');
    expect(text).toContain(
      'imagine_provider_call_duration_seconds_bucket{le="60",provider="google",kind="video",outcome="ok"} 1',
    );
    expect(text).toContain('# HELP process_resident_memory_bytes');
  });

  it('web route: with a bearer token, refuses scrapes without it or with a wrong one', async () => {
    const metrics = createMetrics({ queue: idleQueue });
    const app = express();
    app.use(createMetricsRoutes(metrics.registry, { bearerToken: 'scrape-secret-0123456789' }));
    const { url, server } = await listen(app);
    closers.push(() => new Promise((resolve) => server.close(() => resolve())));

    const anonymous = await fetch(`${url}/metrics`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer');
    expect(await anonymous.text()).not.toContain('imagine_');
    expect(
      (await fetch(`${url}/metrics`, { headers: { authorization: 'Bearer scrape-secret-0123456788' } })).status,
    ).toBe(401);
    expect((await fetch(`${url}/metrics`, { headers: { authorization: 'Bearer short' } })).status).toBe(401);
    const allowed = await fetch(`${url}/metrics`, { headers: { authorization: 'Bearer scrape-secret-0123456789' } });
    expect(allowed.status).toBe(200);
    expect(await allowed.text()).toContain('imagine_queue_jobs{state="active"} 1');
  });

  it('metrics listener for roles without the web app: /metrics answers, anything else is 404', async () => {
    const metrics = createMetrics({ queue: idleQueue });
    metrics.countCreditsRefunded(3, 'generation_cancelled');
    const server: MetricsServer = await startMetricsServer(metrics.registry, { port: 0, host: '127.0.0.1' });
    closers.push(() => server.close());

    const response = await fetch(`http://127.0.0.1:${server.port}/metrics?x=1`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe(metrics.registry.contentType);
    expect(await response.text()).toContain('imagine_credits_refunded_total{reason="generation_cancelled"} 3');
    expect((await fetch(`http://127.0.0.1:${server.port}/`)).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${server.port}/metrics`, { method: 'POST' })).status).toBe(404);

    const guarded: MetricsServer = await startMetricsServer(metrics.registry, {
      port: 0,
      host: '127.0.0.1',
      bearerToken: 'scrape-secret-0123456789',
    });
    closers.push(() => guarded.close());
    const anonymous = await fetch(`http://127.0.0.1:${guarded.port}/metrics`);
    expect([anonymous.status, anonymous.headers.get('www-authenticate')]).toEqual([401, 'Bearer']);
    expect(await anonymous.text()).not.toContain('imagine_');
    expect(
      (
        await fetch(`http://127.0.0.1:${guarded.port}/metrics`, {
          headers: { authorization: 'Bearer scrape-secret-0123456788' },
        })
      ).status,
    ).toBe(401);
    expect(
      (
        await fetch(`http://127.0.0.1:${guarded.port}/metrics`, {
          headers: { authorization: 'Bearer scrape-secret-0123456789' },
        })
      ).status,
    ).toBe(200);
  });
});
