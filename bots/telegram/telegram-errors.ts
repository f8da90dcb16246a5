import { GrammyError } from 'grammy';

/**
 * Telegram's answers that change what the adapter does next. Descriptions are matched loosely:
 * Telegram words them differently across methods (https://core.telegram.org/bots/api#making-requests).
 */

/** The user blocked the bot, or the bot was removed from the chat: nothing can be sent there. */
export function isChatUnreachable(error: unknown): boolean {
  return (
    error instanceof GrammyError &&
    (error.error_code === 403 || /chat not found|bot can't initiate/i.test(error.description))
  );
}

/** An edit that would leave the message as it is (Telegram answers 400 instead of ok). */
export function isNotModified(error: unknown): boolean {
  return error instanceof GrammyError && error.error_code === 400 && /message is not modified/i.test(error.description);
}

/** The message to edit was deleted, is too old, or cannot be edited: send a new one instead. */
export function isMessageGone(error: unknown): boolean {
  return (
    error instanceof GrammyError &&
    error.error_code === 400 &&
    /message to edit not found|message can't be edited|MESSAGE_ID_INVALID|there is no text in the message/i.test(
      error.description,
    )
  );
}
