import type { Server } from 'node:http';
import type { Update } from 'grammy/types';
import { MINIMUM_AGE, normalizeLocale, translate } from '#core';
import { createWebApp } from '#web/create-web-app';
import type { ProviderRegistry } from '#core/providers/route-model';
import { getBalance } from '#core/credits/get-balance';
import { createTelegramBot, type TelegramBot } from '#bots/telegram/index';
import { startFakeTelegram, type FakeTelegram, type TelegramCall } from '#tests/fakes/telegram-bot-api';
import { createTestCore, type TestCore } from '#tests/support/test-core';

/** The token the fake accepts; the bot's id is its numeric prefix. */
export const BOT_TOKEN = '123456789:TEST-token_abcdefghijklmnopqrstuvwxyz';
export const WEBHOOK_SECRET = 'hook-secret_0123456789';
export const BOT_USERNAME = 'imagine_test_bot';

/** The fake Bot API, a whole core on its own database, and the adapter under test, running. */
export type TelegramHarness = {
  fake: FakeTelegram;
  t: TestCore;
  telegram: TelegramBot;
  /** The web app's origin in webhook mode. */
  publicUrl: string | undefined;
  close(): Promise<void>;
};

/**
 * Starts the fake Bot API, a test core (worker started after the adapter's notifier is set, as
 * the entry point does), and the adapter in polling or webhook mode. In webhook mode the real
 * web app serves `/telegram/webhook` on a random port.
 */
export async function startTelegramHarness(options: {
  mode: 'polling' | 'webhook';
  providers?: ProviderRegistry;
  floodLimit?: boolean;
  env?: Record<string, string>;
}): Promise<TelegramHarness> {
  const fake = await startFakeTelegram({
    token: BOT_TOKEN,
    botInfo: { username: BOT_USERNAME },
    ...(options.floodLimit ? { floodLimit: true } : {}),
  });
  const t = await createTestCore({
    startWorker: false,
    ...(options.providers ? { providers: options.providers } : {}),
    env: {
      TELEGRAM_BOT_TOKEN: BOT_TOKEN,
      TELEGRAM_BOT_USERNAME: BOT_USERNAME,
      TELEGRAM_API_ROOT: fake.apiRoot,
      TELEGRAM_MODE: options.mode,
      TELEGRAM_WEBHOOK_SECRET: WEBHOOK_SECRET,
      ...options.env,
    },
  });
  const config = t.deps.config.telegram;
  if (!config) throw new Error('telegram config missing');

  let server: Server | undefined;
  let publicUrl: string | undefined;
  let telegram: TelegramBot | undefined;
  if (options.mode === 'webhook') {
    const app = createWebApp(t.core, {
      logger: t.deps.logger,
      trustProxy: false,
      mounts: [
        {
          path: '/telegram/webhook',
          handler: (request, response, next) => telegram?.webhookHandler(request, response, next),
        },
      ],
    });
    server = await new Promise<Server>((resolve) => {
      const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
    });
    const address = server.address();
    publicUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  }
  telegram = createTelegramBot(t.core, {
    config,
    publicUrl: publicUrl ?? t.deps.config.publicUrl,
    logger: t.deps.logger,
  });
  t.core.registerNotifier('telegram', telegram.notifier);
  const stopWorker = await t.core.startWorker({ concurrency: 2 });
  await telegram.start();
  const bot = telegram;
  return {
    fake,
    t,
    telegram: bot,
    publicUrl,
    close: async () => {
      await bot.stop();
      await stopWorker();
      await t.close();
      if (server) {
        server.closeAllConnections();
        await new Promise((resolve) => server?.close(resolve));
      }
      await fake.close();
    },
  };
}

/** Resolves with the first value `find` returns, polling every 20 ms; fails after `timeoutMs` with `describe()`. */
export async function waitUntil<T>(find: () => T | undefined, describe: () => string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = find();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out: ${describe()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Calls made to one chat (any method with that chat_id), in order. */
export function callsTo(fake: FakeTelegram, chatId: number): TelegramCall[] {
  return fake.calls.filter((call) => call.params.chat_id === chatId);
}

/** The text a call showed: a message's or edit's text, or a caption. */
export function shownText(call: TelegramCall): string {
  return String(call.params.text ?? call.params.caption ?? '');
}

/** Waits for a successful sendMessage or editMessageText to `chatId` whose text matches. */
export function waitForText(
  fake: FakeTelegram,
  chatId: number,
  pattern: string | RegExp,
  timeoutMs = 10_000,
): Promise<TelegramCall> {
  const matches = (text: string) => (typeof pattern === 'string' ? text.includes(pattern) : pattern.test(text));
  return waitUntil(
    () =>
      fake.calls.find(
        (call) =>
          ['sendMessage', 'editMessageText'].includes(call.method) &&
          call.status === 200 &&
          call.params.chat_id === chatId &&
          matches(shownText(call)),
      ),
    () =>
      `text ${String(pattern)} in chat ${chatId}; seen: ${JSON.stringify(callsTo(fake, chatId).map((call) => `${call.method}:${call.status}:${shownText(call)}`))}`,
    timeoutMs,
  );
}

type InlineButton = { text: string; callback_data?: string; url?: string };

/** The inline buttons a call attached. */
export function buttonsOf(call: TelegramCall): InlineButton[] {
  const markup = call.params.reply_markup as { inline_keyboard?: InlineButton[][] } | undefined;
  return markup?.inline_keyboard?.flat() ?? [];
}

/** The id of the message a successful send or edit call produced. */
export function messageIdOf(call: TelegramCall): number {
  const result = (call.response as { result?: { message_id?: number } } | undefined)?.result;
  return typeof call.params.message_id === 'number' ? call.params.message_id : Number(result?.message_id);
}

/**
 * Presses the newest button in `chatId` whose label matches, as `fromId`: pushes the
 * callback_query Telegram would send. Returns the update (its query id is what must be answered).
 */
export async function pressButton(
  fake: FakeTelegram,
  input: { chatId: number; fromId: number; label: string | RegExp; languageCode?: string },
): Promise<Update> {
  const matches = (text: string) => (typeof input.label === 'string' ? text === input.label : input.label.test(text));
  const call = await waitUntil(
    () =>
      [...fake.calls]
        .reverse()
        .find(
          (candidate) =>
            candidate.status === 200 &&
            candidate.params.chat_id === input.chatId &&
            buttonsOf(candidate).some((button) => matches(button.text)),
        ),
    () => `a button ${String(input.label)} in chat ${input.chatId}`,
  );
  const button = buttonsOf(call).find((candidate) => matches(candidate.text));
  return fake.pushUpdate(
    fake.callbackUpdate({
      chatId: input.chatId,
      fromId: input.fromId,
      data: button?.callback_data ?? '',
      messageId: messageIdOf(call),
      ...(input.languageCode ? { languageCode: input.languageCode } : {}),
    }),
  );
}

/** Waits until the callback query of `update` was answered; returns the answer call. */
export function waitForAnswer(fake: FakeTelegram, update: Update): Promise<TelegramCall> {
  const id = update.callback_query?.id;
  return waitUntil(
    () => fake.callsOf('answerCallbackQuery').find((call) => call.params.callback_query_id === id),
    () => `answerCallbackQuery for ${id}`,
  );
}

/** A user sends `text` in a chat (their private chat unless `chatId` is given). */
export function sendText(
  fake: FakeTelegram,
  input: { fromId: number; text: string; chatId?: number; languageCode?: string },
): Update {
  return fake.pushUpdate(
    fake.messageUpdate({
      fromId: input.fromId,
      text: input.text,
      ...(input.chatId === undefined ? {} : { chatId: input.chatId }),
      languageCode: input.languageCode ?? 'en',
    }),
  );
}

/** /start, "I accept", "I am 13 or older", through the real bot, in the user's private chat. */
export async function onboard(fake: FakeTelegram, fromId: number, languageCode = 'en'): Promise<void> {
  const locale = normalizeLocale(languageCode);
  sendText(fake, { fromId, text: '/start', languageCode });
  const accept = await pressButton(fake, {
    chatId: fromId,
    fromId,
    label: translate(locale, 'terms.accept_button'),
    languageCode,
  });
  await waitForAnswer(fake, accept);
  const confirm = await pressButton(fake, {
    chatId: fromId,
    fromId,
    label: translate(locale, 'terms.age_confirm_button', { age: MINIMUM_AGE }),
    languageCode,
  });
  await waitForAnswer(fake, confirm);
  await waitForText(fake, fromId, translate(locale, 'terms.accepted', { credits: 10 }));
}

/** The available credits of a Telegram user. */
export async function balanceOf(t: TestCore, telegramUserId: number): Promise<number> {
  const identity = await t.database.prisma.identity.findUniqueOrThrow({
    where: { provider_subject: { provider: 'telegram', subject: String(telegramUserId) } },
  });
  return (await getBalance(t.database.prisma, identity.userId, t.clock.now())).available;
}
