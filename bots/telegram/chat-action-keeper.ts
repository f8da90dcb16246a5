import type { Api } from 'grammy';
import type { Logger } from '#core';
import { isChatUnreachable } from '#bots/telegram/telegram-errors';

/** A chat action shows for about 5 seconds (https://core.telegram.org/bots/api#sendchataction). */
const REPEAT_MS = 4_000;
/** Longest a job keeps the action alive, in case its end never reaches this process (video timeout). */
const MAX_MS = 15 * 60_000;

/** Keeps "sending photo…" showing in a chat while a job works. */
export type ChatActionKeeper = {
  /** Starts (or keeps) the action for a job in a chat. */
  keep(generationId: string, chatId: number | string): void;
  stop(generationId: string): void;
  /** Stops every action and refuses new ones (shutdown). */
  close(): void;
};

/** A {@link ChatActionKeeper} sending `upload_photo` every 4 s through `api`. */
export function createChatActionKeeper(api: Api, logger: Logger): ChatActionKeeper {
  const timers = new Map<string, { interval: NodeJS.Timeout; deadline: NodeJS.Timeout }>();
  let isClosed = false;
  const stop = (generationId: string) => {
    const timer = timers.get(generationId);
    if (!timer) return;
    clearInterval(timer.interval);
    clearTimeout(timer.deadline);
    timers.delete(generationId);
  };
  const send = (generationId: string, chatId: number | string) => {
    api.sendChatAction(chatId, 'upload_photo').catch((error: unknown) => {
      if (isChatUnreachable(error)) stop(generationId);
      logger.debug({ err: error, generationId }, 'chat action failed');
    });
  };
  return {
    keep(generationId, chatId) {
      if (isClosed || timers.has(generationId)) return;
      send(generationId, chatId);
      const interval = setInterval(() => send(generationId, chatId), REPEAT_MS);
      const deadline = setTimeout(() => stop(generationId), MAX_MS);
      interval.unref();
      deadline.unref();
      timers.set(generationId, { interval, deadline });
    },
    stop,
    close() {
      isClosed = true;
      for (const generationId of [...timers.keys()]) stop(generationId);
    },
  };
}
