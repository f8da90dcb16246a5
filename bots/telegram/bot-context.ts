import type { Context } from 'grammy';
import type { Logger } from '#core';

/** grammY's context plus the child logger of this update (`{ platform, eventId, userId }`). */
export type BotContext = Context & { log: Logger };
