import type { CoreDeps } from '#core/core-deps';
import { Prisma } from '#core/infra/db/create-database';
import { activePlanIdSql, limitsOfPlan } from '#core/generation/user-limits';
import { OPEN_STATUSES_SQL } from '#core/generation/open-statuses';

/**
 * Puts every generation that is still open back on the queue, with the priority of its user's
 * current plan. Returns how many were offered.
 *
 * At a worker's start: the in-process queue forgets its jobs when the process stops, so a restart
 * would otherwise leave them waiting until the overdue sweep refunds them. When Redis reconnects:
 * a Redis that restarted empty lost BullMQ's jobs, and this finds them again.
 * Adding a generation the queue still holds in any state is a no-op (job id = generation id), and
 * a job that runs again skips work already done, so nothing is generated, charged or sent twice.
 */
export async function requeueOpenGenerations(
  deps: Pick<CoreDeps, 'prisma' | 'queue' | 'clock' | 'logger' | 'catalog'>,
): Promise<number> {
  const now = deps.clock.now();
  const open = await deps.prisma.$queryRaw<{ id: string; kind: 'image' | 'video'; planId: string | null }[]>`
    SELECT g.id, g.kind::text AS kind, ${activePlanIdSql(Prisma.sql`g."userId"`, now)} AS "planId"
    FROM generations AS g
    WHERE g.status IN ${OPEN_STATUSES_SQL} AND g."deadlineAt" > ${now}
    ORDER BY g."createdAt" ASC
    LIMIT 10000`;
  for (const generation of open) {
    // The priority of the user's plan, as at admission, so a paid plan's jobs stay ahead.
    await deps.queue.enqueue({
      name: generation.kind,
      generationId: generation.id,
      priority: limitsOfPlan(deps.catalog, generation.planId).priority,
    });
  }
  if (open.length > 0) deps.logger.info({ count: open.length }, 'open generations queued again');
  return open.length;
}
