/**
 * The composition root: `npm start`. Reads the configuration, builds the core and starts the
 * roles this process has (ROLES; default: web, worker and every configured bot). SIGTERM or
 * SIGINT drains: stop taking work, let running jobs finish, close connections, exit 0.
 */
import type { Server } from 'node:http';
import { ConfigError, createCore, createLogger, loadConfig, openRuntime, startMetricsServer, type AppConfig } from '#core';
import { createWebApp } from '#web/create-web-app';
import { createMetricsRoutes } from '#web/routes/metrics-routes';

async function main(): Promise<void> {
  let config: AppConfig;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger({ level: config.logLevel });
  const runtime = await openRuntime(config, logger);
  const core = createCore(runtime.deps);
  const stops: (() => Promise<void>)[] = [];

  if (config.roles.includes('worker')) {
    stops.push(await core.startWorker({ concurrency: config.workerConcurrency }));
  }
  if (config.roles.includes('web')) {
    const mounts = [{ path: '/', handler: createMetricsRoutes(runtime.metrics.registry, { bearerToken: config.metricsToken }) }];
    const app = createWebApp(core, { logger, trustProxy: config.trustProxy, mounts });
    const server = await listen(app.listen(config.port, config.host));
    stops.unshift(() => closeServer(server));
    logger.info({ url: config.publicUrl, roles: config.roles, database: config.database.kind, queue: config.redisUrl ? 'redis' : 'in-process' }, `ready: ${config.publicUrl}`);
  } else {
    logger.info({ roles: config.roles }, 'ready');
  }
  if (config.metricsPort !== undefined && !config.roles.includes('web')) {
    const metricsServer = await startMetricsServer(runtime.metrics.registry, { port: config.metricsPort, logger });
    stops.push(() => metricsServer.close());
  }

  let isStopping = false;
  const shutdown = async (signal: string) => {
    if (isStopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    isStopping = true;
    logger.info({ signal }, 'draining');
    const deadline = setTimeout(() => {
      logger.error('drain timed out; exiting');
      process.exit(1);
    }, config.shutdownTimeoutMs);
    deadline.unref();
    for (const stop of stops) await stop();
    await runtime.close();
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

function listen(server: Server): Promise<Server> {
  return new Promise((resolve, reject) => {
    server.once('listening', () => resolve(server));
    server.once('error', reject);
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`start-up failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
