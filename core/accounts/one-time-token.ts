import { randomBytes } from 'node:crypto';
import type { Prisma, PrismaClient } from '#core/infra/db/create-database';
import type { TokenKind } from '#core/infra/db/generated/enums';
import { hashToken } from '#core/accounts/create-link-token';

type Db = PrismaClient | Prisma.TransactionClient;

/** A token as found by {@link consumeOneTimeToken}. */
export type ConsumedToken = { id: string; userId: string | null; payload: Record<string, unknown>; createdAt: Date };

/**
 * Issues a single-use secret of `kind` for a user; only its SHA-256 is stored. Returns the
 * secret for the emailed link.
 */
export async function issueOneTimeToken(
  db: Db,
  input: { kind: TokenKind; userId: string | null; payload?: Record<string, unknown>; now: Date; ttlMs: number },
): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  await db.oneTimeToken.create({
    data: {
      kind: input.kind,
      tokenHash: hashToken(token),
      userId: input.userId,
      payload: (input.payload ?? {}) as Prisma.InputJsonValue,
      expiresAt: new Date(input.now.getTime() + input.ttlMs),
    },
  });
  return token;
}

/** A usable token of `kind` (unused, unexpired) without using it, or undefined. */
export async function peekOneTimeToken(
  db: Db,
  input: { kind: TokenKind; token: string; now: Date },
): Promise<ConsumedToken | undefined> {
  if (!/^[A-Za-z0-9_-]{20,100}$/.test(input.token)) return undefined;
  const row = await db.oneTimeToken.findUnique({ where: { tokenHash: hashToken(input.token) } });
  if (!row || row.kind !== input.kind || row.usedAt !== null || row.expiresAt <= input.now) return undefined;
  return {
    id: row.id,
    userId: row.userId,
    payload: (row.payload ?? {}) as Record<string, unknown>,
    createdAt: row.createdAt,
  };
}

/**
 * Uses a token once: marks it used in the same statement that checks it is unused and unexpired,
 * so two concurrent uses cannot both succeed. Undefined when it is unknown, of another kind,
 * used or expired.
 */
export async function consumeOneTimeToken(
  db: Db,
  input: { kind: TokenKind; token: string; now: Date },
): Promise<ConsumedToken | undefined> {
  const found = await peekOneTimeToken(db, input);
  if (!found) return undefined;
  const claimed = await db.oneTimeToken.updateMany({
    where: { id: found.id, usedAt: null, expiresAt: { gt: input.now } },
    data: { usedAt: input.now },
  });
  return claimed.count === 1 ? found : undefined;
}

/** Marks every unused token of `kind` of a user as used (e.g. older reset links after a reset). */
export async function revokeOneTimeTokens(
  db: Db,
  input: { kind: TokenKind; userId: string; now: Date },
): Promise<void> {
  await db.oneTimeToken.updateMany({
    where: { kind: input.kind, userId: input.userId, usedAt: null },
    data: { usedAt: input.now },
  });
}

/**
 * Marks every unused email-change link of a user as used: after a password reset, a newer change
 * request or "sign out everywhere", a link mailed earlier (perhaps by someone who held the
 * session) must not move the account to another address.
 */
export async function revokeEmailChangeTokens(db: Db, input: { userId: string; now: Date }): Promise<void> {
  await db.oneTimeToken.updateMany({
    where: {
      kind: 'email_verification',
      userId: input.userId,
      usedAt: null,
      payload: { path: ['isChange'], equals: true },
    },
    data: { usedAt: input.now },
  });
}
