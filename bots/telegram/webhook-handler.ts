import type { RequestHandler } from 'express';
import { webhookCallback, type Bot } from 'grammy';
import type { BotContext } from '#bots/telegram/bot-context';

const SECRET_HEADER = 'x-telegram-bot-api-secret-token';

/**
 * The express handler for `/telegram/webhook`: a POST with Telegram's secret header
 * (https://core.telegram.org/bots/api#setwebhook), parsed and handed to grammY's
 * `webhookCallback`, which compares the secret in constant time. Without the right secret the
 * answer is 401 and nothing runs. The bot answers at once and works on in the background, so
 * Telegram's 10 s timeout never makes it deliver the update again. express (for its JSON parser)
 * is imported with the first update: in webhook mode the web app that mounts this has loaded it
 * already, and a polling bot process never loads it.
 */
export function createWebhookHandler(bot: Bot<BotContext>, secretToken: string): RequestHandler {
  let parser: Promise<RequestHandler> | undefined;
  const callback = webhookCallback(bot, 'express', { secretToken, onTimeout: 'return' });
  return (request, response, next) => {
    if (request.method !== 'POST') {
      response.status(405).end();
      return;
    }
    if (!request.header(SECRET_HEADER)) {
      response.status(401).end();
      return;
    }
    parser ??= import('express').then(({ default: express }) => express.json({ limit: '1mb' }));
    parser.then(
      (parseJson) =>
        parseJson(request, response, (error?: unknown) => {
          if (error || typeof request.body !== 'object' || request.body === null || Array.isArray(request.body)) {
            response.status(400).end();
            return;
          }
          callback(request, response).catch(next);
        }),
      next,
    );
  };
}

/** The handler when the bot polls: the route exists but takes nothing. */
export const webhookDisabledHandler: RequestHandler = (_request, response) => {
  response.status(404).type('text/plain').send('Not found');
};
