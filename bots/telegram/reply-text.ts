import { translate, type Locale, type Text } from '#core';

/** Message text limit (https://core.telegram.org/bots/api#sendmessage). */
export const MAX_TEXT = 4096;
/** Caption limit of photos, videos and documents (https://core.telegram.org/bots/api#sendphoto). */
export const MAX_CAPTION = 1024;
/** Text of a callback query answer (https://core.telegram.org/bots/api#answercallbackquery). */
export const MAX_ALERT = 200;

/** Translates one text or several lines (joined by a line break) in the user's language. */
export function textOf(locale: Locale, text: Text | readonly Text[]): string {
  const lines = Array.isArray(text) ? text : [text as Text];
  return lines.map((line) => translate(locale, line.key, line.vars)).join('\n');
}

/** Cuts a text to Telegram's limit, marking the cut. */
export function fit(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
