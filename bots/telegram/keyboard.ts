import type { InlineKeyboardButton, InlineKeyboardMarkup } from 'grammy/types';
import { encodeAction, translate, type Button, type Locale } from '#core';

/**
 * Core's buttons as an inline keyboard: an action becomes `callback_data` (at most 64 bytes,
 * `encodeAction` checks), a link a `url` button. Undefined when there are none, so Telegram
 * shows no keyboard (and an edit without one removes the old keyboard).
 */
export function inlineKeyboardOf(
  buttons: readonly (readonly Button[])[] | undefined,
  locale: Locale,
): InlineKeyboardMarkup | undefined {
  const rows = (buttons ?? [])
    .map((row) => row.flatMap((button) => toTelegramButton(button, locale)))
    .filter((row) => row.length > 0);
  return rows.length > 0 ? { inline_keyboard: rows } : undefined;
}

function toTelegramButton(button: Button, locale: Locale): InlineKeyboardButton[] {
  const text = translate(locale, button.label.key, button.label.vars);
  if (button.action) return [{ text, callback_data: encodeAction(button.action.name, button.action.arg) }];
  if (button.url) return [{ text, url: button.url }];
  return [];
}
