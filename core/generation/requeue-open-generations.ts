import type { CoreDeps } from '#core/core-deps';

/**
 * Puts every generation that is still open back on the queue. Returns how many were offered.
 *
 * At a worker's start: the in-process queue forgets its jobs when the process stops, so a restart
 * would otherwise leave them waiting until the overdue sweep refunds them. When Redis reconnects:
 * a Redis that restarted empty lost BullMQ's jobs, and this finds them again.
 * Adding a generation the queue still holds in any state is a no-op (job id = generation id), and
 * a job that runs again skips work already done, so nothing is generated, charged or sent twice.
 */
export async function requeueOpenGenerations(deps: Pick<CoreDeps, 'prisma' | 'queue' | 'clock' | 'logger'>): Promise<number> {
  const open = await deps.prisma.generation.findMany({
    where: { status: { in: ['queued', 'running', 'uploading'] }, deadlineAt: { gt: deps.clock.now() } },
    select: { id: true, kind: true },
    orderBy: { createdAt: 'asc' },
    take: 10_000,
  });
  for (const generation of open) {
    await deps.queue.enqueue({ name: generation.kind, generationId: generation.id });
  }
  if (open.length > 0) deps.logger.info({ count: open.length }, 'open generations queued again');
  return open.length;
}
