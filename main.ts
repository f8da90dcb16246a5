/**
 * The composition root: `npm start`. Reads the configuration, builds the core and starts the
 * roles this process has (ROLES; default: web, worker and every configured bot). SIGTERM or
 * SIGINT drains: stop taking work, let running jobs finish, close connections, exit 0.
 */
import type { Server } from 'node:http';
import {
  adminSocketPath,
  ConfigError,
  createCore,
  createLazyNotifier,
  DataDirLockedError,
  createLogger,
  loadConfig,
  buildCoreDeps,
  runAdminCommand,
  serveAdminSocket,
  startMetricsServer,
  TELEGRAM_SEND_LIMIT,
  type AppConfig,
  type Core,
  type CoreDeps,
  type Logger,
} from '#core';
import type { WebMount } from '#web/create-web-app';

// The web app, each bot and their SDKs (express, grammY, discord.js) are imported only by the
// processes whose roles use them: a `ROLES=telegram` process never loads discord.js or express.

type Stop = () => Promise<void>;

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
  for (const warning of config.warnings) logger.warn(warning);
  // A stop asked for during start-up waits until everything is open, then drains like any other.
  // The listeners stay the same for the whole life of the process: a signal libuv has caught but
  // not yet dispatched is dropped if its listener is removed, so they are never swapped.
  let signalDuringStart: string | undefined;
  let onStop = (signal: string) => {
    signalDuringStart ??= signal;
  };
  process.on('SIGTERM', () => onStop('SIGTERM'));
  process.on('SIGINT', () => onStop('SIGINT'));
  let runtime: Awaited<ReturnType<typeof buildCoreDeps>>;
  try {
    runtime = await buildCoreDeps(config, { logger });
  } catch (error) {
    if (error instanceof DataDirLockedError) {
      process.stderr.write(`Not starting: ${error.message}\n`);
      process.exit(1);
    }
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const core = createCore(runtime.deps);
  const has = (role: AppConfig['roles'][number]) => config.roles.includes(role);
  /** Run in order on shutdown: intake first (web, bots), then workers, then connections. */
  const stops: Stop[] = [];
  const starts: (() => Promise<void>)[] = [];
  // With METRICS_PORT, /metrics lives on that listener only, not on the public web port.
  const mounts: WebMount[] = [];
  if (has('web') && config.metricsPort === undefined) {
    const { createMetricsRoutes } = await import('#web/routes/metrics-routes');
    mounts.push({
      path: '/',
      handler: createMetricsRoutes(runtime.metrics.registry, { bearerToken: config.metricsToken }),
    });
  }

  if (config.telegram && (has('telegram') || has('worker') || has('web'))) {
    const { createTelegramApi, createTelegramBot, createTelegramNotifier } = await import('#bots/telegram/index');
    const sharedPace = <T>(call: () => Promise<T>, options?: { priority?: number }): Promise<T> =>
      runtime.deps.limiter.schedule(TELEGRAM_SEND_LIMIT, call, options);
    if (has('telegram')) {
      const telegram = createTelegramBot(core, {
        config: config.telegram,
        publicUrl: config.publicUrl,
        logger,
        sharedPace,
      });
      core.registerNotifier('telegram', telegram.notifier);
      if (config.telegram.mode === 'webhook')
        mounts.push({ path: '/telegram/webhook', handler: telegram.webhookHandler });
      starts.push(() => telegram.start());
      stops.push(() => telegram.stop());
    } else if (has('worker') || has('web')) {
      // The web sends chat messages too (the link confirmation and its announcements).
      const notifier = createTelegramNotifier(createTelegramApi({ ...config.telegram, sharedPace }), {
        logger,
        rememberStatusMessage: core.chat.rememberStatusMessage,
      });
      core.registerNotifier('telegram', notifier);
      stops.push(async () => notifier.close());
    }
  }
  if (config.discord) {
    const discordConfig = config.discord;
    if (has('discord')) {
      const { createDiscordBot } = await import('#bots/discord/index');
      const discord = createDiscordBot(core, { config: discordConfig, publicUrl: config.publicUrl, logger });
      core.registerNotifier('discord', discord.notifier);
      starts.push(() => discord.start());
      stops.push(() => discord.stop());
    } else if (has('worker') || has('web')) {
      // discord.js (~36 MiB) is loaded with the first message this process sends to Discord.
      core.registerNotifier(
        'discord',
        createLazyNotifier(async () => {
          const { createDiscordNotifier, createDiscordRest } = await import('#bots/discord/index');
          return createDiscordNotifier(createDiscordRest(discordConfig), { logger });
        }),
      );
    }
  }

  if (has('web')) {
    const { createWebApp } = await import('#web/create-web-app');
    const app = createWebApp(core, { logger, trustProxy: config.trustProxy, mounts });
    const server = await listen(app.listen(config.port, config.host));
    stops.unshift(() => closeServer(server));
  }
  if (config.metricsPort !== undefined) {
    const metricsServer = await startMetricsServer(runtime.metrics.registry, {
      port: config.metricsPort,
      host: config.metricsHost,
      bearerToken: config.metricsToken,
      logger,
    });
    stops.push(() => metricsServer.close());
  }
  if (has('worker')) {
    stops.push(await core.startWorker({ concurrency: config.workerConcurrency }));
    stops.push(scheduleRetention(core, logger));
    if (config.telegram) stops.push(scheduleStarsReconcile(core, logger));
  }
  if (config.database.kind === 'pglite') {
    // The embedded database is this process's alone: admin commands come to it.
    const { prisma } = runtime.deps;
    const adminSocket = await serveAdminSocket(adminSocketPath(config.dataDir), {
      run: (argv, io) => runAdminCommand(argv, { config, prisma }, io),
      logger,
    });
    stops.unshift(() => adminSocket.close());
  }
  for (const start of starts) await start();
  announce(logger, config, runtime.deps.providers);

  let stoppingSince: number | undefined;
  const shutdown = async (signal: string) => {
    if (stoppingSince !== undefined) {
      // Ctrl-C reaches this process twice (the terminal signals the whole group, and npm relays it): a repeat within a second is the same request.
      if (Date.now() - stoppingSince < REPEATED_SIGNAL_MS) return;
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stoppingSince = Date.now();
    logger.info({ signal }, 'draining');
    const deadline = setTimeout(() => {
      logger.error('drain timed out; exiting');
      process.exit(1);
    }, config.shutdownTimeoutMs);
    deadline.unref();
    for (const stop of stops) {
      await stop().catch((error: unknown) => logger.error({ err: error }, 'a role did not stop cleanly'));
    }
    await runtime.close();
    logger.info('stopped');
    process.exit(0);
  };
  onStop = (signal) => void shutdown(signal);
  if (signalDuringStart) void shutdown(signalDuringStart);
}

/** A second signal this soon after the first is the same stop request, not "exit now". */
const REPEATED_SIGNAL_MS = 1000;

/** How often a worker applies the retention the privacy policy promises. */
const RETENTION_INTERVAL_MS = 60 * 60 * 1000;

/** Runs the retention jobs now and hourly; returns the function that stops them. */
function scheduleRetention(core: Core, logger: Logger): Stop {
  const run = () =>
    core.retention.run().then(
      (report) => logger.info({ report }, 'retention applied'),
      (error: unknown) => logger.error({ err: error }, 'retention failed; next try in an hour'),
    );
  void run();
  const timer = setInterval(() => void run(), RETENTION_INTERVAL_MS);
  timer.unref();
  return async () => clearInterval(timer);
}

/** How often a worker reconciles Telegram Stars payments with the bot's transactions. */
const STARS_RECONCILE_INTERVAL_MS = 24 * 60 * 60 * 1000;
/** The first run waits for the bots to start, so a payer can be told. */
const STARS_RECONCILE_FIRST_DELAY_MS = 5 * 60 * 1000;

/** Applies Stars payments whose update was lost (`npm run admin -- stars-reconcile`), daily; returns the function that stops it. */
function scheduleStarsReconcile(core: Core, logger: Logger): Stop {
  const run = () =>
    core.admin.reconcileStars({ actor: 'job:stars-reconcile' }).then(
      (report) =>
        logger.info(
          {
            applied: report.applied.length,
            held: report.held.length,
            failed: report.failed.length,
            scanned: report.scanned,
          },
          'stars reconciled',
        ),
      (error: unknown) => logger.error({ err: error }, 'stars reconciliation failed; next try tomorrow'),
    );
  const first = setTimeout(() => void run(), STARS_RECONCILE_FIRST_DELAY_MS);
  const timer = setInterval(() => void run(), STARS_RECONCILE_INTERVAL_MS);
  first.unref();
  timer.unref();
  return async () => {
    clearTimeout(first);
    clearInterval(timer);
  };
}

function announce(logger: Logger, config: AppConfig, registry: CoreDeps['providers']): void {
  const providers = [...new Set([...registry.image, ...registry.video].map((provider) => provider.name))];
  const fields = {
    roles: config.roles,
    database: config.database.kind,
    queue: config.redisUrl ? 'redis' : 'in-process',
    providers,
  };
  if (config.roles.includes('web')) logger.info({ url: config.publicUrl, ...fields }, `ready: ${config.publicUrl}`);
  else logger.info(fields, 'ready');
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
