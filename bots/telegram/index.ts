/**
 * The Telegram adapter (grammY): what the entry point wires. `createTelegramBot` for a process
 * with the telegram role; `createTelegramApi` + `createTelegramNotifier` for a worker that only sends.
 */
export { createTelegramBot, type TelegramBot } from '#bots/telegram/create-telegram-bot';
export { createTelegramNotifier, type TelegramNotifier } from '#bots/telegram/telegram-notifier';
export { createTelegramApi } from '#bots/telegram/create-telegram-api';
