import type { PrismaClient } from '#core/infra/db/create-database';

/**
 * Removes the IP address and browser of login and security records older than `cutoff` (what
 * happened and when stays, so the account history still makes sense), and of web sessions
 * started before it. Returns rows changed.
 */
export async function purgeLoginRecords(
  prisma: PrismaClient,
  cutoff: Date,
): Promise<{ securityEvents: number; sessions: number }> {
  const stale = { createdAt: { lt: cutoff }, OR: [{ ip: { not: null } }, { userAgent: { not: null } }] };
  const [securityEvents, sessions] = await Promise.all([
    prisma.securityEvent.updateMany({ where: stale, data: { ip: null, userAgent: null } }),
    prisma.webSession.updateMany({ where: stale, data: { ip: null, userAgent: null } }),
  ]);
  return { securityEvents: securityEvents.count, sessions: sessions.count };
}
