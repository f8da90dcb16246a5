import { run, type RunnerHandle } from '@grammyjs/runner';
import type { RequestHandler } from 'express';
import { Bot } from 'grammy';
import { normalizeLocale, type AppConfig, type Core, type Logger, type Notifier, type StarsRefunds } from '#core';
import { ALLOWED_UPDATES } from '#bots/telegram/allowed-updates';
import type { BotContext } from '#bots/telegram/bot-context';
import { callbackFeature } from '#bots/telegram/callback-feature';
import { createChatActionKeeper } from '#bots/telegram/chat-action-keeper';
import { setCommandMenus } from '#bots/telegram/command-menus';
import { commandFeature } from '#bots/telegram/command-feature';
import { placeOfContext } from '#bots/telegram/context-place';
import { installApiTransformers, type SharedSendPace } from '#bots/telegram/create-telegram-api';
import { createStarsRefunds, paymentsFeature } from '#bots/telegram/payments-feature';
import { createRenderer } from '#bots/telegram/render';
import { reportFailure } from '#bots/telegram/report-failure';
import { createStatusMessages } from '#bots/telegram/status-messages';
import { createTelegramNotifier } from '#bots/telegram/telegram-notifier';
import { createUpdateBoundary } from '#bots/telegram/update-boundary';
import { createWebhookHandler, webhookDisabledHandler } from '#bots/telegram/webhook-handler';
import { skipRepeatedUpdates } from '#bots/telegram/skip-repeated-updates';

/** The Telegram adapter of one process. */
export type TelegramBot = {
  bot: Bot<BotContext>;
  /** Delivers job progress and results; register it with `core.registerNotifier('telegram', …)`. */
  notifier: Notifier;
  /** Telegram's side of Stars refunds, for `core.payments.refundStarsPayment`. */
  refunds: StarsRefunds;
  /** Polling (the runner) or webhook mode (`setWebhook`), per `config.mode`; also sets the command menus. */
  start(): Promise<void>;
  /** Stops taking updates, waits for those being handled, stops chat actions. */
  stop(): Promise<void>;
  /** For the web app to mount at `/telegram/webhook`; answers 404 in polling mode. */
  webhookHandler: RequestHandler;
};

/** Options of {@link createTelegramBot}. */
export type TelegramBotOptions = {
  config: NonNullable<AppConfig['telegram']>;
  /** The public origin; the webhook is `${publicUrl}/telegram/webhook`. */
  publicUrl: string;
  logger: Logger;
  /** The deployment's shared pace of Telegram calls (see `installApiTransformers`). */
  sharedPace?: SharedSendPace | undefined;
};

/**
 * Builds the grammY adapter: update -> `CommandRequest` -> `core.chat.run` -> `render`.
 *
 * Middleware, in order: a child logger per update `{ platform, eventId, userId }`; the error
 * boundary (in webhook mode the rest runs in the background, so Telegram gets its 200 at once);
 * in webhook mode, a repeated `update_id` is skipped; payments; button presses; commands. API calls go through the throttler and auto-retry.
 */
export function createTelegramBot(core: Core, options: TelegramBotOptions): TelegramBot {
  const { config, logger } = options;
  const log = logger.child({ platform: 'telegram' });
  const bot = new Bot<BotContext>(config.token, { client: { apiRoot: config.apiRoot } });
  installApiTransformers(bot.api, { sharedPace: options.sharedPace });
  const renderer = createRenderer({
    api: bot.api,
    statusMessages: createStatusMessages(),
    chatActions: createChatActionKeeper(bot.api, log),
    rememberStatusMessage: (generationId, messageId) => core.chat.rememberStatusMessage(generationId, messageId),
  });
  const notifier = createTelegramNotifier(bot.api, { logger, renderer });
  const isWebhook = config.mode === 'webhook';
  const boundary = createUpdateBoundary({ logger: log, renderer, inBackground: isWebhook });
  let runner: RunnerHandle | undefined;

  bot.use(boundary.middleware);
  if (isWebhook) bot.use(skipRepeatedUpdates(core, config.token.split(':')[0] ?? ''));
  bot.use(paymentsFeature({ core, renderer }));
  const files = { api: bot.api, token: config.token, apiRoot: config.apiRoot };
  bot.use(callbackFeature({ core, renderer, files }));
  bot.use(commandFeature({ core, renderer, files }));
  bot.catch(async (error) => {
    const ctx = error.ctx;
    await reportFailure({
      error: error.error,
      log: ctx.log ?? log,
      renderer,
      place: placeOfContext(ctx),
      locale: normalizeLocale(ctx.from?.language_code),
      what: 'update',
    });
  });

  const webhookHandler =
    isWebhook && config.webhookSecret ? createWebhookHandler(bot, config.webhookSecret) : webhookDisabledHandler;

  return {
    bot,
    notifier,
    refunds: createStarsRefunds(bot.api),
    webhookHandler,
    async start() {
      await bot.init();
      await setCommandMenus(bot.api).catch((error: unknown) =>
        log.warn({ err: error }, 'could not set the command menus'),
      );
      if (isWebhook) {
        const url = `${options.publicUrl.replace(/\/+$/, '')}/telegram/webhook`;
        await bot.api.setWebhook(url, { secret_token: config.webhookSecret, allowed_updates: [...ALLOWED_UPDATES] });
        log.info({ url, username: bot.botInfo.username }, 'Telegram webhook set');
        return;
      }
      // The runner does not remove a webhook, and getUpdates answers 409 while one is set.
      await bot.api.deleteWebhook();
      runner = run(bot, { runner: { silent: true, fetch: { allowed_updates: [...ALLOWED_UPDATES], timeout: 30 } } });
      runner.task()?.catch((error: unknown) => log.error({ err: error }, 'Telegram polling stopped'));
      log.info({ username: bot.botInfo.username }, 'Telegram polling started');
    },
    async stop() {
      if (runner?.isRunning()) await runner.stop();
      runner = undefined;
      await boundary.drain();
      renderer.close();
    },
  };
}
