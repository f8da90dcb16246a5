import { z } from 'zod';
import { AppError } from '#core/errors/app-error';
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from '#core/accounts/password-hash';

/** An email as stored: trimmed, lower-case, at most 254 characters. */
export const EmailSchema = z.string().trim().toLowerCase().max(254).pipe(z.email());

/** A new password: 10 to 200 characters. */
export const NewPasswordSchema = z.string().min(MIN_PASSWORD_LENGTH).max(MAX_PASSWORD_LENGTH);

/** A display name: 1 to 60 visible characters, control characters removed. */
export const DisplayNameSchema = z
  .string()
  .transform((value) => value.replace(/[\p{Cc}\p{Cf}]/gu, '').trim())
  .pipe(z.string().min(1).max(60));

/**
 * Parses one field, or throws `invalid_input` naming the field (the web shows the matching
 * message `web.field.<field>`).
 */
export function parseField<T>(schema: z.ZodType<T>, value: unknown, field: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new AppError('invalid_input', { vars: { field }, message: `invalid ${field}` });
  return parsed.data;
}
