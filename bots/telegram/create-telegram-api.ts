import { autoRetry } from '@grammyjs/auto-retry';
import { apiThrottler } from '@grammyjs/transformer-throttler';
import { Api, type Transformer } from 'grammy';

/**
 * Telegram's flood limits (https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this):
 * about 1 message a second per chat, 20 a minute per group, 30 a second overall. The throttler's
 * defaults are exactly these, one call at a time per chat.
 */
const CHAT_SPACING_MS = 1000;
/** A chat action is no message and lasts only 5 s: it never waits for a message's turn. */
const UNTHROTTLED = new Set(['sendChatAction']);
/**
 * A 429 is waited out (its whole `retry_after`, up to a minute) and retried at most three times;
 * network failures are thrown at once instead of retried forever, so nothing loops.
 */
const RETRY = { maxRetryAttempts: 3, maxDelaySeconds: 60, rethrowHttpErrors: true, rethrowInternalServerErrors: false };

/**
 * Runs one message send or edit in the deployment's shared pace (core's `TELEGRAM_SEND_LIMIT`,
 * clustered through Redis when there is one), so the bot and every worker together stay under
 * Telegram's overall limit. `priority` orders the calls waiting in this process: 0 first, 9 last.
 */
export type SharedSendPace = <T>(call: () => Promise<T>, options?: { priority?: number }) => Promise<T>;

/** Sends (answers, results) go before edits (progress) when both wait for the shared pace. */
export const SEND_PRIORITY = 4;
export const EDIT_PRIORITY = 7;
/** Edits of a message's text, caption or buttons: Telegram counts them against its limits too. */
const EDIT_METHODS = new Set(['editMessageText', 'editMessageCaption', 'editMessageReplyMarkup', 'editMessageMedia']);

/**
 * Installs, from the inside out: the shared pace (when given), the per-chat spacing, the
 * throttler, auto-retry. Auto-retry is outermost, so a retried call queues behind the chat's other
 * messages again; the shared pace is innermost, so a call waiting for its chat holds no share.
 */
export function installApiTransformers(api: Api, options: { sharedPace?: SharedSendPace | undefined } = {}): void {
  const throttle = apiThrottler();
  const { sharedPace } = options;
  if (sharedPace)
    api.config.use((prev, method, payload, signal) => {
      if (isMessageSend(method, payload))
        return sharedPace(() => prev(method, payload, signal), { priority: SEND_PRIORITY });
      if (EDIT_METHODS.has(method)) return sharedPace(() => prev(method, payload, signal), { priority: EDIT_PRIORITY });
      return prev(method, payload, signal);
    });
  api.config.use(spaceChatCalls());
  api.config.use((prev, method, payload, signal) =>
    UNTHROTTLED.has(method) ? prev(method, payload, signal) : throttle(prev, method, payload, signal),
  );
  api.config.use(autoRetry(RETRY));
}

/**
 * A call that sends a new message to a chat: what Telegram's overall limit counts ("no more than
 * 30 messages per second"). Edits share that pace behind sends ({@link EDIT_PRIORITY}), so
 * progress edits never hold up answers and results; deletions are left to each process's own
 * throttler; a chat action is no message.
 */
function isMessageSend(method: string, payload: unknown): boolean {
  return (
    /^(send|copy|forward)/.test(method) &&
    !UNTHROTTLED.has(method) &&
    payload !== null &&
    typeof payload === 'object' &&
    'chat_id' in payload
  );
}

/**
 * Telegram counts a message when it has handled it, a little after the throttler let it go (the
 * throttler spaces starts). So the next call to a chat also waits a second after the previous
 * one finished; under load the gap between the two moments would otherwise earn a 429.
 * The throttler runs one call per chat at a time, so this only ever delays, never reorders.
 */
function spaceChatCalls(): Transformer {
  const finishedAt = new Map<string, number>();
  return async (prev, method, payload, signal) => {
    const chatId = payload && typeof payload === 'object' && 'chat_id' in payload ? String(payload.chat_id) : undefined;
    if (chatId === undefined || UNTHROTTLED.has(method)) return prev(method, payload, signal);
    const wait = (finishedAt.get(chatId) ?? 0) + CHAT_SPACING_MS - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    try {
      return await prev(method, payload, signal);
    } finally {
      const now = Date.now();
      finishedAt.set(chatId, now);
      if (finishedAt.size > 10_000) {
        for (const [key, at] of finishedAt) if (at < now - CHAT_SPACING_MS) finishedAt.delete(key);
      }
    }
  };
}

/**
 * A Bot API client for a process that only sends (the worker): the same API root, throttling
 * and retries as the bot, without polling or a webhook.
 */
export function createTelegramApi(options: {
  token: string;
  apiRoot: string;
  sharedPace?: SharedSendPace | undefined;
}): Api {
  const api = new Api(options.token, { apiRoot: options.apiRoot });
  installApiTransformers(api, { sharedPace: options.sharedPace });
  return api;
}
