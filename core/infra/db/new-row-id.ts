import { randomFillSync } from 'node:crypto';

/**
 * A new row id as Prisma's `@default(uuid(7))` makes them (RFC 9562 version 7: 48 bits of Unix
 * milliseconds, then random bits), for rows written with raw SQL, which gets no Prisma default.
 * Time-ordered, so new rows land at the right end of the primary-key index like Prisma's own.
 */
export function newRowId(now: number = Date.now()): string {
  const bytes = randomFillSync(Buffer.alloc(16));
  bytes.writeUIntBE(now, 0, 6);
  bytes[6] = 0x70 | ((bytes[6] ?? 0) & 0x0f);
  bytes[8] = 0x80 | ((bytes[8] ?? 0) & 0x3f);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
