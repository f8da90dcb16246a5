import type { MiddlewareFn, NextFunction } from 'grammy';
import { normalizeLocale, type Logger } from '#core';
import type { BotContext } from '#bots/telegram/bot-context';
import { placeOfContext } from '#bots/telegram/context-place';
import { eventIdOf } from '#bots/telegram/event-id';
import type { Renderer } from '#bots/telegram/render';
import { reportFailure } from '#bots/telegram/report-failure';

/** The first middleware of the bot, and a way to wait for the updates it is still handling. */
export type UpdateBoundary = {
  middleware: MiddlewareFn<BotContext>;
  /** Resolves once every update being handled is done (shutdown). */
  drain(): Promise<void>;
};

/**
 * Gives each update its child logger `{ platform, eventId, userId }` and wraps everything after
 * it in the error boundary (`reportFailure`). With `inBackground` (webhook mode) the rest runs
 * after grammY has returned, so the webhook answers Telegram at once.
 */
export function createUpdateBoundary(options: {
  logger: Logger;
  renderer: Renderer;
  inBackground: boolean;
}): UpdateBoundary {
  const inFlight = new Set<Promise<void>>();
  const guarded = async (ctx: BotContext, next: NextFunction): Promise<void> => {
    try {
      await next();
    } catch (error) {
      await reportFailure({
        error,
        log: ctx.log,
        renderer: options.renderer,
        place: placeOfContext(ctx),
        locale: normalizeLocale(ctx.from?.language_code),
        what: 'update',
      });
    }
  };
  return {
    async middleware(ctx, next) {
      ctx.log = options.logger.child({ eventId: eventIdOf(ctx.update), userId: ctx.from?.id });
      const task = guarded(ctx, next);
      inFlight.add(task);
      void task.finally(() => inFlight.delete(task));
      if (!options.inBackground) await task;
    },
    async drain() {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
  };
}
