import type { CoreDeps } from '#core/core-deps';

/** One open appeal as the admin area shows it: the appeal, its suspension, and the prompts that led to it. */
export type OpenAppealLine = {
  id: string;
  userId: string;
  text: string;
  filedAt: Date;
  suspension: { reason: string; category: string | null; startsAt: Date; endsAt: Date | null };
  /** Blocked prompts of the user up to the suspension's start, newest first (at most 3; empty when purged or for an admin's suspension). */
  prompts: { at: Date; categories: string[]; prompt: string }[];
};

/**
 * The open appeals, oldest first (at most `limit`, default 50), each with the suspension it
 * contests and the blocked prompts that caused it, audited as `admin.view_appeals` (reading
 * them is access to personal data).
 */
export async function listOpenAppeals(
  deps: Pick<CoreDeps, 'prisma'>,
  input: { actor: string; limit?: number },
): Promise<OpenAppealLine[]> {
  const appeals = await deps.prisma.appeal.findMany({
    where: { status: 'open' },
    orderBy: { createdAt: 'asc' },
    take: Math.min(Math.max(input.limit ?? 50, 1), 200),
    include: { suspension: true },
  });
  const lines = await Promise.all(
    appeals.map(async (appeal) => {
      const events = await deps.prisma.moderationEvent.findMany({
        where: {
          userId: appeal.userId,
          verdict: 'blocked',
          prompt: { not: null },
          createdAt: { lte: appeal.suspension.startsAt },
        },
        orderBy: { createdAt: 'desc' },
        take: 3,
      });
      return {
        id: appeal.id,
        userId: appeal.userId,
        text: appeal.text,
        filedAt: appeal.createdAt,
        suspension: {
          reason: appeal.suspension.reason,
          category: appeal.suspension.category,
          startsAt: appeal.suspension.startsAt,
          endsAt: appeal.suspension.endsAt,
        },
        prompts: events.map((event) => ({
          at: event.createdAt,
          categories: event.categories,
          prompt: event.prompt ?? '',
        })),
      };
    }),
  );
  await deps.prisma.auditLog.create({
    data: { actor: input.actor, action: 'admin.view_appeals', details: { count: lines.length } },
  });
  return lines;
}
