import { randomBytes } from 'node:crypto';
import type { Locale, Logger } from '#core';
import type { ChatPlace } from '#bots/telegram/chat-place';
import type { Renderer } from '#bots/telegram/render';
import { isChatUnreachable } from '#bots/telegram/telegram-errors';

/**
 * The adapter's error boundary. Core answers its own failures as replies, so what arrives here
 * failed in the adapter or on the wire: it is logged in full with a short reference, and the
 * user gets `errors.internal` with that reference, so nobody is left without an answer. A chat
 * that blocked the bot is only logged: nothing can reach it.
 */
export async function reportFailure(input: {
  error: unknown;
  log: Logger;
  renderer: Renderer;
  place: ChatPlace | undefined;
  locale: Locale;
  what: string;
}): Promise<void> {
  const { error, log } = input;
  if (isChatUnreachable(error)) {
    log.info({ err: error }, `${input.what}: chat unreachable (blocked or left)`);
    return;
  }
  const ref = randomBytes(4).toString('hex');
  log.error({ err: error, ref }, `${input.what} failed`);
  if (!input.place) return;
  await input.renderer.sendInternalError(input.place, input.locale, ref).catch((fallbackError: unknown) => {
    log.warn({ err: fallbackError, ref }, 'could not send the internal error message');
  });
}
