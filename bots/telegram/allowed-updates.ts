/**
 * The update types the bot asks Telegram for, in polling and webhook mode alike. A successful
 * payment arrives inside `message`; pre-checkout queries must be listed or Stars purchases hang
 * (https://core.telegram.org/bots/api#getupdates).
 */
export const ALLOWED_UPDATES = ['message', 'callback_query', 'pre_checkout_query'] as const;
