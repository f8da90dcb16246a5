import { randomBytes } from 'node:crypto';

/**
 * The prefix of a Telegram `/start` payload that opens a shared creation (`/start r_<slug>`).
 * A payload is at most 64 of A-Z a-z 0-9 _ - (https://core.telegram.org/bots/features#deep-linking).
 */
export const REMIX_START_PREFIX = 'r_';

/** A share slug: 12 random bytes (96 bits) in base64url, 16 characters, so `r_<slug>` is 18. */
export function newShareSlug(): string {
  return randomBytes(12).toString('base64url');
}

/** Whether `value` has the shape of a slug {@link newShareSlug} makes. */
export function isShareSlugShape(value: string): boolean {
  return /^[A-Za-z0-9_-]{16}$/.test(value);
}
