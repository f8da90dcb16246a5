import { timingSafeEqual } from 'node:crypto';

/**
 * Whether an `Authorization` header carries `Bearer <token>`, compared in constant time so the
 * answer's timing does not reveal how much of a guess was right. Guards `/metrics` on the web
 * port and on a metrics listener of its own.
 */
export function hasBearerToken(header: string | undefined, token: string): boolean {
  const match = /^Bearer (.+)$/.exec(header ?? '');
  if (!match) return false;
  const given = Buffer.from(match[1] as string);
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
