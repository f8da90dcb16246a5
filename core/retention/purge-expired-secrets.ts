import type { PrismaClient } from '#core/infra/db/create-database';

/** Used one-time tokens are kept this long (to answer "this link was already used"), then deleted. */
export const USED_TOKEN_KEEP_MS = 24 * 60 * 60 * 1000;

/** Deletes expired web sessions, expired one-time tokens and tokens used more than a day ago. */
export async function purgeExpiredSecrets(
  prisma: PrismaClient,
  now: Date,
): Promise<{ sessions: number; tokens: number }> {
  const [sessions, tokens] = await Promise.all([
    prisma.webSession.deleteMany({ where: { expiresAt: { lte: now } } }),
    prisma.oneTimeToken.deleteMany({
      where: { OR: [{ expiresAt: { lte: now } }, { usedAt: { lt: new Date(now.getTime() - USED_TOKEN_KEEP_MS) } }] },
    }),
  ]);
  return { sessions: sessions.count, tokens: tokens.count };
}
