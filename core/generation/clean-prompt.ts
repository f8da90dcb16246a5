import { AppError } from '#core/errors/app-error';

// C0/C1 controls, bidi overrides and zero-width characters a prompt never needs.
const UNWANTED =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]/g;

/**
 * A prompt as it is stored and sent to providers: control characters removed, whitespace
 * collapsed, trimmed. Throws `prompt_empty` or `prompt_too_long` (naming the limit).
 */
export function cleanPrompt(raw: string, maxLength: number): string {
  const prompt = raw.replace(UNWANTED, '').replace(/\s+/g, ' ').trim();
  if (prompt.length === 0) throw new AppError('prompt_empty');
  const length = [...prompt].length;
  if (length > maxLength) throw new AppError('prompt_too_long', { vars: { length, max: maxLength } });
  return prompt;
}
