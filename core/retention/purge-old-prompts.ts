import type { PrismaClient } from '#core/infra/db/create-database';
import { OPEN_STATUSES_SQL } from '#core/generation/open-statuses';

/**
 * Forgets the words of prompts older than `cutoff`: a finished generation's prompt and the
 * `subject` in its options become null, and moderation records lose the prompt they checked.
 * The rest (kind, cost, status, dates) stays for the credit history. Returns rows changed.
 */
export async function purgeOldPrompts(
  prisma: PrismaClient,
  cutoff: Date,
): Promise<{ generations: number; moderationEvents: number }> {
  const generations = await prisma.$executeRaw`
    UPDATE generations SET prompt = NULL, options = options - 'subject'
    WHERE "createdAt" < ${cutoff} AND status NOT IN ${OPEN_STATUSES_SQL}
      AND (prompt IS NOT NULL OR options ? 'subject')`;
  const moderationEvents = await prisma.moderationEvent.updateMany({
    where: { createdAt: { lt: cutoff }, prompt: { not: null } },
    data: { prompt: null },
  });
  return { generations, moderationEvents: moderationEvents.count };
}
