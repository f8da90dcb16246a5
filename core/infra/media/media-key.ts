import { randomUUID } from 'node:crypto';
import { InvalidMediaKeyError, extensionForMime } from '#core/infra/media/media-store';

// The only keys a media store makes and reads: [<hint>/]yyyy/mm/<uuid>.<ext>. Anything else
// (`..`, absolute paths, backslashes, NUL, other names) is refused before reaching the disk or
// the bucket.
const KEY_PATTERN =
  /^(?:[a-z0-9][a-z0-9-]{0,31}\/)?\d{4}\/\d{2}\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.[a-z0-9]{1,8}$/;
const HINT_PATTERN = /^[a-z0-9][a-z0-9-]{0,31}$/;

/**
 * A new key for a file of type `mime` stored at `date`: `[<keyHint>/]yyyy/mm/<uuid>.<ext>`. Date
 * folders keep directories small on disk and let an operator find a month in a bucket; the uuid
 * makes every key new, so a key is never overwritten. Throws {@link InvalidMediaKeyError} for a
 * hint that is not lowercase letters, digits and dashes.
 */
export function newMediaKey(input: { date: Date; mime: string; keyHint?: string | undefined }): string {
  if (input.keyHint !== undefined && !HINT_PATTERN.test(input.keyHint)) throw new InvalidMediaKeyError(input.keyHint);
  const folder = `${input.date.getUTCFullYear()}/${String(input.date.getUTCMonth() + 1).padStart(2, '0')}`;
  return `${input.keyHint ? `${input.keyHint}/` : ''}${folder}/${randomUUID()}.${extensionForMime(input.mime)}`;
}

/** Throws {@link InvalidMediaKeyError} unless `key` has exactly the shape {@link newMediaKey} makes. */
export function assertMediaKey(key: string): void {
  if (!isMediaKey(key)) throw new InvalidMediaKeyError(key);
}

/**
 * The folder of one month's keys, `[<keyHint>/]yyyy/mm/`, the prefix {@link newMediaKey} gives
 * every file stored that month. Throws {@link InvalidMediaKeyError} for a month or hint it never makes.
 */
export function mediaMonthPrefix(input: { year: number; month: number; keyHint?: string | undefined }): string {
  const isMonth =
    Number.isInteger(input.year) &&
    input.year >= 1970 &&
    input.year <= 9999 &&
    Number.isInteger(input.month) &&
    input.month >= 1 &&
    input.month <= 12;
  if (!isMonth) throw new InvalidMediaKeyError(`${input.year}/${input.month}`);
  if (input.keyHint !== undefined && !HINT_PATTERN.test(input.keyHint)) throw new InvalidMediaKeyError(input.keyHint);
  return `${input.keyHint ? `${input.keyHint}/` : ''}${input.year}/${String(input.month).padStart(2, '0')}/`;
}

/** Whether `key` has exactly the shape {@link newMediaKey} makes. */
export function isMediaKey(key: string): boolean {
  return KEY_PATTERN.test(key);
}
