import type { PrismaClient } from '#core/infra/db/create-database';

/**
 * How long a bonus mark (an identity that received the signup credits, as a keyed hash) is kept:
 * three years from the bonus, as the privacy page says. After that the identity may have the
 * bonus again.
 */
export const BONUS_MARK_RETENTION_YEARS = 3;

/** How long before `now` the oldest bonus mark still kept was made. */
export function bonusMarkCutoff(now: Date): Date {
  const cutoff = new Date(now);
  cutoff.setUTCFullYear(cutoff.getUTCFullYear() - BONUS_MARK_RETENTION_YEARS);
  return cutoff;
}

/**
 * Deletes the suspension marks whose suspension has ended and the bonus marks older than
 * BONUS_MARK_RETENTION_YEARS. A mark until lifted (`until` null) stays until an admin lifts it.
 */
export async function purgeIdentityMarks(
  prisma: PrismaClient,
  now: Date,
): Promise<{ suspensionMarks: number; bonusMarks: number }> {
  const [suspensionMarks, bonusMarks] = await Promise.all([
    prisma.suspensionMark.deleteMany({ where: { until: { lte: now } } }),
    prisma.bonusMark.deleteMany({ where: { createdAt: { lt: bonusMarkCutoff(now) } } }),
  ]);
  return { suspensionMarks: suspensionMarks.count, bonusMarks: bonusMarks.count };
}
